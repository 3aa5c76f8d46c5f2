"""Billing's part of the demo: payers, coverage, certifications and charges."""

from __future__ import annotations

import pytest
from django.utils import timezone

from openiop.billing.models import (
    Certification,
    Charge,
    Claim,
    ClaimFile,
    CostEstimate,
    Coverage,
    Payer,
    Remittance,
)
from openiop.core import demo
from openiop.core.models import AuditEvent
from openiop.domain.claims import validate
from openiop.patients.models import Patient
from openiop.privacy.models import Disclosure

pytestmark = pytest.mark.django_db


def test_demo_has_payers_coverage_and_charges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENIOP_DEMO", "1")
    demo.build_demo(seed=3, patients=60, today=timezone.localdate())
    assert Payer.objects.filter(is_medicare=True).count() == 1 and Payer.objects.count() == 3
    assert Coverage.objects.count() > Patient.objects.count() // 2
    assert Certification.objects.exists()
    assert Charge.objects.filter(status="ready").exists()
    assert Charge.objects.filter(status="held").exists()
    assert Claim.objects.filter(status="paid").exists()
    assert Claim.objects.filter(status="denied").count() == 1
    assert Remittance.objects.count() == 1
    estimate = CostEstimate.objects.get()
    assert estimate.good_faith and estimate.patient.coverages.get(rank=1).self_pay
    assert Charge.objects.filter(claim__isnull=False).exists()
    for f in ClaimFile.objects.filter(status="ready"):
        assert validate(f.text) == []
    # Every claim sent is a disclosure to the payer under the patient's consent; patients
    # without one are held, their refusal audited.
    sent = Claim.objects.exclude(status__in=["draft", "checking", "ready", "void"])
    claim_disclosures = Disclosure.objects.filter(channel="claim")
    assert claim_disclosures.exists()
    assert {d.object_id for d in claim_disclosures} >= {str(c.pk) for c in sent if c.claim_file_id}
    assert AuditEvent.objects.filter(
        action="denied", object_type="privacy.disclosure", detail__contains="by claim"
    ).exists()
