"""Scheduling's tasks on the one task queue (openiop.core.tasks): the weekly solve and its
watchdog.

``solve_week`` is enqueued by services.week_solve_enqueue after the week is marked queued. It is
idempotent: it claims the week only while it is still ``queued``, so a second task for the same
week, a retry that comes after a success, or a solve for a week superseded meanwhile does
nothing. An exception (the database went away, a bug) is retried with back-off
(``SOLVE_ATTEMPTS``); the week shows "attempt n failed, trying again" and, after the last
attempt, ``failed`` with the reason. A malformed problem or a crashing solver is not retried:
the runner stores that outcome on the week itself (failed, or the greedy schedule).

``watch_solve`` is scheduled by each claim to look at the week ``STALE_AFTER`` later: a week
still being solved by that attempt with no heartbeat since then lost its worker (killed, machine
gone); it is queued again as the next attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from openiop.core.tasks import abandon, enqueue_on_commit, retrying_task
from openiop.scheduling import runner, services
from openiop.scheduling.models import ScheduleWeek, WeekStatus

SOLVE_ATTEMPTS = 3
SOLVE_BACKOFF = timedelta(seconds=30)


def _retrying(
    kwargs: dict[str, Any], *, error: BaseException, attempt: int, run_after: datetime
) -> None:
    services.week_solve_retry(
        week_id=int(kwargs["week_id"]), attempt=attempt, error=error, run_after=run_after
    )


def _giving_up(kwargs: dict[str, Any], *, error: BaseException, attempt: int) -> None:
    services.week_solve_give_up(
        week_id=int(kwargs["week_id"]),
        reason=f"The solver failed {attempt} times; last error: {type(error).__name__}: {error}",
    )


@retrying_task(
    max_attempts=SOLVE_ATTEMPTS,
    backoff=SOLVE_BACKOFF,
    on_retry=_retrying,
    on_give_up=_giving_up,
)
def solve_week(*, week_id: int, attempt: int = 1) -> str:
    """Solve one queued week; returns what happened (stored as the task's result)."""
    week = runner.claim(week_id, attempt=attempt)
    if week is None:
        return "skipped: not queued"
    assert week.started_at is not None
    watch_solve.using(run_after=timezone.now() + runner.STALE_AFTER).enqueue(
        week_id=week_id, started_at=week.started_at.isoformat(), solve_attempt=attempt
    )
    done = runner.solve_week(week)
    return f"week {week_id}: {done.status if done else 'result dropped (superseded)'}"


@retrying_task(max_attempts=3, backoff=timedelta(seconds=10))
def watch_solve(*, week_id: int, started_at: str, solve_attempt: int, attempt: int = 1) -> str:
    """Queue the week again if the solve that started at ``started_at`` stopped beating."""
    week = ScheduleWeek.objects.filter(pk=week_id).first()
    started = datetime.fromisoformat(started_at)
    if week is None or week.status != WeekStatus.SOLVING or week.started_at != started:
        return "finished"
    now = timezone.now()
    if week.heartbeat_at is not None and week.heartbeat_at > now - runner.STALE_AFTER:
        watch_solve.using(run_after=now + runner.STALE_AFTER).enqueue(
            week_id=week_id, started_at=started_at, solve_attempt=solve_attempt
        )
        return "alive: looking again later"
    abandon(solve_week, "the solve stopped giving signs of life", week_id=week_id)
    if solve_attempt >= SOLVE_ATTEMPTS:
        services.week_solve_give_up(
            week_id=week_id,
            reason=f"The solver stopped {solve_attempt} times without a result "
            "(its worker was stopped or ran out of memory).",
        )
        return "failed"
    if services.week_solve_requeue(week_id=week_id, started_at=started):
        enqueue_on_commit(solve_week, week_id=week_id, attempt=solve_attempt + 1)
        return "queued again"
    return "finished"
