"""Good-faith estimates (No Surprises Act) and the patient's statement: contents of the PDFs,
self-pay against insured, bad input, totals to the cent, refusals."""

from __future__ import annotations

import contextlib
import re
import zlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.billing import estimates, services
from openiop.billing.models import Claim, CostEstimate, Coverage
from openiop.billing.tests.claims_factories import (
    MON,
    NOW,
    charges,
    patient,
    payer,
    post_patient_share,
    provider,
)
from openiop.core.models import AuditEvent
from openiop.core.testing import login
from openiop.domain.billing import good_faith
from openiop.patients.models import Patient

D = Decimal


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _text(pdf: bytes) -> str:
    """The text shown by an fpdf2 PDF: its text strings joined by spaces (a wrapped line breaks
    at a space). pypdf is not a dependency; fpdf2 writes text uncompressed here, and any
    compressed stream is inflated."""
    assert pdf.startswith(b"%PDF")
    chunks = [pdf]
    for part in pdf.split(b"stream")[1:]:
        body = part.split(b"endstream")[0].strip(b"\r\n")
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(body))
    raw = b"".join(chunks).decode("latin-1")
    strings = re.findall(r"\(((?:\\.|[^\\)])*)\)\s*Tj", raw)
    return " ".join(re.sub(r"\\(.)", r"\1", t) for t in strings)


def _self_pay(world: Any, p: Patient) -> None:
    Coverage.objects.create(
        patient=p,
        rank=1,
        self_pay=True,
        guarantor_name="Self",
        created_by=world.admin_a,
        created_at=NOW,
    )


def _form(**extra: str) -> dict[str, str]:
    return {
        "starts_on": str(MON + timedelta(days=28)),
        "weeks": "6",
        "days_per_week": "3",
        "service_code": "H0015",
        "daily_rate": "162.50",
        **extra,
    }


