"""A patient's payments to the program: recording, voiding, the balance after them on the
payments page and on the statement, bad input, refusals and the audit trail."""

from __future__ import annotations

import contextlib
import re
import zlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from openiop.billing import estimates, payments, services
from openiop.billing.models import Claim, PatientPayment
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
from openiop.patients.models import Patient

D = Decimal
TODAY = NOW.date()  # Friday 20 November 2026


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _text(pdf: bytes) -> str:
    """The text of an fpdf2 PDF (pypdf is not a dependency; see test_estimates)."""
    assert pdf.startswith(b"%PDF")
    chunks = [pdf]
    for part in pdf.split(b"stream")[1:]:
        body = part.split(b"endstream")[0].strip(b"\r\n")
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(body))
    raw = b"".join(chunks).decode("latin-1")
    strings = re.findall(r"\(((?:\\.|[^\\)])*)\)\s*Tj", raw)
    return " ".join(re.sub(r"\\(.)", r"\1", t) for t in strings)


def _owing(world: Any) -> Patient:
    """A patient whose insurer answered one claim of 3 days with $33.33 a day for the patient
    (their share: $99.99)."""
    provider(world.org_a)
    acme = payer(world.org_a, "professional", pid="ACME")
    p = patient(world, acme)
    charges(world, p, acme, 3)
    services.build_claims(
        actor=world.billing_a1, first_day=MON, last_day=MON + timedelta(days=6), signed_in=False
    )
    post_patient_share(
        world,
        Claim.objects.filter(patient=p),
        trace="TRACE-PAY-1",
        paid_on=MON + timedelta(days=10),
    )
    return p


def _pay(world: Any, p: Patient, amount: str, days_ago: int = 1, method: str = "cash") -> Any:
    return payments.record_payment(
        world.billing_a1,
        p.pk,
        D(amount),
        TODAY - timedelta(days=days_ago),
        method,
        "",
        signed_in=False,
    )


def _form(**extra: str) -> dict[str, str]:
    return {
        "amount": "25.00",
        "received_on": str(TODAY - timedelta(days=1)),
        "method": "card",
        "reference": "R-77",
        **extra,
    }


def _denials(user: Any) -> int:
    return AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()


# Recording and voiding.


