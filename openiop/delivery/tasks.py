"""Delivery's tasks on the one task queue (openiop.core.tasks).

``compliance_week`` computes the weekly-hours compliance report of one week (one organization
or all) on a worker and stores it as the task's result (ids and hours, no names or record
numbers), for ``openiop compliance --week D --enqueue`` and ``--result ID``. It only reads and
audits, so running it again is harmless; it is retried on a database error.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from openiop.core.tasks import retrying_task
from openiop.delivery.compliance_report import compliance_report
from openiop.delivery.hours import monday_of
from openiop.organization.models import Organization


@retrying_task(max_attempts=3, backoff=timedelta(seconds=30))
def compliance_week(
    *, week: str, organization_id: int | None = None, as_of: str | None = None, attempt: int = 1
) -> dict[str, Any]:
    """The report for the week holding ``week`` (ISO date), as of ``as_of`` (ISO time with
    offset; None: the week's end, so that a late run gives the final figures)."""
    week_start = monday_of(date.fromisoformat(week))
    organizations = Organization.objects.order_by("pk")
    if organization_id is not None:
        organizations = organizations.filter(pk=organization_id)
    report = compliance_report(
        week_start=week_start,
        as_of=datetime.fromisoformat(as_of) if as_of else None,
        organizations=organizations,
        source=f"compliance task for the week of {week_start}",
        with_mrn=False,
    )
    report["attempt"] = attempt
    return report
