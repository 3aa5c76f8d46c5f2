"""REST API for patients: contract, refusals, bad input."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login, login_password_only
from openiop.patients.models import Patient

NEW = {
    "first_name": "Ivy",
    "last_name": "Marsh",
    "date_of_birth": "1979-11-02",
    "phone": "508-555-0111",
}


def test_list_is_paginated_and_scoped(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    body = client.get("/api/v1/patients/").json()
    assert body["count"] == 1 and body["results"][0]["last_name"] == "Quintero"
    assert AuditEvent.objects.filter(action="query", username="counselor_a1").exists()


def test_create_returns_201_and_audits(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    response = client.post(
        "/api/v1/patients/", {**NEW, "site": world.site_a1.pk}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    patient = Patient.objects.get(pk=response.json()["id"])
    assert patient.site == world.site_a1 and patient.mrn == response.json()["mrn"]
    assert AuditEvent.objects.filter(action="add", patient_id_value=patient.pk).exists()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"site", "first_name", "last_name", "date_of_birth"}),
        ({**NEW, "site": "one"}, {"site"}),
        ({**NEW, "site": 1, "first_name": "x" * 101}, {"first_name"}),
        ({**NEW, "site": 1, "date_of_birth": "1990-02-30"}, {"date_of_birth"}),
        ({**NEW, "site": 1, "date_of_birth": "2199-01-01"}, {"date_of_birth"}),
        ({**NEW, "site": 1, "zip_code": "12"}, {"zip_code"}),
        ({**NEW, "site": 1, "interpreter_needed": "perhaps"}, {"interpreter_needed"}),
    ],
)
def test_bad_input_is_a_400_naming_fields_and_saves_nothing(
    client: Client, world: World, payload: dict[str, object], fields: set[str]
) -> None:
    login(client, world.intake_a1)
    before = Patient.objects.count()
    if payload.get("site") == 1:
        payload = {**payload, "site": world.site_a1.pk}
    response = client.post("/api/v1/patients/", payload, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and fields <= set(body["errors"])
    assert Patient.objects.count() == before


def test_malformed_json_is_a_400(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    response = client.post("/api/v1/patients/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["status"] == 400


def test_create_at_another_organizations_site_is_refused(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    response = client.post(
        "/api/v1/patients/", {**NEW, "site": world.site_b1.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "site" in response.json()["errors"]
    response = client.post(
        "/api/v1/patients/", {**NEW, "site": world.site_a2.pk}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Patient.objects.filter(last_name="Marsh").exists()


def test_detail_and_patch(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = f"/api/v1/patients/{world.patient_a1.pk}/"
    assert client.get(url).json()["first_name"] == "Alma"
    response = client.patch(url, {"preferred_language": "Spanish"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["preferred_language"] == "Spanish"
    bad = client.patch(url, {"date_of_birth": "tomorrow"}, content_type="application/json")
    assert bad.status_code == 400 and "date_of_birth" in bad.json()["errors"]


@pytest.mark.parametrize("intruder", ["counselor_a2", "counselor_b1", "director_b", "admin_b"])
@pytest.mark.parametrize("method", ["get", "patch"])
def test_detail_of_another_site_or_organization_is_refused_and_audited(
    client: Client, world: World, intruder: str, method: str
) -> None:
    login(client, getattr(world, intruder))
    url = f"/api/v1/patients/{world.patient_a1.pk}/"
    response = getattr(client, method)(
        url, {"first_name": "Hacked"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert "Quintero" not in response.content.decode()
    assert AuditEvent.objects.filter(action="denied", username=intruder).exists()
    world.patient_a1.refresh_from_db()
    assert world.patient_a1.first_name == "Alma"


def test_search_is_a_post_and_scoped(client: Client, world: World) -> None:
    login(client, world.counselor_b1)
    assert (
        client.post(
            "/api/v1/patients/search", {"text": "Quintero"}, content_type="application/json"
        ).json()
        == []
    )
    assert (
        client.post("/api/v1/patients/search", {}, content_type="application/json").status_code
        == 400
    )
    login(client, world.director_a)
    found = client.post(
        "/api/v1/patients/search", {"text": "quin"}, content_type="application/json"
    ).json()
    assert [p["last_name"] for p in found] == ["Quintero"]


def test_billing_cannot_patch(client: Client, world: World) -> None:
    login(client, world.billing_a1)
    url = f"/api/v1/patients/{world.patient_a1.pk}/"
    assert client.get(url).status_code == 200
    assert (
        client.patch(url, {"phone": "508 555 0000"}, content_type="application/json").status_code
        == 403
    )


def test_password_only_and_anonymous_get_nothing(client: Client, world: World) -> None:
    assert client.get("/api/v1/patients/").status_code == 401
    login_password_only(client, world.counselor_a1)
    for url in ("/api/v1/patients/", f"/api/v1/patients/{world.patient_a1.pk}/"):
        response = client.get(url)
        assert response.status_code == 403 and "Quintero" not in response.content.decode()


def test_list_query_count_is_flat(
    client: Client, world: World, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from openiop.core.testing import PatientFactory

    login(client, world.director_a)
    client.get("/api/v1/patients/")
    PatientFactory.create_batch(300, site=world.site_a1)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("api:patients")).status_code == 200
