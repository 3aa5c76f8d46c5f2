"""Billing reads: charges and coverage of the patients in the user's scope (fixed queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import Certification, Charge, ChargeStatus, Coverage
from openiop.core import access
from openiop.domain.billing.coverage import CoverageFacts, coverage_problems, current_on
from openiop.patients.models import Patient

WORKLIST_LIMIT = 200


def _visible(user: User) -> QuerySet[Patient]:
    return access.patients_visible_to(user).values("pk")  # type: ignore[return-value]


def held_charges(user: User) -> list[Charge]:
    return list(
        Charge.objects.filter(status=ChargeStatus.HELD, patient_id__in=_visible(user))
        .select_related("patient", "payer")
        .order_by("service_date", "patient_id")[:WORKLIST_LIMIT]
    )


def charges_between(user: User, first: date, last: date) -> list[Charge]:
    return list(
        Charge.objects.filter(service_date__range=(first, last), patient_id__in=_visible(user))
        .exclude(status=ChargeStatus.VOID)
        .select_related("patient", "payer")
        .order_by("service_date", "patient_id", "service")
    )


@dataclass(frozen=True)
class CoverageRow:
    coverage: Coverage
    problems: tuple[str, ...]


def coverage_rows(patient: Patient) -> tuple[list[CoverageRow], list[Certification]]:
    today = timezone.localdate()
    certs = list(Certification.objects.filter(patient=patient))
    certified = current_on([(c.certified_on, c.recertify_by) for c in certs], today)
    rows = []
    for c in Coverage.objects.filter(patient=patient).select_related("payer"):
        facts = CoverageFacts(
            rank=c.rank,
            self_pay=c.self_pay,
            payer_name=c.payer.name if c.payer else "",
            member_id=c.member_id,
            subscriber_name=c.subscriber_name,
            relationship=c.relationship,
            eligibility_checked_on=c.eligibility_checked_on,
            guarantor_name=c.guarantor_name,
            is_medicare=bool(c.payer and c.payer.is_medicare),
            certification_current=certified,
        )
        rows.append(CoverageRow(c, coverage_problems(facts, today)))
    return rows, certs