def test_record_a_payment_on_the_page(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    url = reverse("billing:payments", args=[world.patient_a1.pk])
    response = client.post(url, _form(amount="$1,234.50"))
    assert response.status_code == 302 and response["Location"] == url
    row = PatientPayment.objects.get()
    assert (row.amount, row.method, row.reference, row.received_on) == (
        D("1234.50"),
        "card",
        "R-77",
        TODAY - timedelta(days=1),
    )
    assert row.recorded_by == world.billing_a1 and row.organization == world.org_a
    assert AuditEvent.objects.filter(
        action="add", object_type="billing.patientpayment", object_id=str(row.pk)
    ).exists()
    page = client.get(url).content.decode()
    assert "$1,234.50" in page and "The patient has a credit of $1,234.50." in page
    assert AuditEvent.objects.filter(action="view", detail="patient payments").exists()


def test_void_a_payment_strikes_it_through_and_keeps_it(client: Client, world: Any) -> None:
    kept = _pay(world, world.patient_a1, "20.00")
    voided = _pay(world, world.patient_a1, "40.00", days_ago=3, method="check")
    login(client, world.billing_a1)
    void = reverse("billing:payment_void", args=[voided.pk])
    response = client.post(void, {"reason": "The bank returned the check."})
    assert response.status_code == 302
    voided.refresh_from_db()
    assert voided.voided_at is not None and voided.voided_by == world.billing_a1
    assert voided.void_reason == "The bank returned the check."
    assert PatientPayment.objects.count() == 2  # never deleted
    assert AuditEvent.objects.filter(
        action="change", object_type="billing.patientpayment", object_id=str(voided.pk)
    ).exists()
    page = client.get(reverse("billing:payments", args=[world.patient_a1.pk])).content.decode()
    assert "<s>$40.00</s>" in page and "The bank returned the check." in page
    assert "The patient has a credit of $20.00." in page  # only the kept payment counts
    assert reverse("billing:payment_void", args=[kept.pk]) in page
    assert reverse("billing:payment_void", args=[voided.pk]) not in page
    # A second void is refused and changes nothing.
    again = client.post(void, {"reason": "Twice"}, HTTP_HX_REQUEST="true")
    assert again.status_code == 422 and "This payment is already voided." in again.content.decode()
    voided.refresh_from_db()
    assert voided.void_reason == "The bank returned the check."
    assert AuditEvent.objects.filter(action="change", object_id=str(voided.pk)).count() == 1


def test_void_needs_a_reason(client: Client, world: Any) -> None:
    row = _pay(world, world.patient_a1, "20.00")
    login(client, world.billing_a1)
    response = client.post(reverse("billing:payment_void", args=[row.pk]), {"reason": "  "})
    assert response.status_code == 422
    assert "Say why the payment is voided." in response.content.decode()
    row.refresh_from_db()
    assert row.voided_at is None


def test_services_void_twice_refused(world: Any) -> None:
    from django.core.exceptions import ValidationError

    row = _pay(world, world.patient_a1, "20.00")
    payments.void_payment(world.billing_a1, row.pk, "Typed twice", signed_in=False)
    with pytest.raises(ValidationError, match="already voided"):
        payments.void_payment(world.billing_a1, row.pk, "Again", signed_in=False)


# The balance and the statement.


def test_balance_to_the_cent_on_the_page_and_the_statement(client: Client, world: Any) -> None:
    p = _owing(world)
    _pay(world, p, "33.33", days_ago=5, method="card")
    _pay(world, p, "0.10", days_ago=4)
    _pay(world, p, "0.10", days_ago=3)
    gone = _pay(world, p, "50.00", days_ago=2, method="check")
    payments.void_payment(world.billing_a1, gone.pk, "Check returned", signed_in=False)
    statement = estimates.statement_for(p)
    assert statement.owed == D("99.99")
    assert statement.paid_by_patient == D("33.53")
    assert statement.balance.balance == D("66.46")
    assert [x.amount for x in statement.payments] == [D("33.33"), D("0.10"), D("0.10")]
    login(client, world.billing_a1)
    page = client.get(reverse("billing:payments", args=[p.pk])).content.decode()
    assert "The patient owes $66.46." in page and "$99.99" in page and "$33.53" in page
    assert reverse("billing:statement", args=[p.pk]) in page
    coverage = client.get(reverse("billing:coverage", args=[p.pk])).content.decode()
    assert reverse("billing:payments", args=[p.pk]) in coverage
    response = client.get(reverse("billing:statement", args=[p.pk]))
    assert response.status_code == 200
    pdf = _text(response.content)
    for s in (
        "Payments you made",
        f"{TODAY - timedelta(days=5):%d %B %Y}: card, $33.33",
        f"{TODAY - timedelta(days=4):%d %B %Y}: cash, $0.10",
        "Your share: $99.99",
        "Total of your payments: $33.53",
        "Amount you owe: $66.46",
    ):
        assert s in pdf, s
    assert "$50.00" not in pdf  # the voided payment is not on the statement
    assert "not shown yet" not in pdf


def test_statement_with_a_credit(client: Client, world: Any) -> None:
    p = _owing(world)
    _pay(world, p, "100.00")
    login(client, world.billing_a1)
    pdf = _text(client.get(reverse("billing:statement", args=[p.pk])).content)
    assert "Amount you owe: $0.00" in pdf and "You have a credit of $0.01." in pdf
    page = client.get(reverse("billing:payments", args=[p.pk])).content.decode()
    assert "The patient has a credit of $0.01." in page


def test_nothing_owed(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    page = client.get(reverse("billing:payments", args=[world.patient_a1.pk])).content.decode()
    assert "Nothing is owed." in page and "No payment recorded." in page
    pdf = _text(client.get(reverse("billing:statement", args=[world.patient_a1.pk])).content)
    assert "No payment from you has been recorded." in pdf and "Amount you owe: $0.00" in pdf


# Bad input.


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "0", "The amount received must be more than $0.00."),
        ("amount", "-3", "The amount received must be more than $0.00."),
        ("amount", "12.345", "Give the amount in dollars and cents (at most two decimals)."),
        ("amount", "100000", "A single payment must be less than $100,000.00."),
        ("amount", "lots", "Give the amount received, in dollars and cents."),
        ("amount", "", "Give the amount received, in dollars and cents."),
        ("received_on", str(TODAY + timedelta(days=1)), "cannot be received in the future."),
        ("received_on", "2023-11-19", "The payment cannot be more than 3 years old."),
        ("received_on", "", "Give the day the payment was received."),
        ("method", "bitcoin", ""),
        ("reference", "x" * 41, "Keep the check or receipt number to 40 characters."),
    ],
)
def test_bad_input_is_422_with_the_reason_and_nothing_saved(
    client: Client, world: Any, field: str, value: str, message: str
) -> None:
    login(client, world.billing_a1)
    before = AuditEvent.objects.filter(action="add").count()
    response = client.post(
        reverse("billing:payments", args=[world.patient_a1.pk]), _form(**{field: value})
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not PatientPayment.objects.exists()
    assert AuditEvent.objects.filter(action="add").count() == before


def test_three_years_ago_to_the_day_is_accepted(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    response = client.post(
        reverse("billing:payments", args=[world.patient_a1.pk]),
        _form(received_on="2023-11-20", amount="99999.99"),
    )
    assert response.status_code == 302 and PatientPayment.objects.get().amount == D("99999.99")


# Refusals.


@pytest.mark.parametrize("who", ["frontdesk_a1", "counselor_a1", "director_a"])
def test_roles_without_billing_manage_are_refused(client: Client, world: Any, who: str) -> None:
    row = _pay(world, world.patient_a1, "20.00")
    user = getattr(world, who)
    login(client, user)
    before = _denials(user)
    response = client.post(reverse("billing:payments", args=[world.patient_a1.pk]), _form())
    assert response.status_code == 403 and "Quintero" not in response.content.decode()
    assert _denials(user) == before + 1
    response = client.post(reverse("billing:payment_void", args=[row.pk]), {"reason": "No"})
    assert response.status_code == 403 and _denials(user) == before + 2
    assert PatientPayment.objects.count() == 1
    row.refresh_from_db()
    assert row.voided_at is None


def test_director_reads_the_page_without_the_forms(client: Client, world: Any) -> None:
    _pay(world, world.patient_a1, "20.00")
    login(client, world.director_a)
    response = client.get(reverse("billing:payments", args=[world.patient_a1.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "$20.00" in page
    assert "Record the payment" not in page and "Void the payment" not in page


def test_another_organizations_patient_and_payment_are_404(client: Client, world: Any) -> None:
    theirs = payments.record_payment(
        world.admin_b,
        world.patient_b1.pk,
        D("5.00"),
        TODAY,
        "cash",
        "",
        signed_in=False,
    )
    login(client, world.billing_a1)
    before = _denials(world.billing_a1)
    for response in (
        client.get(reverse("billing:payments", args=[world.patient_b1.pk])),
        client.post(reverse("billing:payments", args=[world.patient_b1.pk]), _form()),
        client.post(reverse("billing:payment_void", args=[theirs.pk]), {"reason": "x"}),
    ):
        assert response.status_code == 404 and "Lindqvist" not in response.content.decode()
    assert _denials(world.billing_a1) == before + 3
    assert PatientPayment.objects.count() == 1
    theirs.refresh_from_db()
    assert theirs.voided_at is None


def test_services_refuse_another_organization_with_an_audited_denial(world: Any) -> None:
    theirs = payments.record_payment(
        world.admin_b, world.patient_b1.pk, D("5.00"), TODAY, "cash", "", signed_in=False
    )
    before = _denials(world.billing_a1)
    with pytest.raises(PermissionDenied):
        _pay(world, world.patient_b1, "5.00")
    with pytest.raises(PermissionDenied):
        payments.void_payment(world.billing_a1, theirs.pk, "x", signed_in=False)
    with pytest.raises(PermissionDenied):  # a role without the action, inside the service
        payments.record_payment(
            world.frontdesk_a1, world.patient_a1.pk, D("1"), TODAY, "cash", "", signed_in=False
        )
    assert _denials(world.billing_a1) == before + 2  # kept although the service rolled back
    assert _denials(world.frontdesk_a1) == 1
    assert PatientPayment.objects.count() == 1


def test_another_site_is_refused(client: Client, world: Any) -> None:
    login(client, world.billing_a1)  # site A1 only; patient_a2 is at site A2
    response = client.get(reverse("billing:payments", args=[world.patient_a2.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("ident", ["0", "10000000000", str(2**63), "9" * 20, "9" * 40])
def test_ids_of_any_size_are_404(client: Client, world: Any, ident: str) -> None:
    login(client, world.billing_a1)
    before = _denials(world.billing_a1)
    assert client.get(f"/billing/patients/{ident}/payments").status_code == 404
    assert client.post(f"/billing/patients/{ident}/payments", _form()).status_code == 404
    assert client.post(f"/billing/payments/{ident}/void", {"reason": "x"}).status_code == 404
    # Up to 20 digits the page refuses it (audited); longer is no id and matches no page.
    assert _denials(world.billing_a1) == before + (3 if len(ident) <= 20 else 0)


@pytest.mark.parametrize("ident", [0, -1, 2**63, 10**40, "abc"])
def test_services_take_ids_of_any_size(world: Any, ident: Any) -> None:
    with pytest.raises(PermissionDenied):
        payments.record_payment(world.billing_a1, ident, D("1"), TODAY, "cash", "", signed_in=False)
    with pytest.raises(PermissionDenied):
        payments.void_payment(world.billing_a1, ident, "x", signed_in=False)


def test_list_page_queries_do_not_grow_with_payments(
    client: Client, world: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        _pay(world, world.patient_a1, f"{n + 1}.00")
    first = PatientPayment.objects.first()
    assert first is not None
    payments.void_payment(world.billing_a1, first.pk, "x", signed_in=False)
    login(client, world.billing_a1)
    with django_assert_max_num_queries(40):
        assert (
            client.get(reverse("billing:payments", args=[world.patient_a1.pk])).status_code == 200
        )


@pytest.mark.django_db
def test_the_demo_shows_payments_and_a_voided_one(client: Client) -> None:
    from openiop.core import demo

    demo.build_demo(seed=5, patients=40, today=TODAY)
    rows = list(PatientPayment.objects.all())
    assert len(rows) == 3 and len({r.patient_id for r in rows}) == 1
    assert [r.void_reason for r in rows if r.voided_at] == [
        "The bank returned the check (not enough funds)."
    ]
    statement = estimates.statement_for(rows[0].patient)
    assert statement.owed > 0 and len(statement.payments) == 2
    staff = rows[0].recorded_by
    login(client, staff)
    page = client.get(reverse("billing:payments", args=[rows[0].patient_id])).content.decode()
    assert "<s>$40.00</s>" in page and statement.balance.in_words() in page


def test_the_same_payment_twice_in_a_moment_is_refused(world: Any) -> None:
    from django.core.exceptions import ValidationError

    _pay(world, world.patient_a1, "20.00")
    with pytest.raises(ValidationError, match="recorded a moment ago"):
        _pay(world, world.patient_a1, "20.00")
    assert PatientPayment.objects.filter(patient=world.patient_a1).count() == 1
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        _pay(world, world.patient_a1, "20.00")  # a second payment later is a payment
    assert PatientPayment.objects.filter(patient=world.patient_a1).count() == 2