def test_good_faith_estimate_for_a_self_pay_patient_has_every_element(
    client: Client, world: Any
) -> None:
    provider(world.org_a)
    p = patient(world, payer(world.org_a, "professional"), diagnosis="F10.20")
    Coverage.objects.filter(patient=p).delete()
    _self_pay(world, p)
    login(client, world.billing_a1)
    page = client.get(reverse("billing:estimates", args=[p.pk]))
    assert page.status_code == 200 and "Deductible" not in page.content.decode()
    response = client.post(reverse("billing:estimates", args=[p.pk]), _form())
    assert response.status_code == 302
    row = CostEstimate.objects.get()
    assert row.good_faith and row.total == D("2925.00") == row.patient_share  # 18 x 162.50
    assert row.diagnoses == ["F10.20"]
    assert AuditEvent.objects.filter(action="add", object_type="billing.costestimate").exists()
    pdf = client.get(reverse("billing:estimate_pdf", args=[row.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = _text(pdf.content)
    for element in (
        "Good Faith Estimate",
        f"{p.first_name} {p.last_name}",  # (i) name
        f"{p.date_of_birth:%d %B %Y}",  # (i) date of birth
        "Intensive outpatient program: 3 program days a week for 6 weeks",  # (ii)
        f"{row.starts_on:%d %B %Y}",  # (ii) scheduled date
        "Service code H0015",  # (iv) service code
        "F10.20",  # (iv) diagnosis code
        "$2,925.00",  # (iv) expected charges
        "Example Recovery IOP (test)",  # (v) provider name
        "1234567893",  # (v) NPI
        "931234567",  # (v) TIN
        "State OR",  # (v) location
        "scheduled separately",  # (vi)
        good_faith.SEPARATE_CARE[:60],  # (viii)
        "it is only an estimate",  # (ix)
        "at least $400 more than this estimate",  # (x) dispute right
        "www.cms.gov/nosurprises/consumers",  # (x) where to find how
        "is not a contract",  # (xi)
    ):
        assert element in text, element
    assert AuditEvent.objects.filter(action="print", object_type="billing.costestimate").exists()


def test_no_coverage_means_good_faith_estimate_too(world: Any) -> None:
    provider(world.org_a)
    row = estimates.estimate_add(
        actor=world.billing_a1,
        patient=world.patient_a1,
        starts_on=MON,
        weeks=4,
        days_per_week=5,
        service_code="S9480",
        daily_rate=D("150.00"),
        signed_in=False,
    )
    assert row.good_faith and row.total == D("3000.00")


def test_insured_patient_gets_the_plan_estimate_not_a_gfe(client: Client, world: Any) -> None:
    provider(world.org_a)
    p = patient(world, payer(world.org_a, "professional"))
    login(client, world.billing_a1)
    url = reverse("billing:estimates", args=[p.pk])
    body = client.get(url).content.decode()
    assert "does not apply" in body and "Deductible" in body
    # Plan terms are needed for an insured patient: 422, nothing saved.
    assert client.post(url, _form()).status_code == 422
    assert not CostEstimate.objects.exists()
    terms = {"deductible_remaining": "500.00", "coinsurance_percent": "20", "copay_per_day": "0"}
    assert client.post(url, _form(**terms)).status_code == 302
    row = CostEstimate.objects.get()
    # 2925.00: 500 deductible, then 20% of 2425.00 = 485.00.
    assert not row.good_faith and row.total == D("2925.00")
    assert row.patient_share == D("985.00")
    text = _text(client.get(reverse("billing:estimate_pdf", args=[row.pk])).content)
    assert "does not apply" in text and "$985.00" in text
    assert "at least $400 more" not in text


@pytest.mark.parametrize(
    "bad",
    [
        {"weeks": "0"},
        {"weeks": "53"},
        {"days_per_week": "0"},
        {"days_per_week": "8"},
        {"weeks": "six"},
        {"daily_rate": "-1"},
        {"daily_rate": "1.234"},
        {"starts_on": "not a date"},
        {"service_code": "99999"},
    ],
)
def test_bad_input_is_422_and_nothing_saved(client: Client, world: Any, bad: Any) -> None:
    provider(world.org_a)
    _self_pay(world, world.patient_a1)
    login(client, world.billing_a1)
    response = client.post(reverse("billing:estimates", args=[world.patient_a1.pk]), _form(**bad))
    assert response.status_code == 422
    assert not CostEstimate.objects.exists()


def test_service_refuses_out_of_range_and_missing_provider(world: Any) -> None:
    from django.core.exceptions import ValidationError

    kwargs: dict[str, Any] = {
        "actor": world.billing_a1,
        "patient": world.patient_a1,
        "starts_on": MON,
        "service_code": "H0015",
        "daily_rate": D("100.00"),
        "signed_in": False,
    }
    with pytest.raises(ValidationError, match="billing provider"):
        estimates.estimate_add(weeks=4, days_per_week=3, **kwargs)
    provider(world.org_a)
    with pytest.raises(ValidationError) as exc:
        estimates.estimate_add(weeks=53, days_per_week=0, **kwargs)
    assert set(exc.value.message_dict) == {"weeks", "days_per_week"}
    assert not CostEstimate.objects.exists()


def test_dispute_threshold() -> None:
    assert good_faith.may_dispute(D("2925.00"), D("3325.00"))
    assert not good_faith.may_dispute(D("2925.00"), D("3324.99"))
    assert good_faith.applies([]) and good_faith.applies([good_faith.CoverageFact(1, True)])
    assert not good_faith.applies(
        [good_faith.CoverageFact(2, True), good_faith.CoverageFact(1, False)]
    )


def test_default_rate_is_the_providers_fee_else_the_estimator(world: Any) -> None:
    assert estimates.default_code_and_rate(None) == ("H0015", D("300.00"))
    assert estimates.default_code_and_rate(provider(world.org_a)) == ("H0015", D("162.50"))


# The statement.


def test_statement_totals_to_the_cent_from_a_posted_remittance(client: Client, world: Any) -> None:
    provider(world.org_a)
    acme = payer(world.org_a, "professional", pid="ACME")
    p = patient(world, acme)
    other = patient(world, acme)
    charges(world, p, acme, 3)
    charges(world, other, acme, 1)
    services.build_claims(
        actor=world.billing_a1, first_day=MON, last_day=MON + timedelta(days=6), signed_in=False
    )
    post_patient_share(
        world, Claim.objects.order_by("pk"), trace="TRACE-ST-1", paid_on=MON + timedelta(days=20)
    )
    statement = estimates.statement_for(p)
    assert statement.owed == D("99.99")  # 3 x 33.33, the other patient's claim not counted
    assert statement.billed == D("487.50")
    assert statement.insurer_paid == D("357.48")  # 487.50 - 99.99 - 30.03
    login(client, world.billing_a1)
    page = client.get(reverse("billing:coverage", args=[p.pk])).content.decode()
    assert reverse("billing:statement", args=[p.pk]) in page
    response = client.get(reverse("billing:statement", args=[p.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = _text(response.content)
    for s in (
        "Amount you owe: $99.99",
        "paid by your insurer $357.48",
        "your share $99.99",
        "Example Recovery IOP (test)",
        "100 Main St, Portland, OR 97204-1234",
        "Contact: Billing Office, (503) 555-0100",
        f"{MON:%d %B %Y}",
    ):
        assert s in pdf, s
    assert AuditEvent.objects.filter(action="print", detail="patient statement").exists()


def test_statement_with_no_answered_claim(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    response = client.get(reverse("billing:statement", args=[world.patient_a1.pk]))
    text = _text(response.content)
    assert "Amount you owe: $0.00" in text and "No claim has been answered" in text


# Refusals.


def _denials(user: Any) -> int:
    return AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()


def _saved(world: Any) -> CostEstimate:
    provider(world.org_a)
    return estimates.estimate_add(
        actor=world.billing_a1,
        patient=world.patient_a1,
        starts_on=MON,
        weeks=2,
        days_per_week=3,
        service_code="H0015",
        daily_rate=D("100.00"),
        signed_in=False,
    )


@pytest.mark.parametrize(
    ("method", "name", "on_estimate"),
    [
        ("get", "billing:estimates", False),
        ("post", "billing:estimates", False),
        ("get", "billing:statement", False),
        ("get", "billing:estimate_pdf", True),
    ],
)
def test_another_site_is_404_and_a_counselor_403_audited(
    client: Client, world: Any, method: str, name: str, on_estimate: bool
) -> None:
    row = _saved(world)
    url = reverse(name, args=[row.pk if on_estimate else world.patient_a1.pk])
    for user, status in (
        (world.admin_b, 404),
        (world.counselor_b1, 404),
        (world.counselor_a1, 403),
        (world.frontdesk_a1, 403),
    ):
        login(client, user)
        before = _denials(user)
        response = getattr(client, method)(url, _form() if method == "post" else None)
        assert response.status_code == status, (user, url)
        assert _denials(user) == before + 1
        assert "Quintero" not in response.content.decode()
    assert CostEstimate.objects.count() == 1


def test_billing_user_of_another_site_gets_404(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    assert client.get(reverse("billing:statement", args=[world.patient_a2.pk])).status_code == 404
    assert client.get(reverse("billing:estimates", args=[world.patient_a2.pk])).status_code == 404


def test_director_reads_but_does_not_make_estimates(client: Client, world: Any) -> None:
    row = _saved(world)
    login(client, world.director_a)
    body = client.get(reverse("billing:estimates", args=[world.patient_a1.pk])).content.decode()
    assert "Save the estimate" not in body and "Good-faith estimate (PDF)" in body
    assert client.get(reverse("billing:estimate_pdf", args=[row.pk])).status_code == 200
    response = client.post(reverse("billing:estimates", args=[world.patient_a1.pk]), _form())
    assert response.status_code == 403
    assert CostEstimate.objects.count() == 1
