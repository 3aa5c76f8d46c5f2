"""Billing's part of `openiop demo-data`: a fictitious billing provider, three fictitious payers
(Medicare, Medicaid, a commercial plan), coverage for most patients, certifications for
Medicare patients, the charges of the past weeks, the claims built from them, one payment
files of one payer sent and acknowledged (999, 277CA: one claim rejected), one payment file
(835) posted with one denial, and a patient's own payments (one of them voided)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing import claim_status, estimates, payments, services
from openiop.billing.models import (
    Adjustment,
    BillingProvider,
    Certification,
    Charge,
    ChargeStatus,
    Claim,
    ClaimFile,
    ClaimKind,
    ClaimStatus,
    ClaimType,
    Coverage,
    FilingIndicator,
    Payer,
    PaymentMethod,
    ProgramBilling,
    Relationship,
    Remittance,
)
from openiop.billing.remit_text import RemitClaim, RemitLine, write_835
from openiop.core import access, policy
from openiop.core.policy import Action
from openiop.domain.claims.ack_text import ClaimStatus as AckClaim
from openiop.domain.claims.ack_text import SetResult, write_277ca, write_999
from openiop.domain.claims.writer import Kind
from openiop.organization.models import Organization, Program
from openiop.patients.models import Patient

CHARGE_WEEKS = 3
PARENT_NAMES = ("Jordan", "Casey", "Morgan", "Riley", "Avery", "Quinn")
"""Fictitious first names of the subscribers (a spouse or a parent) of demo coverages."""


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    staff = list(
        User.objects.filter(
            organization=org, is_active=True, role__in=policy.roles_for(Action.BILLING_MANAGE)
        ).order_by("pk")
    )
    if not staff:
        return
    now = timezone.now()
    medicare = Payer.objects.create(
        organization=org,
        name="Medicare (demo)",
        payer_id="DEMOMCR",
        claim_type=ClaimType.INSTITUTIONAL,
        is_medicare=True,
        filing_indicator=FilingIndicator.MEDICARE_PART_A,
    )
    medicaid = Payer.objects.create(
        organization=org,
        name="State Medicaid (demo)",
        payer_id="DEMOMCD",
        claim_type=ClaimType.INSTITUTIONAL,
        filing_indicator=FilingIndicator.MEDICAID,
    )
    commercial = Payer.objects.create(
        organization=org,
        name="Acme Health Plan (demo)",
        payer_id="DEMOACME",
        claim_type=ClaimType.PROFESSIONAL,
    )
    program = Program.objects.filter(site__organization=org).order_by("pk").first()
    if program is not None:
        ProgramBilling.objects.create(program=program, discrete_code="90853")
    coverages: list[Coverage] = []
    certifications: list[Certification] = []
    for patient in Patient.objects.filter(organization=org).order_by("pk"):
        roll = rng.random()
        if roll < 0.1:
            continue  # no coverage yet: their charges are held
        payer = rng.choice([medicare, medicaid, medicaid, commercial])
        self_pay = roll > 0.92
        checked = today - timedelta(days=rng.choice([3, 10, 20, 45]))
        relationship = Relationship.SELF if rng.random() < 0.8 else Relationship.SPOUSE
        coverages.append(
            Coverage(
                patient=patient,
                rank=1,
                self_pay=self_pay,
                payer=None if self_pay else payer,
                member_id="" if self_pay or rng.random() < 0.05 else f"D{rng.randrange(10**8):08d}",
                subscriber_last_name="" if relationship == Relationship.SELF else patient.last_name,
                subscriber_first_name=""
                if relationship == Relationship.SELF
                else PARENT_NAMES[patient.pk % len(PARENT_NAMES)],
                relationship=relationship,
                eligibility_checked_on=None if self_pay else checked,
                guarantor_name=f"{patient.first_name} {patient.last_name}",
                created_by=staff[0],
                created_at=now,
            )
        )
        if payer is medicare and not self_pay and rng.random() < 0.8:
            certified = today - timedelta(days=rng.randrange(10, 40))
            certifications.append(
                Certification(
                    patient=patient,
                    physician_name="Dr. Demo Physician",
                    certified_on=certified,
                    recertify_by=certified + timedelta(days=60),
                    recorded_by=staff[0],
                    recorded_at=now,
                )
            )
    Coverage.objects.bulk_create(coverages)
    Certification.objects.bulk_create(certifications)
    first = today - timedelta(days=7 * CHARGE_WEEKS)
    for user in staff:
        services.generate_charges(
            actor=user, first_day=first, last_day=today - timedelta(days=1), signed_in=False
        )
    _demo_children_on_a_parents_plan(org, today)

    BillingProvider.objects.create(
        organization=org,
        name="Demo Recovery IOP (fictitious)",
        npi="1234567893",  # a check-digit-valid example number, not a real provider
        tax_id="000000000",
        taxonomy="261QR0405X",
        address="1 Example Way",
        city="Springfield",
        state="OR",
        zip_code="974770000",
        submitter_id="DEMOSUB01",
        contact_name="Demo Billing Office",
        contact_phone="5555550100",
        receiver_name="Demo Clearinghouse",
        receiver_id="DEMOCLEAR01",
        attending_last_name="Physician",
        attending_first_name="Demo",
        attending_npi="1245319599",
        fees={"H0015": "162.50", "S9480": "150.00", "90853": "95.00", "90832": "120.00"},
    )
    # Claims need the subscriber's address: fictitious ones for demo patients without one.
    missing = list(Patient.objects.filter(organization=org, address=""))
    for n, person in enumerate(missing, start=1):
        person.address, person.city = f"{n} Example Street", "Springfield"
        person.state, person.zip_code = "OR", "97477"
    Patient.objects.bulk_update(missing, ["address", "city", "state", "zip_code"])
    # Claims up to last Sunday: this week's ready charges are left for billing staff to build.
    last_sunday = today - timedelta(days=today.weekday() + 1)
    for user in staff:
        services.build_claims(actor=user, first_day=first, last_day=last_sunday, signed_in=False)
    # The payment file pays claims of the payer whose files were sent (and disclosed to it):
    # choosing "the payer with the most claims" again could pick another payer after a tie.
    sent_to = _demo_claim_answers(staff[0], today)
    _demo_secondary_coverage(staff[0], today, (medicaid, commercial), payer_id=sent_to)
    _post_demo_remittance(staff[0], today, payer_id=sent_to)
    _demo_patient_payments(staff[0], today)
    _demo_good_faith_estimate(staff[0], org, today)


def _demo_patient_payments(actor: User, today: date) -> None:
    """For the first patient with a share on the posted payment file: a card payment, a cash
    payment, and a check payment voided because the bank returned it."""
    scope = Patient.objects.filter(access.membership_patients_filter(actor)).values("pk")
    owing = (
        Adjustment.objects.filter(
            group="PR",
            payment__claim__organization_id=int(actor.organization_id or 0),
            payment__claim__patient_id__in=scope,
        )
        .order_by("payment__claim__patient_id")
        .values_list("payment__claim__patient_id", flat=True)
        .first()
    )
    if owing is None:
        return
    share = estimates.statement_for(Patient.objects.get(pk=owing)).owed
    first = min(Decimal("25.00"), share)
    if first <= 0:
        return
    payments.record_payment(
        actor,
        owing,
        first,
        today - timedelta(days=2),
        PaymentMethod.CARD,
        "R-1001",
        signed_in=False,
    )
    payments.record_payment(
        actor,
        owing,
        Decimal("10.00"),
        today - timedelta(days=1),
        PaymentMethod.CASH,
        "",
        signed_in=False,
    )
    returned = payments.record_payment(
        actor,
        owing,
        Decimal("40.00"),
        today - timedelta(days=3),
        PaymentMethod.CHECK,
        "1042",
        signed_in=False,
    )
    payments.void_payment(
        actor, returned.pk, "The bank returned the check (not enough funds).", signed_in=False
    )


def _demo_good_faith_estimate(actor: User, org: Organization, today: date) -> None:
    """One saved good-faith estimate for a self-pay patient (6 weeks, 3 days a week, at the
    program's H0015 fee)."""
    cover = (
        Coverage.objects.filter(patient__organization=org, rank=1, self_pay=True)
        .select_related("patient")
        .order_by("patient_id")
        .first()
    )
    if cover is None:
        return
    code, rate = estimates.default_code_and_rate(estimates.provider_of(cover.patient))
    estimates.estimate_add(
        actor=actor,
        patient=cover.patient,
        starts_on=today + timedelta(days=7),
        weeks=6,
        days_per_week=3,
        service_code=code,
        daily_rate=rate,
        signed_in=False,
    )


def _post_demo_remittance(actor: User, today: date, *, payer_id: int | None) -> None:
    """One payment file from the payer the claims were sent to: each claim paid less a
    contractual reduction and coinsurance, the last one denied (no prior authorization)."""
    text = remittance_text(actor, today, payer_id=payer_id)
    if text is not None:
        services.post_remittance(actor=actor, text=text, signed_in=False)


def _demo_claim_answers(actor: User, today: date) -> int | None:
    """The files of the payer with the most ready claims are sent; the clearinghouse accepts
    each file (999) and the payer accepts every claim into processing but one, rejected for
    invalid information (277CA), which waits on the rejected-claims work list. Returns that
    payer's id (None when no claim was ready)."""
    org_id = int(actor.organization_id or 0)
    ready = Claim.objects.filter(organization_id=org_id, status=ClaimStatus.READY)
    counts = Counter(ready.values_list("payer_id", flat=True))
    if not counts:
        return None
    payer_id = counts.most_common(1)[0][0]
    files = list(
        ClaimFile.objects.filter(
            organization_id=org_id, payer_id=payer_id, status=ClaimStatus.READY
        ).order_by("pk")
    )
    bp = BillingProvider.objects.get(organization_id=org_id)
    created = datetime.combine(today - timedelta(days=1), time(9, 30))
    for n, claim_file in enumerate(files, start=1):
        claim_status.mark_file_sent(actor=actor, file_id=claim_file.pk, signed_in=False)
        ack = write_999(
            [SetResult(max(claim_file.pk % 1_000_000_000, 1))],
            group_control_number=claim_file.pk,
            interchange_control_number=700_000 + claim_file.pk,
            created=created,
            version=Kind.INSTITUTIONAL.value
            if claim_file.kind == ClaimKind.INSTITUTIONAL
            else Kind.PROFESSIONAL.value,
            sender=services.x12_text(bp.receiver_id),
            receiver=services.x12_text(bp.submitter_id),
        )
        claim_status.import_acknowledgment(actor=actor, text=ack, signed_in=False)
        claims = list(
            claim_file.claims.filter(status=ClaimStatus.SUBMITTED)
            .select_related("patient", "coverage", "payer")
            .order_by("pk")
        )
        if not claims:
            continue
        answers = [
            AckClaim(
                c.control_number,
                services.x12_text(c.patient.last_name),
                services.x12_text(c.patient.first_name),
                services.x12_text(c.coverage.member_id),
                "A7" if i == len(claims) - 1 and len(claims) > 7 else "A2",
                "21" if i == len(claims) - 1 and len(claims) > 7 else "20",
                c.total,
                c.first_day,
                c.last_day,
            )
            for i, c in enumerate(claims)
        ]
        claim_status.import_acknowledgment(
            actor=actor,
            text=write_277ca(
                answers,
                payer_name=services.x12_text(claims[0].payer.name),
                payer_id=services.x12_text(claims[0].payer.payer_id),
                submitter_name=services.x12_text(bp.name),
                submitter_id=services.x12_text(bp.submitter_id),
                provider_name=services.x12_text(bp.name),
                provider_npi=bp.npi,
                interchange_control_number=800_000 + n * 1000 + claim_file.pk,
                created=created,
                sender=services.x12_text(bp.receiver_id),
                receiver=services.x12_text(bp.submitter_id),
            ),
            signed_in=False,
        )
    return int(payer_id)


def remittance_text(actor: User, today: date, *, payer_id: int | None = None) -> str | None:
    """An 835 from `payer_id`, or else from the payer with the most claims ready or accepted
    (None when there are none): up to six claims paid less a contractual reduction and
    coinsurance, the last one denied."""
    org_id = int(actor.organization_id or 0)
    ready = Claim.objects.filter(
        organization_id=org_id,
        status__in=(ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED),
    )
    if payer_id is None:
        counts = Counter(ready.values_list("payer_id", flat=True))
        if not counts:
            return None
        payer_id = counts.most_common(1)[0][0]
    if not ready.filter(payer_id=payer_id).exists():
        return None
    claims = list(
        ready.filter(payer_id=payer_id).select_related("payer", "patient", "coverage")[:6]
    )
    bp = BillingProvider.objects.get(organization_id=org_id)
    remitted = []
    for n, claim in enumerate(claims):
        denied = n == len(claims) - 1 and len(claims) > 1
        lines = []
        for ch in claim.charges.order_by("service_date", "id"):
            amount = ch.billed_amount or Decimal("0")
            if denied:
                lines.append(
                    RemitLine(
                        ch.service_date, ch.code, amount, Decimal("0"), (("CO", "197", amount),)
                    )
                )
                continue
            reduction = (amount * Decimal("0.10")).quantize(Decimal("0.01"))
            share = (amount * Decimal("0.20")).quantize(Decimal("0.01"))
            lines.append(
                RemitLine(
                    ch.service_date,
                    ch.code,
                    amount,
                    amount - reduction - share,
                    (("CO", "45", reduction), ("PR", "2", share)),
                )
            )
        remitted.append(
            RemitClaim(
                claim.control_number,
                "4" if denied else "1",
                services.x12_text(claim.patient.last_name),
                services.x12_text(claim.patient.first_name),
                services.x12_text(claim.coverage.member_id),
                tuple(lines),
            )
        )
    return write_835(
        remitted,
        trace=f"DEMO{today:%Y%m%d}{Remittance.objects.filter(organization_id=org_id).count() + 1}",
        paid_on=today,
        payer_name=services.x12_text(claims[0].payer.name),
        payee_name=services.x12_text(bp.name),
        payee_npi=bp.npi,
    )


def _demo_children_on_a_parents_plan(org: Organization, today: date) -> None:
    """Adolescents (under 18 on the demo's today) with insurance are covered as a child on a
    parent's plan, so their claims carry the patient loop (837 loop 2000C). When no adolescent
    has a charge to bill yet, the youngest adult with one under 26 is also covered as a child
    (dependent coverage on a parent's plan runs to age 26), so the claims list shows one."""
    adult_born = date(today.year - 18, today.month, min(today.day, 28))
    insured = Coverage.objects.filter(patient__organization=org, rank=1, self_pay=False)
    children = list(insured.filter(patient__date_of_birth__gt=adult_born).select_related("patient"))
    last_sunday = today - timedelta(days=today.weekday() + 1)  # claims are built up to it
    billed = Charge.objects.filter(
        organization=org,
        status=ChargeStatus.READY,
        claim__isnull=True,
        service_date__lte=last_sunday,
    ).values("patient_id")
    billed_ids = {r["patient_id"] for r in billed}
    if not any(c.patient_id in billed_ids for c in children):
        young = list(
            insured.filter(
                patient_id__in=billed,
                patient__date_of_birth__gt=date(today.year - 26, today.month, min(today.day, 28)),
                relationship=Relationship.SELF,
            )
            .exclude(member_id="")
            .select_related("patient")
            .order_by("-patient__date_of_birth", "pk")
        )
        diagnosed = services._diagnoses([c.patient_id for c in young])
        children += [c for c in young if diagnosed.get(c.patient_id)][:1]
    for cover in children:
        cover.relationship = Relationship.CHILD
        cover.subscriber_last_name = cover.patient.last_name
        cover.subscriber_first_name = PARENT_NAMES[cover.patient_id % len(PARENT_NAMES)]
        cover.guarantor_name = f"{cover.subscriber_first_name} {cover.subscriber_last_name}"
    Coverage.objects.bulk_update(
        children,
        ["relationship", "subscriber_last_name", "subscriber_first_name", "guarantor_name"],
    )


def _demo_secondary_coverage(
    actor: User, today: date, payers: tuple[Payer, Payer], *, payer_id: int | None
) -> None:
    """The first patient whose claim the demo's payment file pays (see `remittance_text`) also
    has a secondary coverage, so the claim page offers to build the claim to that payer."""
    org_id = int(actor.organization_id or 0)
    ready = Claim.objects.filter(
        organization_id=org_id,
        status__in=(ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED),
    )
    if payer_id is None:
        counts = Counter(ready.values_list("payer_id", flat=True))
        if not counts:
            return
        payer_id = counts.most_common(1)[0][0]
    first = ready.filter(payer_id=payer_id).select_related("coverage").first()
    if first is None or Coverage.objects.filter(patient_id=first.patient_id, rank=2).exists():
        return
    other = payers[0] if first.payer_id != payers[0].pk else payers[1]
    Coverage.objects.create(
        patient_id=first.patient_id,
        rank=2,
        payer=other,
        member_id=f"S{first.patient_id:08d}",
        relationship=first.coverage.relationship,
        subscriber_last_name=first.coverage.subscriber_last_name,
        subscriber_first_name=first.coverage.subscriber_first_name,
        eligibility_checked_on=today - timedelta(days=3),
        guarantor_name=first.coverage.guarantor_name,
        created_by=actor,
        created_at=timezone.now(),
    )
