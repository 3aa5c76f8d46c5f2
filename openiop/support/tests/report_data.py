"""Rows for the support report tests, written directly (the report reads; it does not care
which service wrote them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from openiop.accounts.models import User
from openiop.organization.models import Organization
from openiop.patients.models import Patient
from openiop.support.models import Need, Partner, PartnerReferral, ReferralEvent


def partner(org: Organization, name: str) -> Partner:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    return Partner.objects.create(organization=org, name=name, created_at=now, updated_at=now)


def need(
    patient: Patient,
    kind: str,
    found: date,
    by: User,
    *,
    status: str = "open",
    closed: date | None = None,
) -> Need:
    return Need.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind=kind,
        source="staff",
        identified_on=found,
        identified_by=by,
        status=status,
        closed_on=closed,
        closed_by=by if closed else None,
    )


def referral(
    n: Need,
    to: Partner,
    by: User,
    sent: date,
    follow_up: date,
    steps: list[tuple[str, date]] = (),  # type: ignore[assignment]
    *,
    outcome: str = "",
) -> PartnerReferral:
    """A referral sent on `sent` that then went through `steps` (status, day)."""
    r = PartnerReferral.objects.create(
        organization_id=n.organization_id,
        patient_id=n.patient_id,
        need=n,
        partner=to,
        status=steps[-1][0] if steps else "sent",
        outcome=outcome,
        sent_on=sent,
        follow_up_on=follow_up,
        sent_by=by,
        updated_at=datetime.combine(steps[-1][1] if steps else sent, time(12), UTC),
    )
    previous = ""
    for status, day in [("sent", sent), *steps]:
        ReferralEvent.objects.create(
            referral=r,
            from_status=previous,
            to_status=status,
            occurred_on=day,
            recorded_at=datetime.combine(day, time(12), UTC),
            source="staff",
            recorded_by=by,
        )
        previous = status
    return r
