"""Appointments' task on the one task queue (openiop.core.tasks): the week's placement.

``place_week`` is enqueued when a week is published (after its transaction commits) and from
the appointments page. It is idempotent: a second run places the same open appointments again,
keeping their slots where they still fit. A failure (the database went away) is retried twice
with back-off; the appointments page then shows the last run as it was."""

from __future__ import annotations

from datetime import date, timedelta

from openiop.core.tasks import retrying_task


@retrying_task(max_attempts=3, backoff=timedelta(seconds=30))
def place_week(*, organization_id: int, week_start: str, attempt: int = 1) -> str:
    from openiop.appointments import services

    run = services.appointments_place_week(
        actor=None, organization_id=organization_id, week_start=date.fromisoformat(week_start)
    )
    return f"placed {run.stats.get('placed')}, not placed {run.stats.get('unplaced')}"
