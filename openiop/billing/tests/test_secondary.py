"""The claim to a secondary payer, built from a claim the primary payer has paid (837 loops
2320, 2330A, 2330B and 2430)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openiop.billing import services
from openiop.billing.models import Claim, ClaimFile, ClaimStatus, Coverage, Payer
from openiop.billing.remit_text import RemitClaim, RemitLine, write_835
from openiop.billing.secondary import build_secondary_claim
from openiop.billing.tests.claims_factories import MON, NOW, charges, patient, payer, provider
from openiop.core.models import AuditEvent
from openiop.core.testing import login
from openiop.domain.claims import validate
from openiop.privacy import gate

D = Decimal
PAID_ON = MON + timedelta(days=20)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _second(world: Any, p: Any, who: Payer) -> Coverage:
    return Coverage.objects.create(
        patient=p,
        rank=2,
        payer=who,
        member_id="MCD0099887",
        eligibility_checked_on=MON,
        guarantor_name="Self",
        created_by=world.admin_a,
        created_at=NOW,
    )


def _pay(world: Any, claim: Claim, *, deny: bool = False, trace: str = "CHK1") -> None:
    lines = []
    for ch in claim.charges.order_by("service_date"):
        amount = ch.billed_amount or D("0")
        if deny:
            lines.append(
                RemitLine(ch.service_date, ch.code, amount, D("0"), (("CO", "50", amount),))
            )
        else:
            adj = (("CO", "45", D("22.50")), ("PR", "2", D("28.00")))
            lines.append(RemitLine(ch.service_date, ch.code, amount, amount - D("50.50"), adj))
    text = write_835(
        [
            RemitClaim(
                claim.control_number,
                "4" if deny else "1",
                "DOE",
                "ALEX",
                "W123456789",
                tuple(lines),
            )
        ],
        trace=trace,
        paid_on=PAID_ON,
        payer_name="PAYER ACME",
        payee_name="EXAMPLE RECOVERY IOP",
        payee_npi="1234567893",
    )
    services.post_remittance(actor=world.billing_a1, text=text, signed_in=False)


@pytest.fixture
def setup(world: Any) -> dict[str, Any]:
    provider(world.org_a)
    acme = payer(world.org_a, "professional", pid="ACME")
    medicaid = payer(world.org_a, "professional", pid="MCD")
    p = patient(world, acme)
    charges(world, p, acme, 3)
    services.build_claims(
        actor=world.billing_a1, first_day=MON, last_day=MON + timedelta(days=6), signed_in=False
    )
    claim = Claim.objects.get(patient=p)
    return {"acme": acme, "medicaid": medicaid, "patient": p, "claim": claim}


def _build(world: Any, claim: Claim) -> Claim:
    return build_secondary_claim(actor=world.billing_a1, claim_id=claim.pk, signed_in=False)


def test_secondary_claim_carries_the_primary_payment_and_validates(world: Any, setup: Any) -> None:
    _second(world, setup["patient"], setup["medicaid"])
    _pay(world, setup["claim"])
    secondary = _build(world, setup["claim"])
    assert secondary.primary_claim == setup["claim"]
    assert secondary.payer == setup["medicaid"] and secondary.coverage.rank == 2
    assert (secondary.first_day, secondary.last_day) == (MON, MON + timedelta(days=2))
    assert secondary.total == setup["claim"].total == D("487.50")
    assert secondary.status == ClaimStatus.READY, secondary.problems
    claim_file = ClaimFile.objects.get(claims=secondary)
    assert claim_file.status == ClaimStatus.READY and claim_file.payer == setup["medicaid"]
    text = claim_file.text
    assert validate(text) == []
    assert "SBR*S*18*******CI~" in text  # this payer is second
    assert D("487.50") - 3 * D("50.50") == D("336")
    assert "SBR*P*18*******CI~AMT*D*336~OI***Y***Y~NM1*IL*1*" in text
    assert "NM1*PR*2*PAYER ACME*****PI*ACME~DTP*573*D8*20261122~" in text
    assert (
        text.count("SVD*ACME*112*HC:H0015**1~CAS*CO*45*22.5~CAS*PR*2*28~DTP*573*D8*20261122~") == 3
    )
    assert AuditEvent.objects.filter(
        action="add", object_type="billing.claim", object_id=str(secondary.pk)
    ).exists()


def test_the_secondary_payer_needs_a_consent_too(world: Any, setup: Any) -> None:
    # The consent was signed only after the services (no reliance on it for them, 42 CFR
    # 2.31(a)(6)) and revoked after the primary claim: the secondary payer is not covered;
    # refused, audited, nothing built.
    _second(world, setup["patient"], setup["medicaid"])
    _pay(world, setup["claim"])
    consent = setup["patient"].consents.get()
    consent.recorded_at = timezone.now() - timedelta(hours=2)
    consent.revoked_at = timezone.now() - timedelta(hours=1)
    consent.revoked_by = world.intake_a1
    consent.save(update_fields=["recorded_at", "revoked_at", "revoked_by"])
    with pytest.raises(gate.DisclosureRefused, match="was revoked on"):
        _build(world, setup["claim"])
    assert not Claim.objects.filter(primary_claim=setup["claim"]).exists()
    assert (
        AuditEvent.objects.filter(
            action="denied", object_type="privacy.disclosure", patient_id_value=setup["patient"].pk
        ).count()
        == 1
    )


def test_secondary_institutional_claim_validates(world: Any, setup: Any) -> None:
    medicare = payer(world.org_a, "institutional", pid="MCRSUP")
    _second(world, setup["patient"], medicare)
    _pay(world, setup["claim"])
    secondary = _build(world, setup["claim"])
    assert secondary.kind == "institutional"
    assert secondary.status == ClaimStatus.READY, secondary.problems
    text = ClaimFile.objects.get(claims=secondary).text
    assert validate(text) == []
    assert "SVD*ACME*112*HC:H0015*0906*1~" in text


def test_refusals_in_plain_words(world: Any, setup: Any) -> None:
    claim = setup["claim"]
    with pytest.raises(ValidationError, match="only after the primary payer has paid"):
        _build(world, claim)
    _pay(world, claim)
    with pytest.raises(ValidationError, match="no secondary coverage"):
        _build(world, claim)
    _second(world, setup["patient"], setup["medicaid"])
    secondary = _build(world, claim)
    with pytest.raises(ValidationError, match="already been built"):
        _build(world, claim)
    with pytest.raises(ValidationError, match="already goes to a secondary payer"):
        _build(world, secondary)
    assert Claim.objects.filter(primary_claim=claim).count() == 1


def test_a_denied_claim_is_not_billed_to_the_secondary_payer(world: Any, setup: Any) -> None:
    _second(world, setup["patient"], setup["medicaid"])
    _pay(world, setup["claim"], deny=True)
    with pytest.raises(ValidationError, match="now: denied"):
        _build(world, setup["claim"])


def test_no_remittance_lines_is_refused(world: Any, setup: Any) -> None:
    _second(world, setup["patient"], setup["medicaid"])
    Claim.objects.filter(pk=setup["claim"].pk).update(status=ClaimStatus.PAID)
    with pytest.raises(ValidationError, match="no service lines"):
        _build(world, setup["claim"])


def test_button_builds_and_refusals_are_404_403(client: Client, world: Any, setup: Any) -> None:
    claim = setup["claim"]
    _second(world, setup["patient"], setup["medicaid"])
    _pay(world, claim)
    url = reverse("billing:secondary_build", args=[claim.pk])
    login(client, world.billing_a1)
    page = client.get(reverse("billing:claim", args=[claim.pk])).content.decode()
    assert "Build the claim to the secondary payer" in page
    for user, status in ((world.admin_b, 404), (world.counselor_a1, 403)):
        login(client, user)
        before = AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()
        response = client.post(url)
        assert response.status_code == status
        after = AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()
        assert after == before + 1
        assert setup["patient"].last_name not in response.content.decode()
    assert not Claim.objects.filter(primary_claim=claim).exists()
    login(client, world.billing_a1)
    response = client.post(url)
    secondary = Claim.objects.get(primary_claim=claim)
    assert response.status_code == 302 and response["Location"].endswith(f"/claims/{secondary.pk}")
    page = client.get(reverse("billing:claim", args=[claim.pk])).content.decode()
    assert secondary.control_number in page
    # a second press: refused in words on the claim page, nothing built
    response = client.post(url, follow=True)
    assert "already been built" in response.content.decode()
    assert Claim.objects.filter(primary_claim=claim).count() == 1


def test_a_claim_of_another_site_is_404(client: Client, world: Any, setup: Any) -> None:
    other = setup["claim"]
    Claim.objects.filter(pk=other.pk).update(patient=world.patient_a2, status=ClaimStatus.PAID)
    login(client, world.billing_a1)  # works at site A1 only
    response = client.post(reverse("billing:secondary_build", args=[other.pk]))
    assert response.status_code == 404
    assert not Claim.objects.filter(primary_claim=other).exists()


@pytest.mark.django_db
def test_the_demo_offers_a_secondary_claim_that_builds_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openiop.accounts.models import User
    from openiop.core import demo

    monkeypatch.setenv("OPENIOP_DEMO", "1")
    demo.build_demo(seed=3, patients=60, today=NOW.date())
    child = Claim.objects.filter(coverage__relationship="child").exclude(status="draft")
    assert child.exists()
    text = ClaimFile.objects.filter(claims__in=child).first()
    assert text is not None and "*23*0~PAT*19~" in text.text and validate(text.text) == []
    (primary,) = Claim.objects.filter(
        status=ClaimStatus.PAID, patient__coverages__rank=2, primary_claim__isnull=True
    )
    actor = User.objects.filter(organization_id=primary.organization_id, role="billing").first()
    assert actor is not None
    secondary = build_secondary_claim(actor=actor, claim_id=primary.pk, signed_in=False)
    assert secondary.status == ClaimStatus.READY, secondary.problems
