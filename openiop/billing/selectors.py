"""Billing reads: charges and coverage of the patients in the user's scope (fixed queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import (
    Adjustment,
    Certification,
    Charge,
    ChargeStatus,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Coverage,
    Payment,
)
from openiop.core import access, policy
from openiop.core.policy import Action
from openiop.domain.billing.coverage import CoverageFacts, coverage_problems, current_on
from openiop.domain.claims.carc import reason_in_words
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
            subscriber_last_name=c.subscriber_last_name,
            subscriber_first_name=c.subscriber_first_name,
            relationship=c.relationship,
            eligibility_checked_on=c.eligibility_checked_on,
            guarantor_name=c.guarantor_name,
            is_medicare=bool(c.payer and c.payer.is_medicare),
            certification_current=certified,
        )
        rows.append(CoverageRow(c, coverage_problems(facts, today)))
    return rows, certs


def _claims(user: User) -> QuerySet[Claim]:
    return Claim.objects.filter(
        organization_id=access.organization_id(user), patient_id__in=_visible(user)
    )


def claims_between(user: User, first: date, last: date) -> list[Claim]:
    """Claims with a service day in the period (one query)."""
    return list(
        _claims(user)
        .filter(first_day__lte=last, last_day__gte=first)
        .select_related("patient", "payer")
        .order_by("first_day", "patient__last_name", "id")
    )


def claim_for(user: User, pk: int, *, action: Action, request: HttpRequest | None = None) -> Claim:
    """The claim if its patient is in the user's scope (else an audited 404), then the role
    (else an audited 403)."""
    claim = _claims(user).select_related("patient", "payer", "claim_file").filter(pk=pk).first()
    if claim is None:
        raise access.not_found(user, "billing.claim", pk, request=request)
    policy.require(user, action, request=request, patient=claim.patient, obj=claim)
    return claim


@dataclass(frozen=True)
class Reason:
    group: str
    code: str
    words: str
    amount: Decimal
    remarks: str


def reasons(adjustments: list[Adjustment]) -> list[Reason]:
    return [
        Reason(a.group, a.reason, reason_in_words(a.group, a.reason), a.amount, a.remarks)
        for a in adjustments
    ]


@dataclass(frozen=True)
class Denial:
    claim: Claim
    reasons: list[Reason]


def denials(user: User) -> list[Denial]:
    """Denied claims, oldest first, each with its reasons in words (fixed queries)."""
    claims = list(
        _claims(user)
        .filter(status=ClaimStatus.DENIED)
        .select_related("patient", "payer")
        .prefetch_related(
            Prefetch("payments", queryset=Payment.objects.prefetch_related("adjustments"))
        )
        .order_by("first_day", "id")[:WORKLIST_LIMIT]
    )
    out = []
    for claim in claims:
        adjustments = [a for p in claim.payments.all() for a in p.adjustments.all()]
        out.append(Denial(claim, reasons(adjustments)))
    return out


@dataclass(frozen=True)
class Rejection:
    claim: Claim
    answer: ClaimEvent | None


def rejected(user: User) -> list[Rejection]:
    """Claims rejected before processing (999 or 277CA), oldest first, each with the answer
    that rejected it (fixed queries)."""
    claims = list(
        _claims(user)
        .filter(status=ClaimStatus.REJECTED)
        .select_related("patient", "payer")
        .prefetch_related(
            Prefetch("events", queryset=ClaimEvent.objects.filter(to_status=ClaimStatus.REJECTED))
        )
        .order_by("first_day", "id")[:WORKLIST_LIMIT]
    )
    out = []
    for claim in claims:
        events = sorted(claim.events.all(), key=lambda e: (e.at, e.pk))
        out.append(Rejection(claim, events[-1] if events else None))
    return out


def claim_payments(claim: Claim) -> list[tuple[Payment, list[Reason]]]:
    payments = Payment.objects.filter(claim=claim).select_related("remittance")
    return [
        (p, reasons(list(p.adjustments.all()))) for p in payments.prefetch_related("adjustments")
    ]
