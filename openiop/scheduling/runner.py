"""The background solve of a weekly schedule, run as a task on the one task queue.

A web request only marks a week ``queued`` and enqueues :data:`openiop.scheduling.tasks.solve_week`
after its transaction commits (services.week_solve_enqueue). A worker (``openiop db_worker``, on
any number of machines; or, for ``make demo``, the web process's fallback thread, see
:mod:`openiop.core.tasks`) runs it: :func:`claim` turns the week ``solving`` only if it is still
``queued`` (a conditional UPDATE, so a duplicate or late task does nothing), then
:func:`solve_week` solves it and stores the result.

A solve whose worker dies is found by the watchdog task that each claim schedules
(tasks.watch_solve): a week still ``solving`` with no sign of life for ``STALE_AFTER`` is
queued again as the next attempt.

Progress: the domain's ``solve()`` exposes no CP-SAT solution callback, so progress is written
at each step (greedy start found, CP-SAT running) and a ticker thread updates the elapsed time
(and the week's ``heartbeat_at``) every second while CP-SAT runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, connection, connections
from django.utils import timezone

from openiop.domain.scheduling import (
    FormatError,
    Problem,
    Solution,
    greedy,
    parse_problem,
    solution_to_dict,
)
from openiop.scheduling import services
from openiop.scheduling.models import ScheduleWeek, WeekStatus

logger = logging.getLogger(__name__)


def solve(problem: Problem, **options: Any) -> Solution:
    """CP-SAT's ``solve``, imported on the first solve: OR-Tools (about 90 MiB resident) is
    loaded only by the processes that run solves (the task worker, the command line, or the
    demo's fallback thread), never by a web worker that only serves pages."""
    from openiop.domain.scheduling.cpsat import solve as cpsat_solve

    return cpsat_solve(problem, **options)


T = TypeVar("T")
STALE_AFTER = timedelta(minutes=2)


def retrying(action: Callable[[], T], attempts: int = 20) -> T:
    """Run a short database write, retrying while the database is busy or locked (SQLite
    answers "database is locked" to a second writer; a solve must not be lost to that)."""
    if connection.in_atomic_block:  # a failed statement spoils the outer transaction
        return action()
    for attempt in range(attempts - 1):
        try:
            return action()
        except OperationalError:
            logger.info("database busy, retrying (%s)", attempt + 1)
            time.sleep(min(2.0, 0.05 * (attempt + 1)))
    return action()


def solve_seconds() -> float:
    return float(getattr(settings, "SCHEDULE_SOLVE_SECONDS", 10.0))


def solve_workers() -> int:
    return int(getattr(settings, "SCHEDULE_SOLVE_WORKERS", 1))


def claim(week_id: int, *, attempt: int = 1, only_if_queued: bool = True) -> ScheduleWeek | None:
    """Mark the week solving and return it; None when it is not queued any more (solved,
    superseded, or taken by another task), so that running a solve twice does nothing."""
    now = timezone.now()
    rows = ScheduleWeek.objects.filter(pk=week_id)
    if only_if_queued:
        rows = rows.filter(status=WeekStatus.QUEUED)
    note = (
        "Claimed by the solver." if attempt == 1 else f"Claimed by the solver (attempt {attempt})."
    )
    updated = rows.update(
        status=WeekStatus.SOLVING, started_at=now, heartbeat_at=now, progress=note
    )
    return ScheduleWeek.objects.get(pk=week_id) if updated == 1 else None


def set_progress(week_id: int, text: str) -> None:
    ScheduleWeek.objects.filter(pk=week_id, status=WeekStatus.SOLVING).update(
        progress=text[:200], heartbeat_at=timezone.now()
    )


class _Ticker(threading.Thread):
    """Writes "CP-SAT improving: N s of at most T s" every second while the solver runs."""

    def __init__(self, week_id: int, prefix: str, limit: float) -> None:
        super().__init__(daemon=True, name=f"openiop-schedule-progress-{week_id}")
        self.week_id, self.prefix, self.limit = week_id, prefix, limit
        self.began = time.monotonic()
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(1.0):
                elapsed = time.monotonic() - self.began
                try:
                    set_progress(
                        self.week_id,
                        f"{self.prefix} CP-SAT improving it: {elapsed:.0f} s of at most "
                        f"{self.limit:.0f} s.",
                    )
                except Exception:  # progress is best effort (e.g. SQLite busy)
                    logger.debug("progress update skipped", exc_info=True)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)


def solve_week(
    week: ScheduleWeek,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int = 0,
    progress: bool = True,
) -> ScheduleWeek | None:
    """Solve a claimed week (status solving) and store the result. Never raises: a failure is
    stored on the week. CP-SAT failing falls back to the greedy schedule, said in its stats."""
    limit = solve_seconds() if time_limit is None else time_limit

    def store(solution: dict[str, object] | None, error: str) -> ScheduleWeek | None:
        return retrying(
            lambda: services.week_solution_store(week_id=week.pk, solution=solution, error=error)
        )

    try:
        problem = parse_problem(week.problem)
    except FormatError as exc:
        return store(None, str(exc))
    try:
        start = greedy(problem)
        prefix = (
            f"Greedy start: {len(start.groups)} groups, shortfall "
            f"{start.stats['shortfall_hours']:g} h."
        )
    except Exception as exc:
        logger.exception("greedy schedule failed for week %s", week.pk)
        return store(None, f"{type(exc).__name__}: {exc}")
    if progress:
        text = f"{prefix} CP-SAT is improving it (at most {limit:.0f} s)."
        retrying(lambda: set_progress(week.pk, text))
    ticker = _Ticker(week.pk, prefix, limit) if progress else None
    if ticker is not None:
        ticker.start()
    error = ""
    try:
        # A mid-week re-solve (a revision with a parent) keeps patients' times before saving a
        # group; the weekly build follows the format's order (fewest groups before changes).
        solution = solve(
            problem,
            time_limit=limit,
            workers=workers or solve_workers(),
            seed=seed,
            stability_first=week.parent_id is not None,
        )
    except Exception as exc:
        logger.exception("CP-SAT failed for week %s; keeping the greedy schedule", week.pk)
        error = f"CP-SAT failed ({type(exc).__name__}); the greedy schedule is shown."
        solution = start
    finally:
        if ticker is not None:
            ticker.stop()
    logger.info("schedule week %s solved (%s)", week.pk, solution.stats.get("status"))
    return store(solution_to_dict(solution), error)


def solve_now(
    week: ScheduleWeek, *, time_limit: float, seed: int = 0, workers: int = 1
) -> ScheduleWeek | None:
    """Solve a draft or queued week in this thread (demo data, tests): no queue, no progress."""
    claimed = claim(week.pk, only_if_queued=False)
    if claimed is None:
        return None
    return solve_week(claimed, time_limit=time_limit, seed=seed, workers=workers, progress=False)
