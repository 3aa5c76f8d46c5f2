"""The FHIR API through the gate: tokens, scopes, read and search, validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login
from openiop.fhir import services
from openiop.fhir.resources import TYPES
from openiop.fhir.tests import checks
from openiop.fhir.tests.conftest import (
    get,
    make_consent,
    post_search,
    r4b,
    register_plan,
    revoke,
    token_for,
)
from openiop.privacy.models import Disclosure

pytestmark = pytest.mark.django_db


def test_capability_statement_is_public_and_valid(world: World) -> None:
    response = Client().get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    cs = r4b(body)
    assert cs.fhirVersion == "4.0.1"
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert set(TYPES) <= types
    patient = next(r for r in body["rest"][0]["resource"] if r["type"] == "Patient")
    assert {p["name"] for p in patient["searchParam"]} == {"_id", "identifier"}
    ext = body["rest"][0]["security"]["extension"][0]["extension"][0]
    assert ext["valueUri"].endswith("/fhir/auth/token")


def test_request_without_token_is_refused_401(world: World) -> None:
    response = Client().get("/fhir/Patient")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["resourceType"] == "OperationOutcome"
    assert get("/fhir/Patient", "not-a-token").status_code == 401


def test_token_without_the_resource_scope_is_refused_403(world: World, data: Any) -> None:
    made = register_plan(world.admin_a, "Plan", scopes="system/Patient.rs")
    token = token_for(made)
    assert get("/fhir/Patient", token).status_code == 200
    response = get("/fhir/Observation", token)
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"


def test_client_cannot_ask_for_scopes_it_was_not_given(world: World) -> None:
    made = register_plan(world.admin_a, "Plan", scopes="system/Patient.rs")
    response = Client().post(
        "/fhir/auth/token",
        {
            "grant_type": "client_credentials",
            "scope": "system/*.rs",
            "client_id": made.client_id,
            "client_secret": made.client_secret,
        },
    )
    assert response.status_code == 400


def test_client_secret_is_stored_hashed(world: World, registered: services.Registered) -> None:
    stored = registered.client.application.client_secret
    assert stored != registered.client_secret
    assert registered.client_secret not in stored


def test_consented_patient_observations_are_disclosed_and_recorded(
    world: World, data: Any, token: str
) -> None:
    response = get(f"/fhir/Observation?patient={world.patient_a1.pk}", token)
    assert response.status_code == 200
    assert response["X-Part2-Notice"].startswith("42 CFR part 2")
    bundle = response.json()
    r4b(bundle)
    assert bundle["type"] == "searchset" and bundle["total"] == 1
    assert bundle["meta"]["extension"][0]["valueString"].startswith("This record which has been")
    obs = bundle["entry"][0]["resource"]
    r4b(obs)
    checks.observation(obs)
    checks.labels(obs)
    assert obs["code"]["coding"][0]["code"] == "44261-6"
    assert obs["valueInteger"] == 12
    disclosures = Disclosure.objects.filter(patient=world.patient_a1, channel="fhir")
    assert disclosures.count() == 1
    assert disclosures.get().description == "FHIR search Observation (1 resources)"
    assert disclosures.get().client_name == "Lakeside Community Health Plan"


def test_unconsented_patient_read_is_404_and_audited(world: World, data: Any, token: str) -> None:
    obs2 = data["obs2"]
    response = get(f"/fhir/Observation/{obs2.pk}", token)
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert world.patient_a2.last_name not in response.content.decode()
    denied = AuditEvent.objects.filter(
        action=AuditAction.DENIED, patient_id_value=world.patient_a2.pk
    )
    assert denied.count() == 1
    assert "Lakeside" in denied.get().detail
    assert not Disclosure.objects.filter(patient=world.patient_a2).exists()


def test_unconsented_patient_search_is_empty_and_audited(
    world: World, data: Any, token: str
) -> None:
    response = get(f"/fhir/Observation?patient={world.patient_a2.pk}", token)
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, patient_id_value=world.patient_a2.pk
    ).exists()
    everything = get("/fhir/Observation", token).json()
    assert [e["resource"]["subject"]["reference"] for e in everything["entry"]] == [
        f"Patient/{world.patient_a1.pk}"
    ]


def test_revoked_consent_stops_the_disclosure(world: World, data: Any, token: str) -> None:
    url = f"/fhir/Observation?patient={world.patient_a1.pk}"
    assert get(url, token).json()["total"] == 1
    revoke(data["consent"], world.intake_a1)
    assert get(url, token).json()["total"] == 0
    assert get(f"/fhir/Observation/{data['obs1'].pk}", token).status_code == 404


def test_named_consent_binds_to_the_client_key(
    world: World, data: Any, registered: services.Registered, token: str
) -> None:
    make_consent(
        world,
        world.patient_a2,
        kind="named",
        recipient_kind="health_plan",
        recipient_name="Someone else",
        recipient_key=registered.client.recipient_key,
        data=("screenings",),
    )
    assert get(f"/fhir/Observation/{data['obs2'].pk}", token).status_code == 200
    assert get(f"/fhir/Patient/{world.patient_a2.pk}", token).status_code == 404


def test_another_organizations_client_sees_nothing(world: World, data: Any) -> None:
    made = register_plan(world.admin_b, "B plan")
    token = token_for(made)
    assert get("/fhir/Patient", token).json()["total"] == 0
    assert get("/fhir/Observation", token).json()["total"] == 0
    assert get(f"/fhir/Patient/{world.patient_a1.pk}", token).status_code == 404
    assert get(f"/fhir/Organization/{world.org_a.pk}", token).status_code == 404


def test_revoked_client_token_stops_working(
    world: World, data: Any, registered: services.Registered, token: str
) -> None:
    assert get("/fhir/Patient", token).status_code == 200
    services.revoke_client(world.admin_a, client=registered.client)
    assert get("/fhir/Patient", token).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/Patient/99999999999999999999",
        "/fhir/Patient/abc",
        "/fhir/Patient/0",
        "/fhir/Observation/123456789012345678901234567890",
        "/fhir/Unknown/1",
    ],
)
def test_ids_of_any_size_are_404(world: World, token: str, path: str) -> None:
    response = get(path, token)
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "query",
    [
        "name=Alma",
        "birthdate=1990-05-17",
        "_count=x",
        "date=notadate",
        "patient=abc",
        "_page=forged",
    ],
)
def test_bad_search_input_is_400(world: World, token: str, query: str) -> None:
    path = "/fhir/Observation" if "date" in query or "patient" in query else "/fhir/Patient"
    response = get(f"{path}?{query}", token)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def _all(token: str, rtype: str) -> list[dict[str, Any]]:
    bundle = get(f"/fhir/{rtype}", token).json()
    r4b(bundle)
    return [e["resource"] for e in bundle.get("entry", [])]


def test_every_resource_type_validates_and_has_its_must_supports(
    world: World, data: Any, token: str
) -> None:
    for name in TYPES:
        resources = _all(token, name)
        assert resources, f"no {name} returned"
        for resource in resources:
            assert resource["resourceType"] == name
            r4b(resource)
            checks.BY_TYPE[name](resource)
            checks.labels(resource)
            read = get(f"/fhir/{name}/{resource['id']}", token)
            assert read.status_code == 200, (name, read.content)
            r4b(read.json())


def test_search_params(world: World, data: Any, token: str) -> None:
    pid = world.patient_a1.pk
    body = {"identifier": world.patient_a1.mrn}
    assert post_search("Patient", body, token).json()["total"] == 1
    assert get(f"/fhir/Patient?_id={pid}", token).json()["total"] == 1
    assert get("/fhir/Observation?code=http://loinc.org|44261-6", token).json()["total"] == 1
    assert get("/fhir/Observation?code=70274-6", token).json()["total"] == 0
    assert get("/fhir/Observation?category=survey", token).json()["total"] == 1
    assert get("/fhir/Observation?category=laboratory", token).json()["total"] == 0
    assert get(f"/fhir/Encounter?patient=Patient/{pid}", token).json()["total"] == 2
    assert get("/fhir/Encounter?date=ge2000-01-01", token).json()["total"] == 2
    assert get("/fhir/Encounter?date=lt2000-01-01", token).json()["total"] == 0
    assert get("/fhir/Condition?category=problem-list-item", token).json()["total"] == 1
    assert get("/fhir/CarePlan?category=assess-plan", token).json()["total"] == 1


def test_paging_with_an_opaque_token(world: World, data: Any, token: str) -> None:
    first = get("/fhir/Encounter?_count=1", token).json()
    assert first["total"] == 2 and len(first["entry"]) == 1
    nxt = next(link["url"] for link in first["link"] if link["relation"] == "next")
    assert "_page=" in nxt and "Quintero" not in nxt
    second = get(nxt.replace("http://testserver", ""), token).json()
    assert second["entry"][0]["resource"]["id"] != first["entry"][0]["resource"]["id"]
    assert not any(link["relation"] == "next" for link in second["link"])


def test_search_costs_the_same_queries_as_data_grows(world: World, data: Any, token: str) -> None:
    from openiop.care.tests import factories as care

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert get("/fhir/Observation", token).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for _ in range(5):
        care.measure(world.counselor_a1, world.patient_a1, "phq9", 4, weeks_ago=2)
        care.measure(world.director_a, world.patient_a2, "phq9", 3, weeks_ago=2)
    assert count() == before


def test_staff_session_read_is_use_not_disclosure(world: World, data: Any) -> None:
    other = login(Client(), world.counselor_a2)
    response = other.get(f"/fhir/Observation?patient={world.patient_a1.pk}")
    assert response.status_code == 200 and response.json()["total"] == 0
    assert other.get(f"/fhir/Observation/{data['obs1'].pk}").status_code == 404
    client = login(Client(), world.counselor_a1)
    assert client.get(f"/fhir/Observation?patient={world.patient_a1.pk}").json()["total"] == 1
    response = client.get(f"/fhir/Patient/{world.patient_a1.pk}")
    assert response.status_code == 200
    assert "extension" not in response.json()["meta"]
    assert not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, patient_id_value=world.patient_a1.pk, username="counselor_a1"
    ).exists()


def test_billing_staff_session_is_refused_403(world: World, data: Any) -> None:
    client = login(Client(), world.billing_a1)
    response = client.get(f"/fhir/Patient/{world.patient_a1.pk}")
    assert response.status_code == 403
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, username="billing_a1").exists()


def test_every_resource_type_has_its_scope(world: World) -> None:
    from django.conf import settings

    scopes = set(settings.OAUTH2_PROVIDER["SCOPES"])
    assert {f"system/{t}.rs" for t in TYPES} | {"system/*.rs"} == scopes
