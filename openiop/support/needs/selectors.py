"""Reads of social needs: a patient's needs with their referrals, open ones first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch

from openiop.patients.models import Patient
from openiop.support.models import OPEN_REFERRAL, Need, NeedStatus, PartnerReferral


@dataclass(frozen=True)
class ReferralRow:
    referral: PartnerReferral
    overdue: bool


@dataclass(frozen=True)
class NeedRow:
    need: Need
    referrals: list[ReferralRow] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.need.status == NeedStatus.OPEN


def patient_needs(patient: Patient, *, today: date) -> tuple[list[NeedRow], list[NeedRow]]:
    """The patient's open needs (newest first) and closed needs (latest closed first), each
    with its referrals and partner; a referral still open past its follow-up day is overdue.
    Two queries, whatever the number of needs and referrals."""
    needs = (
        Need.objects.filter(patient=patient)
        .select_related("identified_by", "closed_by", "screening")
        .prefetch_related(
            Prefetch(
                "referrals",
                queryset=PartnerReferral.objects.select_related("partner").order_by(
                    "-sent_on", "-id"
                ),
            )
        )
        .order_by("-identified_on", "-id")
    )
    open_rows: list[NeedRow] = []
    closed_rows: list[NeedRow] = []
    for need in needs:
        rows = [
            ReferralRow(r, r.status in OPEN_REFERRAL and r.follow_up_on < today)
            for r in need.referrals.all()
        ]
        (open_rows if need.status == NeedStatus.OPEN else closed_rows).append(NeedRow(need, rows))
    closed_rows.sort(key=lambda row: (row.need.closed_on or date.min, row.need.pk), reverse=True)
    return open_rows, closed_rows
