"""Billing's part of `openiop demo-data`: three fictitious payers (Medicare, Medicaid, a
commercial plan), coverage for most patients, certifications for Medicare patients, and the
charges of the past weeks."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing import services
from openiop.billing.models import (
    Certification,
    ClaimType,
    Coverage,
    Payer,
    ProgramBilling,
    Relationship,
)
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
    )
    medicaid = Payer.objects.create(
        organization=org,
        name="State Medicaid (demo)",
        payer_id="DEMO-MCD",
        claim_type=ClaimType.INSTITUTIONAL,
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
