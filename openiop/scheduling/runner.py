"""The background solve: a small job runner on the database, for SQLite and PostgreSQL.

A web request only marks a week ``queued`` (services.week_solve_enqueue). Two things solve it:

1. ``openiop schedule-worker`` (production): a loop that beats a heartbeat row, claims one
   queued week at a time, solves it and stores the result; ``--once`` drains the queue and exits.
2. The fallback for ``make demo``, where no worker runs: after the enqueue commits, :func:`kick`
   starts a daemon thread in the web process when no worker beat in the last
   ``HEARTBEAT_FRESH``; a per-process lock lets only one such thread solve at a time (it drains
   the queue, then looks once more after releasing the lock so nothing queued meanwhile waits).
   The review page's 2-second poll kicks again, so a restart of the web server does not strand
   a queued week. Disable it with ``SCHEDULE_INLINE_FALLBACK = False`` in settings.

Claiming is the seam between the databases: on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED``
lets several workers take different weeks without waiting on each other; SQLite has no row
locks, so a conditional ``UPDATE ... WHERE status = 'queued'`` decides (one writer at a time, and
only the first of two racing workers sees one updated row). A week whose solve stopped giving
signs of life for ``STALE_AFTER`` (a killed worker) is queued again.

Progress: the domain's ``solve()`` exposes no CP-SAT solution callback, so progress is written
at each step (greedy start found, CP-SAT running) and a ticker thread updates the elapsed time
every second while CP-SAT runs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from openiop.domain.scheduling import (
    FormatError,
    greedy,
    parse_problem,
    solution_to_dict,
    solve,
)
from openiop.scheduling import services
from openiop.scheduling.models import ScheduleWeek, WeekStatus, WorkerHeartbeat

logger = logging.getLogger(__name__)

T = TypeVar("T")
HEARTBEAT_FRESH = timedelta(seconds=30)
STALE_AFTER = timedelta(minutes=2)
_fallback_lock = threading.Lock()


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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(name: str) -> None:
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def worker_alive() -> bool:
    return WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - HEARTBEAT_FRESH).exists()


def requeue_stale() -> int:
    """Queue again the weeks whose solver stopped beating (a killed process)."""
    return ScheduleWeek.objects.filter(
        status=WeekStatus.SOLVING, heartbeat_at__lt=timezone.now() - STALE_AFTER
    ).update(
        status=WeekStatus.QUEUED,
        progress="Queued again: the solver that had it stopped.",
        queued_at=timezone.now(),
    )


def _mark_claimed(pk: int, *, only_if_queued: bool) -> bool:
    now = timezone.now()
    rows = ScheduleWeek.objects.filter(pk=pk)
    if only_if_queued:
        rows = rows.filter(status=WeekStatus.QUEUED)
    return (
        rows.update(
            status=WeekStatus.SOLVING,
            started_at=now,
            heartbeat_at=now,
            progress="Claimed by the solver.",
        )
        == 1
    )


def claim_next() -> ScheduleWeek | None:
    """Take the oldest queued week for this process, or None (see module docstring)."""
    requeue_stale()
    queued = ScheduleWeek.objects.filter(status=WeekStatus.QUEUED).order_by("queued_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            week = queued.select_for_update(skip_locked=True).first()
            if week is None:
                return None
            _mark_claimed(week.pk, only_if_queued=False)
        return ScheduleWeek.objects.get(pk=week.pk)
    for pk in queued.values_list("pk", flat=True)[:20]:
        if _mark_claimed(pk, only_if_queued=True):
            return ScheduleWeek.objects.get(pk=pk)
    return None


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
        solution = solve(problem, time_limit=limit, workers=workers or solve_workers(), seed=seed)
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
    if not _mark_claimed(week.pk, only_if_queued=False):
        return None
    week.refresh_from_db()
    return solve_week(week, time_limit=time_limit, seed=seed, workers=workers, progress=False)


def drain(
    *, time_limit: float | None = None, workers: int | None = None, name: str | None = None
) -> int:
    """Claim and solve queued weeks until none is left; the number solved."""
    solved = 0
    while True:
        if name:
            retrying(lambda: beat(name))
        week = retrying(claim_next)
        if week is None:
            return solved
        solve_week(week, time_limit=time_limit, workers=workers)
        solved += 1


def _queued() -> bool:
    return ScheduleWeek.objects.filter(status=WeekStatus.QUEUED).exists()


def _drain_in_background() -> None:
    try:
        while True:
            try:
                drain()
            finally:
                _fallback_lock.release()
            if not _queued() or not _fallback_lock.acquire(blocking=False):
                return
    except Exception:
        logger.exception("background schedule solve failed")
    finally:
        connections.close_all()


def kick() -> bool:
    """Start the fallback solver thread if needed (module docstring); True when started."""
    if not getattr(settings, "SCHEDULE_INLINE_FALLBACK", True):
        return False
    try:
        if worker_alive() or not _queued():
            return False
    except Exception:
        logger.exception("could not check the schedule queue")
        return False
    if not _fallback_lock.acquire(blocking=False):
        return False  # the running thread drains the queue, including this week
    try:
        threading.Thread(
            target=_drain_in_background, daemon=True, name="openiop-schedule-solver"
        ).start()
    except Exception:
        _fallback_lock.release()
        raise
    return True


def fallback_running() -> bool:
    return _fallback_lock.locked()
