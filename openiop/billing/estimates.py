"""Cost estimates before admission and the patient's statement.

A good-faith estimate (No Surprises Act, 45 CFR 149.610; rules in
`openiop.domain.billing.good_faith`) is owed to uninsured and self-pay patients; for a patient
whose primary coverage is a plan, the same form gives the insurance-based estimate of
`openiop.domain.costing`. The statement adds up what the patient owes on posted claims, less the payments the patient made
to the program."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import (
    Adjustment,
    BillingProvider,
    Claim,
    CostEstimate,
    Coverage,
    PatientPayment,
    Payment,
)
from openiop.billing.services import _diagnoses
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.billing import good_faith
from openiop.domain.billing.balance import Balance, balance
from openiop.domain.costing import (
    DEFAULT_FEE_SCHEDULE,
    CostingInputError,
    EstimateRequest,
    FeeSchedule,
    Insurance,
    estimate,
)
from openiop.patients.models import Patient

SERVICE_CODES = {
    "H0015": "Intensive outpatient program, per day (H0015)",
    "S9480": "Intensive outpatient psychiatric services, per day (S9480)",
}
MAX_DAILY_RATE = Decimal("10000.00")  # input sanity bound chosen by OpenIOP, not published


def provider_of(patient: Patient) -> BillingProvider | None:
    return BillingProvider.objects.filter(organization_id=patient.organization_id).first()


def default_code_and_rate(provider: BillingProvider | None) -> tuple[str, Decimal]:
    """The billing provider's fee for H0015 (else S9480), else the estimator's expected
    national daily rate (docs/costing.md)."""
    fees = provider.fees if provider is not None else {}
    for code in SERVICE_CODES:
        if fees.get(code):
            return code, Decimal(str(fees[code]))
    return "H0015", DEFAULT_FEE_SCHEDULE.expected_rate.quantize(Decimal("0.01"))


def good_faith_applies(patient: Patient) -> bool:
    facts = [
        good_faith.CoverageFact(rank, self_pay)
        for rank, self_pay in Coverage.objects.filter(patient=patient).values_list(
            "rank", "self_pay"
        )
    ]
    return good_faith.applies(facts)


def _insurance(
    deductible_remaining: Decimal | None,
    coinsurance_percent: Decimal | None,
    copay_per_day: Decimal | None,
    out_of_pocket_max_remaining: Decimal | None,
) -> Insurance:
    errors: dict[str, str] = {}
    if deductible_remaining is None:
        errors["deductible_remaining"] = "Give the deductible left this plan year (0 if met)."
    if coinsurance_percent is None:
        errors["coinsurance_percent"] = "Give the plan's coinsurance, from 0 to 100 percent."
    if errors:
        raise ValidationError(errors)
    assert deductible_remaining is not None and coinsurance_percent is not None
    names = {
        "deductible_remaining": "deductible_remaining",
        "coinsurance": "coinsurance_percent",
        "copay_per_day": "copay_per_day",
        "out_of_pocket_max_remaining": "out_of_pocket_max_remaining",
    }
    try:
        return Insurance(
            deductible_remaining=deductible_remaining,
            coinsurance=coinsurance_percent / 100,
            copay_per_day=copay_per_day or Decimal("0.00"),
            out_of_pocket_max_remaining=out_of_pocket_max_remaining,
        )
    except CostingInputError as exc:
        raise ValidationError(
            {
                names.get(exc.field, "__all__"): "Give an amount from $0 to "
                "$100,000, or a coinsurance from 0 to 100 percent."
            }
        ) from exc


def _schedule(service_code: str, daily_rate: Decimal) -> FeeSchedule:
    """The program's own charge per program day as a one-rate fee schedule (no population
    adjustment, no add-ons: the charge is the program's, not the national range)."""
    return FeeSchedule(
        name=f"the program's charge for {service_code}",
        daily_rate_low=daily_rate,
        daily_rate_high=daily_rate,
        population_multipliers={"adults": Decimal(1)},
    )


