"""Care REST API: contract, refusals of other sites and organizations (404, audited), bad
input as 400 naming the fields, approval setting the required hours, flat due list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openiop.care.models import DrugScreen, Problem, RelapseEvent, TaperRecommendation
from openiop.care.plans.services import plan_create
from openiop.care.screens.services import drug_screen_order
from openiop.care.taper.services import taper_recommend
from openiop.care.tests.factories import (
    attendance,
    enrol,
    ready_to_step_down,
    signed_plan,
    today,
)
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, World, login

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def objects(world: World) -> dict[str, Any]:
    c = world.counselor_a1
    e = enrol(world)
    plan = signed_plan(c, e)
    screen = drug_screen_order(
        actor=c, patient=world.patient_a1, method="poc_cup", panel=["cocaine"]
    )
    rec = taper_recommend(actor=c, enrollment=e)
    return {"e": e, "screen": screen, "rec": rec, "plan": plan}


def _endpoints(world: World, o: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"/api/v1/care/patients/{world.patient_a1.pk}"
    return [
        ("get", f"{base}/progress", {}),
        ("get", f"{base}/plans", {}),
        (
            "post",
            f"{base}/plans/{o['plan'].pk}/problems",
            {"description": "Drinking", "icd10_code": "F10.20"},
        ),
        ("get", f"{base}/drug-screens", {}),
        ("post", f"{base}/drug-screens", {"method": "poc_cup", "panel": ["cocaine"]}),
        (
            "post",
            f"{base}/drug-screens/{o['screen'].pk}/result",
            {"collected_on": today().isoformat(), "results": {"cocaine": "negative"}},
        ),
        (
            "post",
            f"{base}/relapse-events",
            {"source": "self_report", "occurred_on": today().isoformat()},
        ),
        (
            "post",
            f"{base}/peer-meetings",
            {"week_start": today().isoformat(), "counts": {"aa": 1}},
        ),
        ("get", f"{base}/taper-recommendations", {}),
        ("post", f"{base}/taper-recommendations", {"enrollment": o["e"].pk}),
        ("post", f"{base}/taper-recommendations/{o['rec'].pk}/approve", {}),
        ("post", f"{base}/taper-recommendations/{o['rec'].pk}/decline", {"reason": "not now"}),
    ]


@pytest.mark.parametrize("who", ["counselor_a2", "counselor_b1", "director_b"])
def test_every_endpoint_refuses_another_site_or_organization_and_audits_it(
    client: Client, world: World, objects: dict[str, Any], who: str
) -> None:
    user = getattr(world, who)
    login(client, user)
    for method, url, body in _endpoints(world, objects):
        before = AuditEvent.objects.filter(action="denied", username=user.username).count()
        response = getattr(client, method)(url, body, content_type=JSON)
        assert response.status_code == 404, (url, response.status_code)
        assert response.json()["status"] == 404
        assert AuditEvent.objects.filter(action="denied", username=user.username).count() == (
            before + 1
        ), url
    assert DrugScreen.objects.count() == 1 and not RelapseEvent.objects.exists()
    assert TaperRecommendation.objects.get().status == "pending"
    assert Problem.objects.count() == 1  # the factory's


def test_the_due_list_shows_only_my_patients(client: Client, world: World) -> None:
    enrol(world)
    enrol(world, world.patient_a2, track=None)
    login(client, world.counselor_a2)
    rows = client.get("/api/v1/care/measures/due").json()["results"]
    assert {r["patient"] for r in rows} == {world.patient_a2.pk}


def test_billing_can_neither_read_nor_write_care_through_the_api(
    client: Client, world: World, objects: dict[str, Any]
) -> None:
    login(client, world.billing_a1)
    base = f"/api/v1/care/patients/{world.patient_a1.pk}"
    assert client.get(f"{base}/progress").status_code == 403
    response = client.post(f"{base}/taper-recommendations/{objects['rec'].pk}/approve")
    assert response.status_code == 403


def test_ordering_and_resulting_a_screen_opens_the_relapse_workflow(
    client: Client, world: World
) -> None:
    enrol(world)
    login(client, world.counselor_a1)
    base = f"/api/v1/care/patients/{world.patient_a1.pk}"
    response = client.post(
        f"{base}/drug-screens",
        {"method": "laboratory", "panel": ["fentanyl", "opiate"]},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    screen_id = response.json()["id"]
    response = client.post(
        f"{base}/drug-screens/{screen_id}/result",
        {
            "collected_on": today().isoformat(),
            "results": {"fentanyl": "positive", "opiate": "negative"},
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    event = RelapseEvent.objects.get()
    assert body["relapse_event"] == event.pk and event.source == "positive_screen"
    assert body["screen"]["status"] == "resulted"


@pytest.mark.parametrize(
    ("path", "payload", "fields"),
    [
        ("drug-screens", {"method": "cup", "panel": []}, {"method", "panel"}),
        ("drug-screens", {"method": "poc_cup", "panel": ["glue"]}, {"panel"}),
        (
            "relapse-events",
            {"source": "positive_screen", "occurred_on": "soon"},
            {"source", "occurred_on"},
        ),
        (
            "relapse-events",
            {"source": "self_report", "occurred_on": "2999-01-01"},
            {"occurred_on"},
        ),
        ("peer-meetings", {"week_start": "2026-01-05", "counts": {"bingo": 1}}, {"counts"}),
        ("peer-meetings", {"week_start": "2026-01-05", "counts": {"aa": 99}}, {"counts"}),
        ("taper-recommendations", {"enrollment": 999999}, {"enrollment"}),
        (
            "taper-recommendations",
            {"enrollment": "x", "attendance_reported": 2},
            {"enrollment", "attendance_reported"},
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_fields_and_saves_nothing(
    client: Client, world: World, path: str, payload: dict[str, Any], fields: set[str]
) -> None:
    enrol(world)
    login(client, world.counselor_a1)
    response = client.post(
        f"/api/v1/care/patients/{world.patient_a1.pk}/{path}", payload, content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == fields
    assert not DrugScreen.objects.exists() and not RelapseEvent.objects.exists()
    assert not TaperRecommendation.objects.exists()


def test_approving_a_recommended_step_down_sets_the_required_hours(
    client: Client, world: World
) -> None:
    c = world.counselor_a1
    e = enrol(world, weeks_ago=10)
    ready_to_step_down(world, c, e)
    attendance(world.patient_a1, e, c, hours=[3.0] * 12)
    login(client, c)
    base = f"/api/v1/care/patients/{world.patient_a1.pk}"
    response = client.post(f"{base}/taper-recommendations", {"enrollment": e.pk}, content_type=JSON)
    assert response.status_code == 201
    rec = response.json()
    assert rec["decision"] == "step_down" and rec["weekly_hours"] == "6.0"
    assert {r["input"] for r in rec["reasons"]} >= {"phase", "plan", "community", "attendance"}
    response = client.post(f"{base}/taper-recommendations/{rec['id']}/approve")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    progress = client.get(f"{base}/progress").json()
    assert progress["enrollments"][0]["required_weekly_hours"] == "6.0"
    assert progress["enrollments"][0]["phase"] == "step-down"
    response = client.post(
        f"{base}/taper-recommendations/{rec['id']}/decline", {"reason": "late"}, content_type=JSON
    )
    assert response.status_code == 400


def _add_patients(world: World, count: int) -> None:
    for _ in range(count):
        patient = PatientFactory.create(site=world.site_a1, program=world.program_a1)
        EnrollmentFactory.create(
            patient=patient, track=world.track_a1, starts_on=today() - timedelta(weeks=3)
        )


def test_the_due_list_query_count_is_flat(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    counts = []
    for n in (3, 30):
        _add_patients(world, n)
        client.get("/api/v1/care/measures/due")
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/care/measures/due?limit=500").json()
        counts.append(len(ctx.captured_queries))
    assert body["count"] >= 33 * 3  # PHQ-9, GAD-7 and BAM baselines for every enrolment
    assert counts[0] == counts[1], counts


def test_the_progress_summary_lists_plan_screens_meetings_and_recommendation(
    client: Client, world: World, objects: dict[str, Any]
) -> None:
    login(client, world.counselor_a1)
    body = client.get(f"/api/v1/care/patients/{world.patient_a1.pk}/progress").json()
    enrolment = body["enrollments"][0]
    assert enrolment["plan"]["status"] == "signed"
    assert enrolment["plan"]["problems"][0]["icd10_code"] == "F10.20"
    assert enrolment["pending_recommendation"]["id"] == objects["rec"].pk
    assert enrolment["required_weekly_hours"] == str(Decimal("9.0"))
    assert body["screens"][0]["status"] == "ordered"


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("F99.9", "F99.9 is not a code of ICD-10-CM FY2026"),
        ("F31.79", "F31.79 is not a code of ICD-10-CM FY2026"),
        ("F43.8", "choose one of F43.81, F43.89"),
        ("F10.2", "choose one of F10.20, F10.21, F10.220"),
    ],
)
def test_the_api_refuses_a_diagnosis_that_is_not_a_billable_code(
    client: Client, world: World, code: str, says: str
) -> None:
    c = world.counselor_a1
    plan = plan_create(actor=c, enrollment=enrol(world), review_on=today())
    login(client, c)
    response = client.post(
        f"/api/v1/care/patients/{world.patient_a1.pk}/plans/{plan.pk}/problems",
        {"description": "Something", "icd10_code": code},
        content_type=JSON,
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert set(errors) == {"icd10_code"} and says in errors["icd10_code"][0]
    assert not Problem.objects.exists()


def test_the_api_adds_a_billable_diagnosis_with_its_description_and_version(
    client: Client, world: World
) -> None:
    c = world.counselor_a1
    plan = plan_create(actor=c, enrollment=enrol(world), review_on=today())
    login(client, c)
    base = f"/api/v1/care/patients/{world.patient_a1.pk}"
    response = client.post(
        f"{base}/plans/{plan.pk}/problems",
        {"description": "Drinking daily", "icd10_code": "f1020"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["icd10_code"] == "F10.20" and body["code_in_table"]
    assert body["icd10_label"] == "Alcohol dependence, uncomplicated"
    assert body["code_set_version"] == "ICD-10-CM FY2026"
    listed = client.get(f"{base}/plans").json()[0]["problems"][0]
    assert listed["code_set_version"] == "ICD-10-CM FY2026"
