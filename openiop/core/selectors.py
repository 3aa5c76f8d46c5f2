"""Read path for the audit report (45 CFR 170.315(d)(3): a chosen period, sortable by
every field)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet

from openiop.core.models import AuditEvent

SORTABLE = {
    "seq",
    "-seq",
    "occurred_at",
    "-occurred_at",
    "username",
    "-username",
    "action",
    "-action",
    "patient_id_value",
    "-patient_id_value",
    "object_type",
    "-object_type",
    "client_ip",
    "-client_ip",
    "break_glass",
    "-break_glass",
}


def audit_events(
    *,
    organization_id: int | None,
    username: str = "",
    patient_id: int | None = None,
    action: str = "",
    start: date | None = None,
    end: date | None = None,
    break_glass_only: bool = False,
    sort: str = "-seq",
) -> QuerySet[AuditEvent]:
    """Filter the trail; `sort` is checked against a fixed allow-list (never pasted into SQL)."""
    qs = AuditEvent.objects.all()
    if organization_id is not None:  # None: a superuser's view of the whole installation
        qs = qs.filter(organization_id_value=organization_id)
    if username:
        qs = qs.filter(username__iexact=username)
    if patient_id is not None:
        qs = qs.filter(patient_id_value=patient_id)
    if action:
        qs = qs.filter(action=action)
    if start:
        qs = qs.filter(occurred_at__gte=datetime.combine(start, time.min, tzinfo=UTC))
    if end:
        qs = qs.filter(
            occurred_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
        )
    if break_glass_only:
        qs = qs.filter(break_glass=True)
    return qs.order_by(sort if sort in SORTABLE else "-seq", "-seq")