@service
def estimate_add(
    *,
    actor: User,
    patient: Patient,
    starts_on: date,
    weeks: int,
    days_per_week: int,
    service_code: str,
    daily_rate: Decimal,
    deductible_remaining: Decimal | None = None,
    coinsurance_percent: Decimal | None = None,
    copay_per_day: Decimal | None = None,
    out_of_pocket_max_remaining: Decimal | None = None,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> CostEstimate:
    """Save a cost estimate for the patient: a good-faith estimate when the patient is
    uninsured or self-pay, else the estimate under the plan terms given."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        patient=patient,
        obj=patient,
        signed_in=signed_in,
    )
    errors: dict[str, str] = {}
    if not 1 <= weeks <= 52:
        errors["weeks"] = "Give the expected number of weeks, from 1 to 52."
    if not 1 <= days_per_week <= 7:
        errors["days_per_week"] = "Give the program days a week, from 1 to 7."
    if service_code not in SERVICE_CODES:
        errors["service_code"] = "Choose the service billed per program day."
    if not (Decimal("0.01") <= daily_rate <= MAX_DAILY_RATE) or daily_rate != daily_rate.quantize(
        Decimal("0.01")
    ):
        errors["daily_rate"] = "Give the daily rate in dollars and cents, up to $10,000."
    if provider_of(patient) is None:
        errors["__all__"] = (
            "Record the program's billing provider (name, NPI, tax id, address) first: a "
            "good-faith estimate names them."
        )
    if errors:
        raise ValidationError(errors)
    gfe = good_faith_applies(patient)
    insurance = (
        None
        if gfe
        else _insurance(
            deductible_remaining, coinsurance_percent, copay_per_day, out_of_pocket_max_remaining
        )
    )
    try:
        result = estimate(
            EstimateRequest(days_per_week=days_per_week, weeks=weeks, insurance=insurance),
            _schedule(service_code, daily_rate),
        )
    except CostingInputError as exc:  # the checks above make this unreachable; never a 500
        raise ValidationError(f"The estimate cannot be made: {exc}") from exc
    terms = {}
    if insurance is not None:
        terms = {
            "deductible_remaining": str(insurance.deductible_remaining),
            "coinsurance_percent": str(coinsurance_percent),
            "copay_per_day": str(insurance.copay_per_day),
            "out_of_pocket_max_remaining": None
            if insurance.out_of_pocket_max_remaining is None
            else str(insurance.out_of_pocket_max_remaining),
        }
    row = CostEstimate.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        good_faith=gfe,
        starts_on=starts_on,
        weeks=weeks,
        days_per_week=days_per_week,
        service_code=service_code,
        daily_rate=daily_rate,
        insurance=terms,
        diagnoses=list(_diagnoses([patient.pk]).get(patient.pk, ())),
        total=result.total.expected,
        patient_share=result.out_of_pocket.expected,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=row,
        request=request,
        detail="good-faith estimate" if gfe else "cost estimate (insured)",
    )
    return row


def estimates_of(patient: Patient) -> list[CostEstimate]:
    return list(CostEstimate.objects.filter(patient=patient).select_related("created_by"))


def estimate_for(
    user: User, pk: int, *, action: Action, request: HttpRequest | None = None
) -> CostEstimate:
    """The estimate if its patient is in the user's scope (else an audited 404), then the role
    (else an audited 403)."""
    row = (
        CostEstimate.objects.filter(
            organization_id=access.organization_id(user),
            patient_id__in=access.patients_visible_to(user).values("pk"),
            pk=pk,
        )
        .select_related("patient", "created_by")
        .first()
    )
    if row is None:
        raise access.not_found(user, "billing.costestimate", pk, request=request)
    policy.require(user, action, request=request, patient=row.patient, obj=row)
    return row


def insurance_of(row: CostEstimate) -> Insurance | None:
    if not row.insurance:
        return None
    t = row.insurance
    oop = t.get("out_of_pocket_max_remaining")
    return Insurance(
        deductible_remaining=Decimal(t["deductible_remaining"]),
        coinsurance=Decimal(t["coinsurance_percent"]) / 100,
        copay_per_day=Decimal(t["copay_per_day"]),
        out_of_pocket_max_remaining=None if oop is None else Decimal(oop),
    )


def recompute(row: CostEstimate) -> tuple[str, ...]:
    """The estimator's assumptions for a saved estimate (the same inputs give the same text)."""
    request = EstimateRequest(
        days_per_week=row.days_per_week, weeks=row.weeks, insurance=insurance_of(row)
    )
    return estimate(request, _schedule(row.service_code, row.daily_rate)).assumptions


# The patient's statement.


@dataclass(frozen=True)
class StatementLine:
    claim: Claim
    billed: Decimal
    insurer_paid: Decimal
    your_share: Decimal


@dataclass(frozen=True)
class StatementPayment:
    received_on: date
    method: str  # in words: "Cash", "Card", "Check", "Other"
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    lines: list[StatementLine]
    billed: Decimal
    insurer_paid: Decimal
    owed: Decimal  # the patient's share on answered claims, before the patient's payments
    payments: tuple[StatementPayment, ...] = ()

    @property
    def paid_by_patient(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0.00"))

    @property
    def balance(self) -> Balance:
        """What is left after the patient's payments (a credit when negative)."""
        return balance(self.owed, (p.amount for p in self.payments))


def statement_for(patient: Patient) -> Statement:
    """What the patient owes: the patient responsibility (835 group PR) on every claim of the
    patient with a posted payment, less the patient's payments to the program that are not
    voided."""
    query = (
        Claim.objects.filter(patient=patient, payments__isnull=False)
        .distinct()
        .select_related("payer")
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.prefetch_related(
                    Prefetch("adjustments", queryset=Adjustment.objects.filter(group="PR"))
                ),
            )
        )
        .order_by("first_day", "id")
    )
    zero = Decimal("0.00")
    claims = list(query)
    # A primary claim whose secondary claim has been answered: the primary's patient share was
    # passed on to the secondary payer, so the patient owes the secondary's share instead.
    passed_on = {c.primary_claim_id for c in claims if c.primary_claim_id is not None}
    lines = []
    for claim in claims:
        payments = list(claim.payments.all())
        share = sum((a.amount for p in payments for a in p.adjustments.all()), zero)
        lines.append(
            StatementLine(
                claim=claim,
                billed=claim.total,
                insurer_paid=sum((p.paid for p in payments), zero),
                your_share=zero if claim.pk in passed_on else share,
            )
        )
    received = tuple(
        StatementPayment(
            received_on=row.received_on, method=row.get_method_display(), amount=row.amount
        )
        for row in PatientPayment.objects.filter(patient=patient, voided_at__isnull=True).order_by(
            "received_on", "id"
        )
    )
    return Statement(
        lines=lines,
        # the same days billed again to a secondary payer are counted once
        billed=sum((line.billed for line in lines if line.claim.primary_claim_id is None), zero),
        insurer_paid=sum((line.insurer_paid for line in lines), zero),
        owed=sum((line.your_share for line in lines), zero),
        payments=received,
    )
