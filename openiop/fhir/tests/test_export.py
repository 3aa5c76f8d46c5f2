"""Bulk $export on the task queue, through the gate."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from openiop.core.testing import World, login
from openiop.core.testing_tasks import run_tasks
from openiop.fhir.models import ExportJob, FhirClient
from openiop.fhir.tests.conftest import get, plan_payer, r4b, register_plan
from openiop.privacy.models import Disclosure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    global _capture
    _capture = django_capture_on_commit_callbacks
    return _capture


_capture: Any = None


def _kickoff(token: str, path: str = "/fhir/Patient/$export") -> str:
    with _capture(execute=True):
        response = get(path, token, HTTP_PREFER="respond-async")
    assert response.status_code == 202, response.content
    return str(response["Content-Location"]).replace("http://testserver", "")


def test_export_runs_on_the_queue_and_exports_only_consented_patients(
    world: World, data: Any, token: str
) -> None:
    status_url = _kickoff(token)
    pending = get(status_url, token)
    assert pending.status_code == 202 and pending["X-Progress"]
    run_tasks()
    done = get(status_url, token)
    assert done.status_code == 200
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["transactionTime"] and manifest["request"].endswith("$export")
    subjects = set()
    types = set()
    for item in manifest["output"]:
        types.add(item["type"])
        body = get(item["url"].replace("http://testserver", ""), token)
        assert body["Content-Type"] == "application/fhir+ndjson"
        for line in body.content.decode().splitlines():
            resource = json.loads(line)
            r4b(resource)
            assert resource["resourceType"] == item["type"]
            for key in ("subject", "patient", "beneficiary"):
                if key in resource:
                    subjects.add(resource[key]["reference"])
            if item["type"] == "Patient":
                subjects.add(f"Patient/{resource['id']}")
    assert "Observation" in types and "Coverage" in types
    assert subjects == {f"Patient/{world.patient_a1.pk}"}
    exported = Disclosure.objects.filter(channel="export")
    assert set(exported.values_list("patient_id", flat=True)) == {world.patient_a1.pk}


def test_group_export_with_type_filter(world: World, data: Any, token: str) -> None:
    status_url = _kickoff(
        token, f"/fhir/Group/{world.program_a1.pk}/$export?_type=Observation,Patient"
    )
    run_tasks()
    manifest = get(status_url, token).json()
    assert {o["type"] for o in manifest["output"]} == {"Observation", "Patient"}


def test_export_files_are_served_to_the_same_client_only(
    world: World, data: Any, token: str
) -> None:
    from openiop.fhir.tests.conftest import token_for

    status_url = _kickoff(token)
    run_tasks()
    url = get(status_url, token).json()["output"][0]["url"].replace("http://testserver", "")
    other = token_for(register_plan(world.admin_a, "Other"))
    assert get(url, other).status_code == 404
    assert get(status_url, other).status_code == 404
    assert get(url).status_code == 401


def test_export_needs_respond_async_and_known_types(world: World, token: str) -> None:
    assert get("/fhir/Patient/$export", token).status_code == 400
    bad = get("/fhir/Patient/$export?_type=Nope", token, HTTP_PREFER="respond-async")
    assert bad.status_code == 400
    assert get("/fhir/Group/999999/$export", token, HTTP_PREFER="respond-async").status_code == 404


def test_delete_cancels_an_export(world: World, data: Any, token: str) -> None:
    status_url = _kickoff(token)
    assert Client().delete(status_url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 202
    run_tasks()
    assert ExportJob.objects.get().status == "cancelled"
    assert not Disclosure.objects.filter(channel="export").exists()


def test_management_command_registers_a_client(world: World) -> None:
    out = StringIO()
    call_command(
        "fhir-client",
        "add",
        "--name",
        "Plan X",
        "--kind",
        "health_plan",
        "--org",
        "Org A",
        "--payer",
        str(plan_payer(world.org_a).pk),
        stdout=out,
    )
    text = out.getvalue()
    assert "client_id:" in text and "client_secret:" in text
    client = FhirClient.objects.get(name="Plan X")
    secret = text.split("client_secret: ")[1].split()[0]
    assert client.application.client_secret != secret


def test_admin_page_registers_shows_secret_once_and_revokes(world: World) -> None:
    admin = login(Client(), world.admin_a)
    response = admin.post(
        "/fhir/clients/",
        {"name": "Plan Y", "recipient_kind": "treating_provider", "scopes": "system/*.rs"},
    )
    assert response.status_code == 200
    assert b"Client secret" in response.content
    assert b"Client secret" not in admin.get("/fhir/clients/").content
    client = FhirClient.objects.get(name="Plan Y")
    assert admin.post(f"/fhir/clients/{client.pk}/revoke").status_code == 302
    client.refresh_from_db()
    assert not client.active and client.revoked_at is not None


def test_admin_page_is_refused_to_other_roles_and_anonymous(world: World) -> None:
    assert login(Client(), world.counselor_a1).get("/fhir/clients/").status_code == 403
    assert Client().get("/fhir/clients/").status_code == 302


def test_demo_registers_the_health_plan_client(world: World) -> None:
    import random
    from datetime import date

    from openiop.billing.demo import extend_demo as billing_demo
    from openiop.billing.models import Coverage
    from openiop.fhir.demo import extend_demo

    billing_demo(org=world.org_a, rng=random.Random(1), today=date(2026, 12, 7))
    extend_demo(org=world.org_a, rng=random.Random(1), today=date(2026, 12, 7))
    extend_demo(org=world.org_a, rng=random.Random(1), today=date(2026, 12, 7))
    client = FhirClient.objects.get()
    assert client.payer is not None and client.name == client.payer.name
    assert Coverage.objects.filter(payer=client.payer).exists()
    assert client.recipient_kind == "health_plan" and client.scopes == "system/*.rs"
