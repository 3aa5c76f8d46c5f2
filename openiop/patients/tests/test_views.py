"""Patient pages: list, search, registration, chart, edit, contacts, emergency access."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import PatientFactory, World, login, login_password_only
from openiop.patients.models import Contact, Patient

VALID = {
    "first_name": "Rosa",
    "last_name": "Delgado",
    "date_of_birth": "1988-03-14",
    "sex_at_birth": "female",
    "preferred_language": "Spanish",
    "phone": "(508) 555-0142",
    "zip_code": "01608",
    "ec_name": "Luis Delgado",
    "ec_relationship": "Brother",
    "ec_phone": "508-555-0199",
}


def _register(client: Client, world: World, **overrides: str) -> object:
    data = {
        **VALID,
        "site": str(world.site_a1.pk),
        "program": str(world.program_a1.pk),
        **overrides,
    }
    return client.post(reverse("patients:register"), data)


def test_list_shows_only_my_patients_and_is_audited(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.get(reverse("patients:list"))
    assert response.status_code == 200
    assert (
        b"Quintero" in response.content
        and b"Okafor" not in response.content
        and b"Lindqvist" not in response.content
    )
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.filter(action="query", username="counselor_a1").last()
    assert event is not None and str(world.patient_a1.pk) in event.detail


def test_search_by_name_dob_or_record_number_via_post(client: Client, world: World) -> None:
    login(client, world.director_a)
    by_name = client.post(reverse("patients:list"), {"text": "okaf"})
    assert b"Okafor" in by_name.content and b"Quintero" not in by_name.content
    by_mrn = client.post(reverse("patients:list"), {"text": "0000001"})
    assert b"Quintero" in by_mrn.content and b"Lindqvist" not in by_mrn.content
    by_dob = client.post(reverse("patients:list"), {"date_of_birth": "1990-05-17"})
    assert b"Quintero" in by_dob.content and b"Okafor" in by_dob.content


def test_empty_or_bad_search_gives_a_message_not_an_error(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.post(reverse("patients:list"), {"text": "", "date_of_birth": "2020-02-31"})
    assert response.status_code == 200
    assert b"Enter a valid date" in response.content


def test_htmx_search_returns_the_fragment(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.post(reverse("patients:list"), {"text": "Quintero"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b"Quintero" in response.content


@pytest.mark.parametrize("count", [10, 1000])
def test_patient_list_and_search_query_count_is_flat(
    client: Client, world: World, count: int
) -> None:
    PatientFactory.create_batch(count, site=world.site_a1, program=world.program_a1)
    login(client, world.counselor_a1)
    client.get(reverse("patients:list"))  # warm the session
    with CaptureQueriesContext(connection) as listing:
        assert client.get(reverse("patients:list")).status_code == 200
    with CaptureQueriesContext(connection) as search:
        assert client.post(reverse("patients:list"), {"text": "Example"}).status_code == 200
    # The same number at 10 and at 1,000 patients (asserted against fixed budgets).
    assert len(listing) == LIST_QUERIES, [q["sql"] for q in listing.captured_queries]
    assert len(search) == SEARCH_QUERIES, [q["sql"] for q in search.captured_queries]


# Each includes the one query of the navigation's count of urgent safety tasks (a full page
# for a role that may read safety tasks).
LIST_QUERIES = 12
SEARCH_QUERIES = 12


def test_register_creates_patient_emergency_contact_and_audit(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    response = _register(client, world)
    patient = Patient.objects.get(last_name="Delgado")
    assert response.status_code == 302 and response["Location"] == reverse(
        "patients:chart", args=[patient.pk]
    )
    assert patient.organization == world.org_a and patient.mrn
    assert Contact.objects.get(patient=patient).is_emergency
    assert AuditEvent.objects.filter(
        action="add", patient_id_value=patient.pk, object_type="patients.patient"
    ).exists()
    assert AuditEvent.objects.filter(
        action="add", patient_id_value=patient.pk, object_type="patients.contact"
    ).exists()


def test_register_warns_about_a_duplicate_then_allows_it_when_confirmed(
    client: Client, world: World
) -> None:
    login(client, world.intake_a1)
    response = _register(
        client, world, first_name="alma", last_name="QUINTERO", date_of_birth="1990-05-17"
    )
    assert response.status_code == 422 and b"Possible duplicate" in response.content
    assert Patient.objects.filter(last_name__iexact="quintero").count() == 1
    response = _register(
        client,
        world,
        first_name="alma",
        last_name="QUINTERO",
        date_of_birth="1990-05-17",
        confirm_not_duplicate="on",
    )
    assert response.status_code == 302
    assert Patient.objects.filter(last_name__iexact="quintero").count() == 2


def test_duplicate_at_an_invisible_site_is_counted_not_shown(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    response = _register(
        client, world, first_name="Bruno", last_name="Okafor", date_of_birth="1990-05-17"
    )
    assert b"1 at a site you cannot see" in response.content
    assert reverse("patients:chart", args=[world.patient_a2.pk]).encode() not in response.content


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_name": ""}, "first_name", b"This field is required"),
        ({"last_name": "x" * 101}, "last_name", b"at most 100 characters"),
        ({"date_of_birth": "2031-01-01"}, "date_of_birth", b"cannot be in the future"),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth", b"Enter a valid date"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", b"after 1900"),
        ({"zip_code": "ABCDE"}, "zip_code", b"US ZIP code"),
        ({"phone": "call me"}, "phone", b"phone number"),
        ({"ec_phone": ""}, "ec_phone", b"phone number for the emergency contact"),
        ({"site": "999999"}, "site", b"Select a valid choice"),
    ],
)
def test_bad_registration_input_gets_field_errors_and_saves_nothing(
    client: Client, world: World, overrides: dict[str, str], field: str, message: bytes
) -> None:
    login(client, world.intake_a1)
    before = (Patient.objects.count(), Contact.objects.count())
    response = _register(client, world, **overrides)
    assert response.status_code == 422
    assert message in response.content
    assert (Patient.objects.count(), Contact.objects.count()) == before


def test_cannot_register_at_another_sites_program(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    response = _register(
        client, world, site=str(world.site_a2.pk), program=str(world.program_a2.pk)
    )
    assert response.status_code == 422
    assert not Patient.objects.filter(last_name="Delgado").exists()


def test_billing_cannot_register(client: Client, world: World) -> None:
    login(client, world.billing_a1)
    assert client.get(reverse("patients:register")).status_code == 403


def test_chart_opens_with_tabs_and_is_audited(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.get(reverse("patients:chart", args=[world.patient_a1.pk]))
    assert response.status_code == 200 and b"Quintero" in response.content
    assert b"42 CFR part 2 prohibits" in response.content
    assert AuditEvent.objects.filter(
        action="view", patient_id_value=world.patient_a1.pk, username="counselor_a1"
    ).exists()


PATIENT_URLS = [
    ("patients:chart", "get"),
    ("patients:edit", "get"),
    ("patients:edit", "post"),
    ("patients:contact_add", "get"),
    ("patients:contact_add", "post"),
]


@pytest.mark.parametrize(("name", "method"), PATIENT_URLS)
@pytest.mark.parametrize("intruder", ["counselor_a2", "counselor_b1", "director_b"])
def test_user_of_another_site_or_organization_is_refused_and_audited(
    client: Client, world: World, name: str, method: str, intruder: str
) -> None:
    login(client, getattr(world, intruder))
    url = reverse(name, args=[world.patient_a1.pk])
    response = getattr(client, method)(
        url, {"first_name": "Hacked", "name": "X", "relationship": "y"}
    )
    assert response.status_code == 404
    assert b"Quintero" not in response.content
    world.patient_a1.refresh_from_db()
    assert world.patient_a1.first_name == "Alma"
    assert AuditEvent.objects.filter(
        action="denied", username=intruder, object_id=str(world.patient_a1.pk)
    ).exists()


def test_chart_tab_of_another_site_is_refused(client: Client, world: World) -> None:
    login(client, world.counselor_b1)
    assert (
        client.get(
            reverse("patients:chart_tab", args=[world.patient_a1.pk, "contacts"])
        ).status_code
        == 404
    )


@pytest.mark.parametrize("name", ["patients:list", "patients:register", "patients:break_glass"])
def test_password_only_session_reaches_no_patient_page(
    client: Client, world: World, name: str
) -> None:
    login_password_only(client, world.counselor_a1)
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:mfa")
    chart = client.get(reverse("patients:chart", args=[world.patient_a1.pk]))
    assert chart.status_code == 302 and b"Quintero" not in chart.content


def test_edit_changes_fields_and_audits_which(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("patients:edit", args=[world.patient_a1.pk])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(
        {"phone": "508-555-0100", "preferred_language": "Portuguese", "date_of_birth": "1990-05-17"}
    )
    response = client.post(url, data)
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="change", patient_id_value=world.patient_a1.pk).last()
    assert event is not None and event.fields == ["phone", "preferred_language"]


def test_edit_with_bad_input_keeps_the_record(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.post(
        reverse("patients:edit", args=[world.patient_a1.pk]),
        {"first_name": "", "last_name": "Q", "date_of_birth": "nope"},
    )
    assert response.status_code == 422
    world.patient_a1.refresh_from_db()
    assert (world.patient_a1.first_name, world.patient_a1.last_name) == ("Alma", "Quintero")


def test_contact_add_and_bad_contact(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("patients:contact_add", args=[world.patient_a1.pk])
    assert client.post(url, {"name": "", "relationship": "Sponsor"}).status_code == 422
    assert (
        client.post(
            url, {"name": "Sam", "relationship": "Sponsor", "phone": "508 555 0101"}
        ).status_code
        == 302
    )
    assert world.patient_a1.contacts.get().name == "Sam"


def test_break_glass_page_opens_chart_and_flags_the_audit(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    assert client.get(reverse("patients:chart", args=[world.patient_a2.pk])).status_code == 404
    response = client.post(
        reverse("patients:break_glass"),
        {"mrn": world.patient_a2.mrn, "reason": "found unresponsive in the lobby", "hours": "1"},
    )
    assert response.status_code == 302
    chart = client.get(response["Location"])
    assert chart.status_code == 200 and b"Emergency access until" in chart.content
    view = AuditEvent.objects.filter(action="view", patient_id_value=world.patient_a2.pk).last()
    assert view is not None and view.break_glass is True


def test_break_glass_refused_outside_the_group_and_without_reason(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    assert client.get(reverse("patients:break_glass")).status_code == 403
    client.logout()
    login(client, world.intake_a1)
    response = client.post(
        reverse("patients:break_glass"), {"mrn": world.patient_a2.mrn, "reason": "x", "hours": "9"}
    )
    assert response.status_code == 422
