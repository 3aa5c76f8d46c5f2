"""Reads for the accounting of disclosures (42 CFR 2.25), the program's disclosure report
and the breach log. Each runs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from openiop.core.models import AuditAction, AuditEvent
from openiop.domain.consent import DATA, PURPOSES, RECIPIENT_KINDS
from openiop.patients.models import Patient
from openiop.privacy import breach_rules
from openiop.privacy.models import Breach, Channel, ConsentKind, Disclosure
from openiop.privacy.services_breach import breach_deadlines

REFUSED_SHOWN = 50


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The moments from the start of `start` to the end of `end`, in the local time zone."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def in_period(start: date, end: date) -> dict[str, datetime]:
    low, high = bounds(start, end)
    return {"made_at__gte": low, "made_at__lt": high}


@dataclass(frozen=True)
class Row:
    """One disclosure in plain words."""

    disclosure: Disclosure
    when: datetime
    recipient: str
    recipient_kind: str
    information: str
    purpose: str
    channel: str
    basis: str
    consent_id: int | None
    made_by: str

    @property
    def emergency(self) -> bool:
        return self.disclosure.emergency


def consent_basis(d: Disclosure) -> str:
    if d.legal_basis:
        return d.legal_basis
    if d.consent_id is None or d.consent is None:
        return "Medical emergency (42 CFR 2.51)"
    kind = ConsentKind(d.consent.kind).label
    return f"{kind} consent signed {d.consent.signed_on:%d %b %Y}"


def row(d: Disclosure) -> Row:
    if d.made_by is not None:
        made_by = d.made_by.display_name
    elif d.client_name:
        made_by = f"{d.client_name} (system)"
    else:
        made_by = "The program's system"
    return Row(
        disclosure=d,
        when=timezone.localtime(d.made_at),
        recipient=d.recipient_name,
        recipient_kind=RECIPIENT_KINDS.get(d.recipient_kind, d.recipient_kind),
        information="; ".join(DATA.get(k, k) for k in d.data) or d.description,
        purpose=(
            "Audit and evaluation by a government agency"
            if d.legal_basis
            else PURPOSES.get(d.purpose, d.purpose)
        ),
        channel=Channel(d.channel).label if d.channel in Channel.values else d.channel,
        basis=consent_basis(d),
        consent_id=d.consent_id,
        made_by=made_by,
    )


def patient_disclosures(patient: Patient, start: date, end: date) -> list[Row]:
    """Every disclosure of the patient's records made in the period, newest first: one query."""
    qs = (
        Disclosure.objects.filter(patient=patient, **in_period(start, end))
        .select_related("consent", "made_by")
        .order_by("-made_at", "-id")
    )
    return [row(d) for d in qs]


def organization_disclosures(
    organization_id: int, start: date, end: date, channel: str = ""
) -> QuerySet[Disclosure]:
    qs = Disclosure.objects.filter(organization_id=organization_id, **in_period(start, end))
    if channel:
        qs = qs.filter(channel=channel)
    return qs.select_related("consent", "made_by", "patient").order_by("-made_at", "-id")


def counts(qs: QuerySet[Disclosure]) -> dict[str, list[tuple[str, int]]]:
    """Counts by channel and by kind of recipient (two queries)."""
    by_channel = qs.order_by().values("channel").annotate(n=Count("id")).order_by("channel")
    by_kind = (
        qs.order_by().values("recipient_kind").annotate(n=Count("id")).order_by("recipient_kind")
    )
    channels = dict(Channel.choices)
    return {
        "channel": [(channels.get(r["channel"], r["channel"]), r["n"]) for r in by_channel],
        "recipient_kind": [
            (RECIPIENT_KINDS.get(r["recipient_kind"], r["recipient_kind"]), r["n"]) for r in by_kind
        ],
    }


def refused_disclosures(organization_id: int, start: date, end: date) -> dict[str, Any]:
    """Disclosures the gate refused in the period: their number and the latest ones."""
    low, high = bounds(start, end)
    qs = AuditEvent.objects.filter(
        organization_id_value=organization_id,
        action=AuditAction.DENIED,
        object_type="privacy.disclosure",
        occurred_at__gte=low,
        occurred_at__lt=high,
    )
    return {"count": qs.count(), "latest": list(qs.order_by("-seq")[:REFUSED_SHOWN])}


@dataclass(frozen=True)
class BreachLine:
    breach: Breach
    deadlines: list[breach_rules.Deadline]
    next: breach_rules.Deadline | None
    overdue: bool


def breach_line(breach: Breach, today: date) -> BreachLine:
    items = breach_deadlines(breach)
    nxt = None if breach.closed_on else breach_rules.next_deadline(items)
    return BreachLine(breach, items, nxt, nxt is not None and nxt.overdue(today))


def breach_log(organization_id: int, today: date) -> list[BreachLine]:
    """Open entries first (by day of discovery, oldest first), then closed ones, newest first."""
    rows = [breach_line(b, today) for b in Breach.objects.filter(organization_id=organization_id)]
    open_ = sorted((r for r in rows if r.breach.closed_on is None), key=_open_key)
    closed = sorted(
        (r for r in rows if r.breach.closed_on is not None),
        key=lambda r: (r.breach.closed_on or today, r.breach.pk),
        reverse=True,
    )
    return open_ + closed


def _open_key(r: BreachLine) -> tuple[date, int]:
    return (r.next.due if r.next else r.breach.discovered_on, r.breach.pk)
