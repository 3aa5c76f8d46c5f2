"""Billing's part of `openiop demo-data`: a fictitious billing provider, three fictitious payers
(Medicare, Medicaid, a commercial plan), coverage for most patients, certifications for
Medicare patients, the charges of the past weeks, the claims built from them, and one payment
file (835) posted with one denial."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing import estimates, services
from openiop.billing.models import (
    BillingProvider,
    Certification,
    Claim,
    ClaimStatus,
    ClaimType,
    Coverage,
    FilingIndicator,
    Payer,
    ProgramBilling,
    Relationship,
    Remittance,
)
from openiop.billing.remit_text import RemitClaim, RemitLine, write_835
from openiop.core import policy
from openiop.core.policy import Action
from openiop.organization.models import Organization, Program
from openiop.patients.models import Patient

CHARGE_WEEKS = 3


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
        payer_id="DEMO-MCR",
        claim_type=ClaimType.INSTITUTIONAL,
        is_medicare=True,
        filing_indicator=FilingIndicator.MEDICARE_PART_A,
    )
    medicaid = Payer.objects.create(
        organization=org,
        name="State Medicaid (demo)",
        payer_id="DEMO-MCD",
        claim_type=ClaimType.INSTITUTIONAL,
        filing_indicator=FilingIndicator.MEDICAID,
    )
    commercial = Payer.objects.create(
        organization=org,
        name="Acme Health Plan (demo)",
        payer_id="DEMO-ACME",
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
                subscriber_name=""
                if relationship == Relationship.SELF
                else f"Subscriber of patient {patient.pk}",
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
    _post_demo_remittance(staff[0], today)
    _demo_good_faith_estimate(staff[0], org, today)


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


def _post_demo_remittance(actor: User, today: date) -> None:
    """One payment file from the payer with the most ready claims: each claim paid less a
    contractual reduction and coinsurance, the last one denied (no prior authorization)."""
    text = remittance_text(actor, today)
    if text is not None:
        services.post_remittance(actor=actor, text=text, signed_in=False)


def remittance_text(actor: User, today: date) -> str | None:
    """An 835 from the payer with the most ready claims (None when there are none): up to six
    claims paid less a contractual reduction and coinsurance, the last one denied."""
    org_id = int(actor.organization_id or 0)
    ready = Claim.objects.filter(organization_id=org_id, status=ClaimStatus.READY)
    counts = Counter(ready.values_list("payer_id", flat=True))
    if not counts:
        return None
    payer_id = counts.most_common(1)[0][0]
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
