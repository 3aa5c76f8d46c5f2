"""Per-patient recipients, consent visibility, export lifetime and audit, ids, Practitioner,
and POST _search (the review of the first version)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from openiop.billing.models import Coverage
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.policy import Action, roles_for
from openiop.core.testing import World, login
from openiop.core.testing_tasks import run_tasks
from openiop.fhir import recipients, resources, services
from openiop.fhir.models import ExportJob
from openiop.fhir.tests.conftest import (
    get,
    make_consent,
    plan_payer,
    post_search,
    r4b,
    register_plan,
    revoke,
    token_for,
)
from openiop.privacy.models import Consent, Disclosure

pytestmark = pytest.mark.django_db


def _patients(token: str) -> set[int]:
    bundle = get("/fhir/Patient", token).json()
    return {int(e["resource"]["id"]) for e in bundle.get("entry", [])}


# --- 1. the client's recipient, per patient ----------------------------------------------


def test_health_plan_client_sees_only_the_patients_its_payer_covers(
    world: World, data: Any, token: str
) -> None:
    make_consent(world, world.patient_a2)  # a TPO consent, but no coverage of this payer
    assert _patients(token) == {world.patient_a1.pk}
    assert get(f"/fhir/Patient/{world.patient_a2.pk}", token).status_code == 404
    assert get(f"/fhir/Observation/{data['obs2'].pk}", token).status_code == 404
    other = token_for(
        services.register_client(
            world.admin_a,
            name="Another plan",
            recipient_kind="health_plan",
            scopes="system/*.rs",
            payer_id=plan_payer(world.org_a, "OTHER1").pk,
        )
    )
    assert _patients(other) == set()
    Coverage.objects.create(
        patient=world.patient_a2,
        rank=1,
        payer=plan_payer(world.org_a, "OTHER1"),
        created_by=world.billing_a1,
        created_at=timezone.now(),
    )
    assert _patients(other) == {world.patient_a2.pk}
    assert _patients(token) == {world.patient_a1.pk}


def test_health_plan_client_needs_a_payer_of_its_organization(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.register_client(
            world.admin_a, name="P", recipient_kind="health_plan", scopes="system/*.rs"
        )
    with pytest.raises(ValidationError):
        services.register_client(
            world.admin_a,
            name="P",
            recipient_kind="health_plan",
            scopes="system/*.rs",
            payer_id=plan_payer(world.org_b).pk,
        )
    with pytest.raises(ValidationError):
        services.register_client(
            world.admin_a,
            name="P",
            recipient_kind="treating_provider",
            scopes="system/*.rs",
            payer_id=plan_payer(world.org_a).pk,
        )


def test_treating_provider_client_needs_a_consent_naming_it(world: World, data: Any) -> None:
    made = services.register_client(
        world.admin_a, name="Dr Clinic", recipient_kind="treating_provider", scopes="system/*.rs"
    )
    token = token_for(made)
    make_consent(world, world.patient_a1, recipient_kind="treating_provider", purpose="treatment")
    assert _patients(token) == set()
    assert get(f"/fhir/Patient/{world.patient_a1.pk}", token).status_code == 404
    make_consent(
        world,
        world.patient_a2,
        kind="named",
        recipient_kind="treating_provider",
        recipient_name="Someone",
        recipient_key=made.client.recipient_key,
        purpose="treatment",
    )
    assert _patients(token) == {world.patient_a2.pk}
    assert get(f"/fhir/Patient/{world.patient_a2.pk}", token).status_code == 200


def test_a_consent_naming_a_treating_provider_client_by_name_only_gives_it_nothing(
    world: World, data: Any
) -> None:
    # A client registered under the name a patient wrote on a paper consent gets nothing:
    # a named consent covers a client only through its key (the registered-system choice).
    made = services.register_client(
        world.admin_a, name="Dr Clinic", recipient_kind="treating_provider", scopes="system/*.rs"
    )
    token = token_for(made)
    by_name = make_consent(
        world,
        world.patient_a2,
        kind="named",
        recipient_kind="treating_provider",
        recipient_name="Dr Clinic",
        purpose="treatment",
    )
    assert _patients(token) == set()
    assert get(f"/fhir/Patient/{world.patient_a2.pk}", token).status_code == 404
    assert get(f"/fhir/Consent/{by_name.pk}", token).status_code == 404
    decided = recipients.decide(made.client, [world.patient_a2.pk], ["demographics"])
    assert not decided.decisions[world.patient_a2.pk].allowed
    # Another client's key does not cover it either, whatever the name.
    Consent.objects.filter(pk=by_name.pk).update(recipient_key="fhir-client:999999")
    assert _patients(token) == set()
    # Bound to the client's key: the same consent gives it the data.
    Consent.objects.filter(pk=by_name.pk).update(recipient_key=made.client.recipient_key)
    assert _patients(token) == {world.patient_a2.pk}
    assert get(f"/fhir/Patient/{world.patient_a2.pk}", token).status_code == 200
    assert get(f"/fhir/Consent/{by_name.pk}", token).status_code == 200


def test_operations_client_is_covered_by_the_tpo_consent(world: World, data: Any) -> None:
    made = services.register_client(
        world.admin_a, name="QI contractor", recipient_kind="operations", scopes="system/*.rs"
    )
    token = token_for(made)
    assert _patients(token) == {world.patient_a1.pk}


def test_export_uses_the_per_patient_recipient(
    world: World, data: Any, token: str, django_capture_on_commit_callbacks: Any
) -> None:
    make_consent(world, world.patient_a2)  # TPO, not covered by the client's payer
    with django_capture_on_commit_callbacks(execute=True):
        kick = get("/fhir/Patient/$export", token, HTTP_PREFER="respond-async")
    run_tasks()
    status = get(kick["Content-Location"].replace("http://testserver", ""), token)
    assert status.status_code == 200
    exported = set(Disclosure.objects.filter(channel="export").values_list("patient", flat=True))
    assert exported == {world.patient_a1.pk}
    # The patients withheld: one DENIED summary event per export.
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="fhir.exportjob")
    assert denied.count() == 1
    assert "patients withheld from bulk export" in denied.get().detail


# --- 2. Consent resources ------------------------------------------------------------------


def test_client_sees_only_tpo_consents_and_those_naming_it(
    world: World, data: Any, registered: services.Registered, token: str
) -> None:
    p = world.patient_a1
    probation = make_consent(
        world,
        p,
        kind="named",
        recipient_kind="court",
        recipient_name="County Probation Office",
        purpose="legal",
        data=("attendance",),
    )
    notes = make_consent(
        world,
        p,
        kind="sud_notes",
        recipient_kind="treating_provider",
        recipient_name="Dr Who",
        purpose="treatment",
        data=("sud_notes",),
    )
    mine = make_consent(
        world,
        p,
        kind="sud_notes",
        recipient_kind="health_plan",
        recipient_name="x",
        recipient_key=registered.client.recipient_key,
        purpose="payment",
        data=("sud_notes",),
    )
    bundle = get(f"/fhir/Consent?patient={p.pk}", token).json()
    ids = {int(e["resource"]["id"]) for e in bundle["entry"]}
    assert ids == {data["consent"].pk, mine.pk}
    assert "Probation" not in str(bundle)
    assert get(f"/fhir/Consent/{probation.pk}", token).status_code == 404
    assert get(f"/fhir/Consent/{notes.pk}", token).status_code == 404
    staff = login(Client(), world.counselor_a1)
    seen = staff.get(f"/fhir/Consent?patient={p.pk}").json()
    assert {int(e["resource"]["id"]) for e in seen["entry"]} == {
        data["consent"].pk,
        probation.pk,
        notes.pk,
        mine.pk,
    }


def test_consent_status_is_inactive_once_revoked_replaced_or_expired(
    world: World, data: Any, token: str
) -> None:
    c = data["consent"]
    today = timezone.localdate()
    assert get(f"/fhir/Consent/{c.pk}", token).json()["status"] == "active"
    # Staff see every version (a client loses the patient once the consent stops covering).
    staff = login(Client(), world.counselor_a1)

    def status() -> str:
        return str(staff.get(f"/fhir/Consent/{c.pk}").json()["status"])

    assert status() == "active"
    assert resources.consent_status(c, today) == "active"
    Consent.objects.filter(pk=c.pk).update(expires_on=today)  # the last day it covers
    assert status() == "active"
    Consent.objects.filter(pk=c.pk).update(expires_on=today - timedelta(days=1))
    assert status() == "inactive"
    c.refresh_from_db()
    assert resources.consent_status(c, today) == "inactive"
    assert resources.consent_status(c, today - timedelta(days=1)) == "active"
    Consent.objects.filter(pk=c.pk).update(expires_on=None, superseded_at=timezone.now())
    assert status() == "inactive"
    Consent.objects.filter(pk=c.pk).update(superseded_at=None)
    assert status() == "active"
    revoke(c, world.intake_a1)
    c.refresh_from_db()
    assert c.revoked_at is not None
    assert resources.consent_status(c, today) == "inactive"
    assert status() == "inactive"


# --- 3. export lifetime ----------------------------------------------------------------------


def _done_export(token: str, capture: Any) -> tuple[str, str]:
    with capture(execute=True):
        kick = get("/fhir/Patient/$export", token, HTTP_PREFER="respond-async")
    status_url = kick["Content-Location"].replace("http://testserver", "")
    run_tasks()
    manifest = get(status_url, token).json()
    return status_url, manifest["output"][0]["url"].replace("http://testserver", "")


def test_export_files_expire_after_24_hours(
    world: World,
    data: Any,
    registered: services.Registered,
    token: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    status_url, file_url = _done_export(token, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(hours=23), tick=False):
        assert get(file_url, token_for(registered)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        fresh = token_for(registered)
        gone = get(file_url, fresh)
        assert gone.status_code == 410
        assert gone.json()["resourceType"] == "OperationOutcome"
        assert get(status_url, fresh).status_code == 410


def test_delete_of_a_done_export_makes_its_files_unavailable(
    world: World, data: Any, token: str, django_capture_on_commit_callbacks: Any
) -> None:
    status_url, file_url = _done_export(token, django_capture_on_commit_callbacks)
    assert get(file_url, token).status_code == 200
    assert Client().delete(status_url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 202
    assert get(file_url, token).status_code == 404
    assert get(status_url, token).status_code == 404
    assert ExportJob.objects.get().status == "cancelled"


def test_files_of_a_job_not_done_are_not_served(
    world: World, data: Any, token: str, django_capture_on_commit_callbacks: Any
) -> None:
    _status_url, file_url = _done_export(token, django_capture_on_commit_callbacks)
    ExportJob.objects.update(status="running")
    assert get(file_url, token).status_code == 404


def test_export_is_not_done_when_the_final_transaction_fails(
    world: World, data: Any, token: str, django_capture_on_commit_callbacks: Any
) -> None:
    from openiop.fhir import tasks

    with django_capture_on_commit_callbacks(execute=True):
        kick = get("/fhir/Patient/$export", token, HTTP_PREFER="respond-async")
    status_url = kick["Content-Location"].replace("http://testserver", "")
    job = ExportJob.objects.get()
    tasks._start(job.pk)
    built = tasks._build(ExportJob.objects.get(), timezone.now())
    Disclosure.objects.all().delete()
    from openiop.fhir.tests.conftest import revoke

    revoke(data["consent"], world.intake_a1)  # consents change between build and finish
    with pytest.raises(tasks.ConsentsChanged):
        tasks._finish(job.pk, built)
    assert get(status_url, token).status_code == 202
    assert not Disclosure.objects.filter(channel="export").exists()
    assert not job.files.exists()


# --- 4. ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["²", "-1", "1e3", str(10**30), "١٢"])
def test_odd_ids_are_404_everywhere(world: World, data: Any, token: str, bad: str) -> None:
    for path in (
        f"/fhir/Patient/{bad}",
        f"/fhir/Observation/{bad}",
        f"/fhir/bulkstatus/{bad}",
        f"/fhir/bulkfiles/{bad}",
    ):
        response = get(path, token)
        assert response.status_code == 404, path
        assert response.json()["resourceType"] == "OperationOutcome"
    response = get(f"/fhir/Group/{bad}/$export", token, HTTP_PREFER="respond-async")
    assert response.status_code == 404
    assert get(f"/fhir/Observation?patient={bad}", token).status_code in (200, 400)


# --- 5. Practitioner ---------------------------------------------------------------------


def test_practitioners_are_active_clinicians_by_name_only(
    world: World, data: Any, token: str
) -> None:
    writers = roles_for(Action.NOTE_WRITE)
    world.counselor_a2.is_active = False
    world.counselor_a2.save()
    world.director_a.first_name = ""
    world.director_a.last_name = ""
    world.director_a.save()
    bundle = get("/fhir/Practitioner", token).json()
    found = {int(e["resource"]["id"]): e["resource"] for e in bundle["entry"]}
    expected = {
        u.pk
        for u in (
            world.counselor_a1,
            world.counselor_a2,
            world.director_a,
            world.admin_a,
            world.billing_a1,
            world.frontdesk_a1,
            world.intake_a1,
        )
        if u.role in writers and u.is_active
    }
    assert set(found) == expected and world.counselor_a1.pk in found
    for res in found.values():
        r4b(res)
    assert "name" not in found[world.director_a.pk]
    text = str(bundle)
    for user in (world.counselor_a1, world.director_a, world.admin_a):
        assert f"'{user.username}'" not in text
    assert get(f"/fhir/Practitioner/{world.counselor_a2.pk}", token).status_code == 404
    assert get(f"/fhir/Practitioner/{world.billing_a1.pk}", token).status_code == 404


# --- 6. no PHI in URLs ---------------------------------------------------------------------


def test_identifier_in_a_url_is_refused_and_post_search_works(
    world: World, data: Any, token: str
) -> None:
    mrn = world.patient_a1.mrn
    refused = get(f"/fhir/Patient?identifier={mrn}", token)
    assert refused.status_code == 400
    assert "_search" in refused.json()["issue"][0]["diagnostics"]
    assert post_search("Patient", {}, token, query=f"identifier={mrn}").status_code == 400
    found = post_search("Patient", {"identifier": mrn}, token)
    assert found.status_code == 200
    bundle = found.json()
    assert bundle["total"] == 1 and mrn not in str(bundle["link"])
    assert bundle["link"][0]["url"].split("?")[0].endswith("/fhir/Patient/_search")
    obs = post_search("Observation", {"patient": str(world.patient_a1.pk)}, token)
    assert obs.json()["total"] == 1
    assert post_search("Observation", {"name": "x"}, token).status_code == 400
    assert get("/fhir/Patient/_search", token).status_code == 405


def test_post_search_by_staff_session_needs_csrf(world: World, data: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    login(client, world.counselor_a1)
    response = client.post(
        "/fhir/Patient/_search",
        f"identifier={world.patient_a1.mrn}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 403
    relaxed = login(Client(), world.counselor_a1)
    ok = relaxed.post(
        "/fhir/Patient/_search",
        f"identifier={world.patient_a1.mrn}",
        content_type="application/x-www-form-urlencoded",
    )
    assert ok.status_code == 200 and ok.json()["total"] == 1


def test_capability_statement_lists_post_search(world: World) -> None:
    body = Client().get("/fhir/metadata").json()
    r4b(body)
    patient = next(r for r in body["rest"][0]["resource"] if r["type"] == "Patient")
    search = next(i for i in patient["interaction"] if i["code"] == "search-type")
    assert "_search" in search["documentation"]
    ident = next(p for p in patient["searchParam"] if p["name"] == "identifier")
    assert "POST" in ident["documentation"]


def test_register_plan_helper(world: World) -> None:
    assert register_plan(world.admin_a, "X").client.payer == plan_payer(world.org_a)
