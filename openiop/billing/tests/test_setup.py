"""Billing setup pages: payers, the billing provider and the fee schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openiop.billing.models import (
    BillingProvider,
    Charge,
    Claim,
    ClaimKind,
    ClaimStatus,
    Coverage,
    Payer,
    ProgramBilling,
)
from openiop.core.models import AuditEvent
from openiop.core.testing import login
from openiop.domain.billing import identifiers as ids

AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a fixed moment: nothing depends on today


# The pure checks.


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1558598797"])
def test_valid_npis(npi: str) -> None:
    assert ids.is_valid_npi(npi)


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678931", "12345678a3", ""])
def test_invalid_npis(npi: str) -> None:
    assert not ids.is_valid_npi(npi)


def test_the_npi_check_digit_uses_the_80840_prefix() -> None:
    # CMS's worked example: 123456789 with the prefix 80840 has the check digit 3.
    assert ids.luhn_check_digit("80840123456789") == 3
    assert ids.luhn_check_digit("123456789") != 3  # without the prefix the digit differs


def test_the_place_of_service_list_has_the_program_settings() -> None:
    assert {"11", "22", "49", "52", "53", "57", "58"} <= set(ids.PLACE_OF_SERVICE)
    assert ids.PLACE_OF_SERVICE["57"] == "Non-residential substance abuse treatment facility"


# Helpers.


def _payer(org: Any, pid: str = "MCD01", **kw: Any) -> Payer:
    return Payer.objects.create(
        organization=org, name=kw.pop("name", "State Medicaid"), payer_id=pid,
        claim_type=kw.pop("claim_type", "institutional"), **kw,
    )  # fmt: skip


def _provider(org: Any, **kw: Any) -> BillingProvider:
    values: dict[str, Any] = {
        "name": "Example IOP",
        "npi": "1234567893",
        "tax_id": "123456789",
        "address": "1 Example Way",
        "city": "Springfield",
        "state": "OR",
        "zip_code": "974770000",
        "submitter_id": "SUB01",
        "contact_name": "Billing Office",
        "contact_phone": "5555550100",
        "receiver_name": "Clearinghouse",
        "receiver_id": "CLEAR01",
        "attending_last_name": "Doe",
        "attending_first_name": "Jane",
        "attending_npi": "1245319599",
        "fees": {"H0015": "162.50"},
    }
    values.update(kw)
    return BillingProvider.objects.create(organization=org, **values)


PAYER_POST = {
    "name": "Acme Health",
    "payer_id": "ACME1",
    "claim_type": "institutional",
    "filing_indicator": "CI",
    "place_of_service": "57",
    "revenue_h0015": "0906",
    "revenue_s9480": "0905",
}

PROVIDER_POST = {
    "name": "Example IOP",
    "npi": "1234567893",
    "tax_id": "12-3456789",
    "taxonomy": "261QR0405X",
    "address": "1 Example Way",
    "city": "Springfield",
    "state": "or",
    "zip_code": "97477-1234",
    "contact_name": "Billing Office",
    "contact_phone": "(555) 555-0100",
    "submitter_id": "SUB01",
    "receiver_name": "Clearinghouse",
    "receiver_id": "CLEAR01",
    "attending_last_name": "Doe",
    "attending_first_name": "Jane",
    "attending_npi": "1245319599",
    "facility_type": "13",
}


def _audits(**kw: Any) -> int:
    return AuditEvent.objects.filter(**kw).count()


def _denied(user: Any) -> int:
    return _audits(action="denied", user_id_value=user.pk)


# Pages as billing staff.


def test_the_pages_as_billing_staff(client: Client, world: Any) -> None:
    _payer(world.org_a, name="State Medicaid", place_of_service="53", is_medicare=False)
    _provider(world.org_a)
    ProgramBilling.objects.create(program=world.program_a1, discrete_code="90853")
    login(client, world.billing_a1)
    home = client.get(reverse("billing:home")).content.decode()
    for name in ("billing:setup_payers", "billing:setup_provider", "billing:setup_fees"):
        assert reverse(name) in home
    assert "editing payers" not in home
    page = client.get(reverse("billing:setup_payers"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "State Medicaid" in body and "MCD01" in body
    assert "53 Community mental health center" in body
    assert "H0015: 0906" in body and "Medicaid" in body
    assert reverse("billing:setup_payer_add") in body
    add = client.get(reverse("billing:setup_payer_add")).content.decode()
    assert "57 Non-residential substance abuse treatment facility" in add
    provider = client.get(reverse("billing:setup_provider")).content.decode()
    assert "production" in provider and 'value="1234567893"' in provider
    fees = client.get(reverse("billing:setup_fees")).content.decode()
    for code in ("H0015", "S9480", "90853"):
        assert code in fees
    assert 'value="162.50"' in fees
    assert "keep their amounts" in fees


def test_a_director_reads_the_pages_but_gets_no_forms(client: Client, world: Any) -> None:
    _payer(world.org_a)
    _provider(world.org_a)
    login(client, world.director_a)
    page = client.get(reverse("billing:setup_payers")).content.decode()
    assert "MCD01" in page and reverse("billing:setup_payer_add") not in page
    assert (
        'method="post" novalidate'
        not in client.get(reverse("billing:setup_provider")).content.decode()
    )
    fees = client.get(reverse("billing:setup_fees")).content.decode()
    assert "$162.50" in fees and 'method="post" novalidate' not in fees


# Payers.


def test_adding_a_payer_is_saved_and_audited(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    response = client.post(reverse("billing:setup_payer_add"), PAYER_POST)
    assert response.status_code == 302
    payer = Payer.objects.get(organization=world.org_a, payer_id="ACME1")
    assert payer.revenue_codes == {"H0015": "0906", "S9480": "0905"}
    assert payer.place_of_service == "57" and payer.filing_indicator == "CI"
    assert _audits(action="add", object_type="billing.payer", object_id=str(payer.pk)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("payer_id", "A", "2 to 20 letters or digits"),
        ("payer_id", "ACME-1", "2 to 20 letters or digits"),
        ("payer_id", "A" * 21, "2 to 20 letters or digits"),
        ("revenue_h0015", "906", "4 digits from the NUBC revenue code list"),
        ("revenue_s9480", "09O5", "4 digits from the NUBC revenue code list"),
        ("revenue_h0015", "", "need a revenue code for H0015"),
        ("place_of_service", "99", "Select a valid choice"),
        ("name", " ", "This field is required"),
    ],
)
def test_bad_payer_input_is_422_and_saves_nothing(
    client: Client, world: Any, field: str, value: str, message: str
) -> None:
    login(client, world.billing_a1)
    before = AuditEvent.objects.count()
    response = client.post(reverse("billing:setup_payer_add"), {**PAYER_POST, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Payer.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_professional_payer_needs_no_revenue_code(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    post = {**PAYER_POST, "claim_type": "professional", "revenue_h0015": "", "revenue_s9480": ""}
    assert client.post(reverse("billing:setup_payer_add"), post).status_code == 302
    assert Payer.objects.get(payer_id="ACME1").revenue_codes == {}


def test_a_duplicate_payer_id_is_a_form_error(client: Client, world: Any) -> None:
    _payer(world.org_a, pid="ACME1", name="Old Acme")
    _payer(world.org_b, pid="OTHER1")  # another organization's id is free to use
    login(client, world.billing_a1)
    response = client.post(reverse("billing:setup_payer_add"), {**PAYER_POST, "payer_id": "acme1"})
    assert response.status_code == 422
    assert "already has this payer id" in response.content.decode()
    assert Payer.objects.filter(organization=world.org_a).count() == 1
    ok = client.post(reverse("billing:setup_payer_add"), {**PAYER_POST, "payer_id": "OTHER1"})
    assert ok.status_code == 302


def test_changing_a_payer_in_use_keeps_built_claims(client: Client, world: Any) -> None:
    payer = _payer(world.org_a, revenue_codes={"H0015": "0906", "S9480": "0905", "90853": "0915"})
    coverage = Coverage.objects.create(
        patient=world.patient_a1, rank=1, payer=payer, member_id="M1",
        created_by=world.admin_a, created_at=AT,
    )  # fmt: skip
    claim = Claim.objects.create(
        organization=world.org_a, patient=world.patient_a1, payer=payer, coverage=coverage,
        kind=ClaimKind.INSTITUTIONAL, first_day=date(2026, 11, 2), last_day=date(2026, 11, 2),
        status=ClaimStatus.READY, total=Decimal("162.50"), control_number="OI1-0000001",
        created_at=AT,
    )  # fmt: skip
    charge = Charge.objects.create(
        organization=world.org_a, patient=world.patient_a1, service_date=date(2026, 11, 2),
        service="per_diem", status="ready", code="H0015", revenue_code="0906",
        place_of_service="57", payer=payer, generated_at=AT, claim=claim,
        billed_amount=Decimal("162.50"),
    )  # fmt: skip
    login(client, world.billing_a1)
    page = client.get(reverse("billing:setup_payer_edit", args=[payer.pk])).content.decode()
    assert "from now on" in page and "keep the codes" in page
    post = {**PAYER_POST, "payer_id": "MCD01", "revenue_h0015": "0905", "place_of_service": "11"}
    response = client.post(reverse("billing:setup_payer_edit", args=[payer.pk]), post)
    assert response.status_code == 302
    payer.refresh_from_db()
    assert payer.revenue_codes == {"H0015": "0905", "S9480": "0905", "90853": "0915"}
    assert payer.place_of_service == "11"
    charge.refresh_from_db()
    assert (charge.revenue_code, charge.place_of_service, charge.billed_amount) == (
        "0906",
        "57",
        Decimal("162.50"),
    )
    event = AuditEvent.objects.get(action="change", object_type="billing.payer")
    assert event.object_id == str(payer.pk)
    assert {"name", "revenue_codes", "place_of_service"} <= set(event.fields)


def test_changing_a_payer_to_a_taken_id_is_a_form_error(client: Client, world: Any) -> None:
    _payer(world.org_a, pid="ACME1")
    payer = _payer(world.org_a, pid="MCD01")
    login(client, world.billing_a1)
    url = reverse("billing:setup_payer_edit", args=[payer.pk])
    response = client.post(url, {**PAYER_POST, "payer_id": "ACME1"})
    assert response.status_code == 422
    assert "already has this payer id" in response.content.decode()
    payer.refresh_from_db()
    assert payer.payer_id == "MCD01"


# Billing provider.


def test_recording_the_billing_provider(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    page = client.get(reverse("billing:setup_provider")).content.decode()
    assert "No billing provider is recorded yet" in page
    assert "sends it to the payers as real claims" in page
    response = client.post(reverse("billing:setup_provider"), PROVIDER_POST)
    assert response.status_code == 302
    bp = BillingProvider.objects.get(organization=world.org_a)
    assert (bp.tax_id, bp.state, bp.zip_code, bp.contact_phone) == (
        "123456789",
        "OR",
        "974771234",
        "5555550100",
    )
    assert bp.production is False
    assert _audits(action="add", object_type="billing.billingprovider") == 1
    response = client.post(reverse("billing:setup_provider"), {**PROVIDER_POST, "production": "on"})
    assert response.status_code == 302
    bp.refresh_from_db()
    assert bp.production is True
    event = AuditEvent.objects.get(action="change", object_type="billing.billingprovider")
    assert event.fields == ["production"] and "production" in event.detail
    assert (
        "sent as production files" in client.get(reverse("billing:setup_provider")).content.decode()
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("npi", "1234567890", "check digit of the NPI standard"),
        ("npi", "12345", "An NPI is 10 digits"),
        ("attending_npi", "1245319598", "check digit of the NPI standard"),
        ("tax_id", "12345678", "The tax id (employer identification number) is 9 digits"),
        ("state", "O1", "2-letter postal abbreviation"),
        ("zip_code", "1234", "The ZIP code is 5 digits, or 9"),
        ("zip_code", "97477", "full ZIP+4 code"),
        ("contact_phone", "555-0100", "The phone number is 10 digits"),
        ("facility_type", "1", "The facility type is 2 digits"),
        ("taxonomy", "261Q", "A taxonomy code is 10 letters or digits"),
    ],
)
def test_bad_provider_input_is_422_and_changes_nothing(
    client: Client, world: Any, field: str, value: str, message: str
) -> None:
    bp = _provider(world.org_a)
    login(client, world.billing_a1)
    before = AuditEvent.objects.count()
    response = client.post(reverse("billing:setup_provider"), {**PROVIDER_POST, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    after = BillingProvider.objects.get(pk=bp.pk)
    assert (after.npi, after.tax_id, after.zip_code) == (bp.npi, bp.tax_id, bp.zip_code)
    assert AuditEvent.objects.count() == before


# Fee schedule.


def test_saving_the_fee_schedule(client: Client, world: Any) -> None:
    _provider(world.org_a, fees={"H0015": "162.50", "90832": "120.00"})
    ProgramBilling.objects.create(program=world.program_a1, discrete_code="90853")
    login(client, world.billing_a1)
    post = {"fee_H0015": "170", "fee_S9480": "$1,150.5", "fee_90853": "95.00", "fee_90832": ""}
    response = client.post(reverse("billing:setup_fees"), post)
    assert response.status_code == 302
    bp = BillingProvider.objects.get(organization=world.org_a)
    assert bp.fees == {"H0015": "170.00", "S9480": "1150.50", "90853": "95.00"}
    event = AuditEvent.objects.get(action="change", object_type="billing.billingprovider")
    assert event.fields == ["fees"] and "H0015 162.50 to 170.00" in event.detail


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "above zero and under $100,000"),
        ("-5", "above zero and under $100,000"),
        ("100000", "above zero and under $100,000"),
        ("12.345", "in dollars and cents"),
        ("abc", "Give the amount as a number"),
        ("NaN", "Give the amount as a number"),
    ],
)
def test_bad_fees_are_422_and_change_nothing(
    client: Client, world: Any, value: str, message: str
) -> None:
    _provider(world.org_a)
    login(client, world.billing_a1)
    before = AuditEvent.objects.count()
    response = client.post(reverse("billing:setup_fees"), {"fee_H0015": "150", "fee_S9480": value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert BillingProvider.objects.get(organization=world.org_a).fees == {"H0015": "162.50"}
    assert AuditEvent.objects.count() == before


def test_fees_need_a_billing_provider(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    page = client.get(reverse("billing:setup_fees"))
    assert page.status_code == 200 and "Record the billing provider first" in page.content.decode()
    response = client.post(reverse("billing:setup_fees"), {"fee_H0015": "150"})
    assert response.status_code == 422
    assert not BillingProvider.objects.exists()


# Refusals.


WRITES = [
    ("billing:setup_payer_add", PAYER_POST),
    ("billing:setup_provider", PROVIDER_POST),
    ("billing:setup_fees", {"fee_H0015": "1.00"}),
]


@pytest.mark.parametrize(("name", "data"), WRITES)
@pytest.mark.parametrize("who", ["director_a", "counselor_a1", "frontdesk_a1", "intake_a1"])
def test_each_write_is_refused_for_other_roles(
    client: Client, world: Any, name: str, data: dict[str, str], who: str
) -> None:
    bp = _provider(world.org_a)
    user = getattr(world, who)
    login(client, user)
    before = _denied(user)
    assert client.post(reverse(name), data).status_code == 403
    assert _denied(user) == before + 1
    assert not Payer.objects.exists()
    after = BillingProvider.objects.get(pk=bp.pk)
    assert (after.fees, after.tax_id) == (bp.fees, bp.tax_id)


def test_changing_a_payer_is_refused_for_other_roles(client: Client, world: Any) -> None:
    payer = _payer(world.org_a)
    login(client, world.director_a)
    url = reverse("billing:setup_payer_edit", args=[payer.pk])
    before = _denied(world.director_a)
    assert client.get(url).status_code == 403
    assert client.post(url, {**PAYER_POST, "payer_id": "NEW1"}).status_code == 403
    assert _denied(world.director_a) == before + 2
    payer.refresh_from_db()
    assert payer.payer_id == "MCD01"


@pytest.mark.parametrize("who", ["counselor_a1", "frontdesk_a1"])
def test_reading_is_refused_without_billing_read(client: Client, world: Any, who: str) -> None:
    login(client, getattr(world, who))
    for name in ("billing:setup_payers", "billing:setup_provider", "billing:setup_fees"):
        assert client.get(reverse(name)).status_code == 403


def test_another_organization_gets_nothing(client: Client, world: Any) -> None:
    payer = _payer(world.org_a, name="Org A Secret Plan")
    _provider(world.org_a, name="Org A Provider")
    login(client, world.admin_b)
    url = reverse("billing:setup_payer_edit", args=[payer.pk])
    before = _denied(world.admin_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {**PAYER_POST, "payer_id": "HACK1"}).status_code == 404
    assert _denied(world.admin_b) == before + 2
    payer.refresh_from_db()
    assert payer.payer_id == "MCD01"
    listing = client.get(reverse("billing:setup_payers")).content.decode()
    assert "Org A Secret Plan" not in listing
    provider = client.get(reverse("billing:setup_provider")).content.decode()
    assert "Org A Provider" not in provider and "1234567893" not in provider
    # Saving org B's own fee schedule never touches org A's.
    assert client.post(reverse("billing:setup_fees"), {"fee_H0015": "1.00"}).status_code == 422
    assert BillingProvider.objects.get(organization=world.org_a).fees == {"H0015": "162.50"}


@pytest.mark.parametrize("ident", ["99999999999999999999", "9223372036854775808", "0"])
def test_any_id_in_the_url_is_404(client: Client, world: Any, ident: str) -> None:
    login(client, world.billing_a1)
    url = reverse("billing:setup_payer_edit", args=[1]).replace("/1", f"/{ident}")
    assert client.get(url).status_code == 404
    assert client.post(url, PAYER_POST).status_code == 404


def test_the_payer_list_runs_a_fixed_number_of_queries(
    client: Client, world: Any, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _payer(world.org_a, pid="P1")
    login(client, world.billing_a1)
    url = reverse("billing:setup_payers")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(2, 8):
        _payer(world.org_a, pid=f"P{n}")
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_a_saved_place_of_service_outside_the_list_is_never_replaced_silently(
    client: Client, world: Any
) -> None:
    payer = _payer(world.org_a, place_of_service="99")  # saved before, e.g. through the admin
    login(client, world.billing_a1)
    url = reverse("billing:setup_payer_edit", args=[payer.pk])
    page = client.get(url).content.decode()
    assert "99 (saved earlier, not in this list: choose one)" in page
    assert 'value="57" selected' not in page and 'value="11" selected' not in page
