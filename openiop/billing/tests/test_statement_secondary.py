"""The statement when a secondary payer was billed for the same days: the patient owes the
secondary's share, not the primary's too, and the days are billed once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import time_machine

from openiop.billing import estimates
from openiop.billing.models import Adjustment, Claim, ClaimStatus, Payment, Remittance
from openiop.billing.tests.claims_factories import NOW, payer
from openiop.billing.tests.test_claim_status import two_claims  # noqa: F401 - fixture

D = Decimal


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _paid(world: Any, claim: Claim, trace: str, paid: str, share: str) -> None:
    remittance = Remittance.objects.create(
        organization=world.org_a,
        trace_number=trace,
        payment_date=NOW.date(),
        payment=D(paid),
        provider_adjustments=D("0"),
        text="(test)",
        posted_by=world.billing_a1,
        posted_at=NOW,
    )
    payment = Payment.objects.create(
        remittance=remittance,
        claim=claim,
        status_code="1" if claim.primary_claim_id is None else "2",
        charge=claim.total,
        paid=D(paid),
        patient_responsibility=D(share),
    )
    Adjustment.objects.create(payment=payment, group="PR", reason="2", amount=D(share))
    Adjustment.objects.create(
        payment=payment, group="CO", reason="45", amount=claim.total - D(paid) - D(share)
    )


def test_the_patient_owes_the_secondary_share_once_it_has_answered(
    world: Any,
    two_claims: list[Claim],  # noqa: F811
) -> None:
    primary = two_claims[0]
    Claim.objects.filter(pk=primary.pk).update(status=ClaimStatus.PAID)
    _paid(world, primary, "T1", "200.00", "60.00")
    before = estimates.statement_for(primary.patient)
    assert before.owed == D("60.00") and before.billed == primary.total

    secondary = Claim.objects.create(
        organization=world.org_a,
        patient=primary.patient,
        payer=payer(world.org_a, "professional", pid="SECOND"),
        coverage=primary.coverage,
        kind=primary.kind,
        first_day=primary.first_day,
        last_day=primary.last_day,
        status=ClaimStatus.PAID,
        total=primary.total,
        control_number="OI-SECONDARY-1",
        created_at=NOW,
        primary_claim=primary,
    )
    _paid(world, secondary, "T2", "50.00", "10.00")
    after = estimates.statement_for(primary.patient)
    assert after.owed == D("10.00")
    assert after.billed == primary.total  # the same days, billed to two payers, count once
    assert after.insurer_paid == D("250.00")
