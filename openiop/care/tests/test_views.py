"""Care pages: every page refuses another site's or organization's patient (404, audited),
pages render the evidence, bad input re-renders with 422 and field errors, list pages keep a
constant number of queries."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.care.common import monday
from openiop.care.models import RelapseEvent, TaperRecommendation, TreatmentPlan
from openiop.care.plans.services import objective_progress_add, plan_create
from openiop.care.relapse.services import relapse_open
from openiop.care.screens.services import drug_screen_order
from openiop.care.taper.services import taper_recommend
from openiop.care.tests.factories import (
    attendance,
    enrol,
    measure,
    meetings,
    ready_to_step_down,
    signed_plan,
    today,
)
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, World, login, without_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(world: World) -> dict[str, Any]:
    """One of everything about patient A1, to point every URL at."""
    c = world.counselor_a1
    e = enrol(world)
    plan = signed_plan(c, e)
    screen = drug_screen_order(
        actor=c, patient=world.patient_a1, method="poc_cup", panel=["cocaine"]
    )
    event = relapse_open(
        actor=c, patient=world.patient_a1, source="self_report", occurred_on=today()
    )
    rec = taper_recommend(actor=c, enrollment=e)
    return {
        "e": e,
        "plan": plan,
        "objective": plan.objectives.first(),
        "screen": screen,
        "event": event,
        "rec": rec,
    }


def _patient_urls(world: World, o: dict[str, Any]) -> list[tuple[str, str]]:
    pk = world.patient_a1.pk
    return [
        ("get", reverse("care:progress", args=[pk])),
        ("get", reverse("care:plan_create", args=[pk])),
        ("get", reverse("care:plan", args=[pk, o["plan"].pk])),
        ("post", reverse("care:objective_status", args=[pk, o["objective"].pk])),
        ("get", reverse("care:objective_progress", args=[pk, o["objective"].pk])),
        ("get", reverse("care:screens", args=[pk])),
        ("get", reverse("care:screen_result", args=[pk, o["screen"].pk])),
        ("get", reverse("care:relapse_new", args=[pk])),
        ("get", reverse("care:relapse", args=[pk, o["event"].pk])),
        ("get", reverse("care:community", args=[pk])),
        ("post", reverse("care:taper_recommend", args=[pk, o["e"].pk])),
        ("post", reverse("care:taper_approve", args=[pk, o["rec"].pk])),
        ("get", reverse("care:taper_decline", args=[pk, o["rec"].pk])),
        ("get", reverse("care:discharge", args=[pk, o["e"].pk])),
        ("get", reverse("care:follow_ups", args=[pk])),
        ("get", reverse("patients:chart_tab", args=[pk, "plan"])),
    ]


@pytest.mark.parametrize("who", ["counselor_a2", "counselor_b1", "director_b"])
def test_every_page_refuses_a_patient_of_another_site_or_organization_and_audits_it(
    client: Client, world: World, objects: dict[str, Any], who: str
) -> None:
    user = getattr(world, who)
    login(client, user)
    for method, url in _patient_urls(world, objects):
        before = AuditEvent.objects.filter(action="denied", username=user.username).count()
        response = getattr(client, method)(url)
        assert response.status_code == 404, (url, response.status_code)
        after = AuditEvent.objects.filter(action="denied", username=user.username).count()
        assert after == before + 1, url
        assert b"Quintero" not in response.content
    rec = TaperRecommendation.objects.get(pk=objects["rec"].pk)
    assert rec.status == "pending"


def test_an_object_of_another_patient_is_not_reachable_through_my_patient(
    client: Client, world: World, objects: dict[str, Any]
) -> None:
    other = PatientFactory.create(site=world.site_a1, program=world.program_a1)
    login(client, world.counselor_a1)
    for name, arg in (("care:plan", objects["plan"].pk), ("care:relapse", objects["event"].pk)):
        response = client.get(reverse(name, args=[other.pk, arg]))
        assert response.status_code == 404
    assert AuditEvent.objects.filter(action="denied", object_type="care.treatmentplan").exists()


def test_billing_neither_sees_the_progress_view_nor_writes(
    client: Client, world: World, objects: dict[str, Any]
) -> None:
    login(client, world.billing_a1)
    pk = world.patient_a1.pk
    assert client.get(reverse("care:progress", args=[pk])).status_code == 403
    response = client.post(reverse("care:taper_approve", args=[pk, objects["rec"].pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied", username="billing_a1").exists()


def test_the_progress_view_puts_the_evidence_on_one_screen_and_is_audited(
    client: Client, world: World
) -> None:
    c = world.counselor_a1
    e = enrol(world, weeks_ago=10)
    ready_to_step_down(world, c, e)
    plan = TreatmentPlan.objects.get(enrollment=e)
    objective = plan.objectives.first()
    assert objective is not None
    objective_progress_add(actor=c, objective=objective, excerpt="Used the grounding skill.")
    taper_recommend(actor=c, enrollment=e, attendance_reported=0.9)
    login(client, c)
    response = client.get(reverse("care:progress", args=[world.patient_a1.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Treatment plan",
        "Used the grounding skill.",  # objective with its linked note
        '<svg class="trajectory"',  # chart rendered on the server
        "PHQ-9 scores (text alternative to the chart)",
        "reliable improvement",
        "Drug screens",
        "Peer meetings attended, by week",
        "Step down: Step-down",
        "Approve step down",
        "<script",  # only the base template's static, nonce'd scripts
    ):
        assert text in body, text
    # htmx and the app's own script, both static files with the nonce: no chart library, no CDN.
    scripts = re.findall(r"<script[^>]*>", body)
    assert len(scripts) == 2 and all("/static/" in s and "nonce=" in s for s in scripts)
    assert "cdn" not in without_tokens(body).lower()
    assert AuditEvent.objects.filter(
        action="view", username=c.username, detail="progress view"
    ).exists()


def test_a_bad_diagnosis_code_re_renders_the_plan_with_a_field_error(
    client: Client, world: World
) -> None:
    c = world.counselor_a1
    plan = plan_create(actor=c, enrollment=enrol(world), review_on=today())
    login(client, c)
    url = reverse("care:plan", args=[world.patient_a1.pk, plan.pk])
    response = client.post(
        url, {"form": "problem", "problem-description": "Drinking", "problem-icd10_code": "F10.2"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "category heading" in body and "F10.20, F10.21" in body
    assert not plan.problems.exists()
    for code, says in (("F99.9", "not a code of ICD-10-CM FY2026"), ("F43.8", "F43.81, F43.89")):
        response = client.post(
            url, {"form": "problem", "problem-description": "Stress", "problem-icd10_code": code}
        )
        assert response.status_code == 422 and says in response.content.decode()
    assert not plan.problems.exists()
    response = client.post(
        url, {"form": "problem", "problem-description": "Drinking", "problem-icd10_code": "f10.20"}
    )
    assert response.status_code == 302 and plan.problems.get().icd10_code == "F10.20"
    body = client.get(url).content.decode()
    assert "Alcohol dependence, uncomplicated" in body and "ICD-10-CM FY2026" in body


def test_signing_through_the_page_locks_the_plan(client: Client, world: World) -> None:
    c = world.counselor_a1
    plan = signed_plan(c, enrol(world))
    login(client, c)
    response = client.get(reverse("care:plan", args=[world.patient_a1.pk, plan.pk]))
    body = response.content.decode()
    assert "This version is locked" in body and "Add a problem" not in body
    response = client.post(
        reverse("care:plan", args=[world.patient_a1.pk, plan.pk]),
        {"form": "revise", "revise-reason": "New goal after a relapse"},
    )
    assert response.status_code == 302
    assert TreatmentPlan.objects.filter(enrollment=plan.enrollment, version=2).exists()


def test_a_positive_result_on_the_page_leads_to_the_relapse_response(
    client: Client, world: World
) -> None:
    c = world.counselor_a1
    enrol(world)
    screen = drug_screen_order(
        actor=c, patient=world.patient_a1, method="poc_cup", panel=["cocaine", "opiate"]
    )
    login(client, c)
    url = reverse("care:screen_result", args=[world.patient_a1.pk, screen.pk])
    response = client.post(url, {"collected_on": today().isoformat(), "cocaine": "positive"})
    assert response.status_code == 422 and "This field is required" in response.content.decode()
    response = client.post(
        url, {"collected_on": today().isoformat(), "cocaine": "positive", "opiate": "negative"}
    )
    event = RelapseEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("care:relapse", args=[world.patient_a1.pk, event.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Supportive, not punitive" in page and "Safety check" in page


def test_approving_on_the_page_sets_the_required_hours(client: Client, world: World) -> None:
    c = world.counselor_a1
    e = enrol(world, weeks_ago=10)
    ready_to_step_down(world, c, e)
    attendance(world.patient_a1, e, c, hours=[3.0] * 12)
    login(client, c)
    pk = world.patient_a1.pk
    client.post(reverse("care:taper_recommend", args=[pk, e.pk]), {"attendance_percent": ""})
    rec = TaperRecommendation.objects.get(status="pending")
    assert rec.decision == "step_down"
    response = client.post(reverse("care:taper_approve", args=[pk, rec.pk]))
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.required_weekly_hours == Decimal("6.0")


def test_community_and_discharge_forms_name_their_bad_fields(client: Client, world: World) -> None:
    e = enrol(world)
    login(client, world.counselor_a1)
    pk = world.patient_a1.pk
    response = client.post(
        reverse("care:community", args=[pk]),
        {"form": "meetings", "meetings-week_start": "2026-02-30", "meetings-count_aa": "-1"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Enter a valid date" in body and "greater than or equal to 0" in body
    response = client.post(
        reverse("care:discharge", args=[pk, e.pk]),
        {
            "kind": "completed",
            "discharged_on": today().isoformat(),
            "summary": "ok",
            "crisis_plan": "x",
        },
    )
    assert response.status_code == 422 and "at least 20 characters" in response.content.decode()
    e.refresh_from_db()
    assert e.status == "active"


def test_the_community_page_shows_recorded_weeks_newest_first_and_leaves_out_the_others(
    client: Client, world: World
) -> None:
    meetings(world.counselor_a1, world.patient_a1, [2, 0, 3])  # the last 3 complete weeks
    login(client, world.counselor_a1)
    response = client.get(reverse("care:community", args=[world.patient_a1.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    newest_first = [monday(today()) - timedelta(weeks=n) for n in (1, 2, 3)]
    positions = [body.index(f"<td>{w.isoformat()}</td>") for w in newest_first]
    assert positions == sorted(positions)
    assert f"<td>{newest_first[1].isoformat()}</td><td>0</td>" in body  # recorded as none
    assert f"<td>{(monday(today()) - timedelta(weeks=4)).isoformat()}</td>" not in body


def test_the_plan_tab_of_the_chart_shows_the_plan(client: Client, world: World) -> None:
    signed_plan(world.counselor_a1, enrol(world))
    login(client, world.counselor_a1)
    response = client.get(reverse("patients:chart_tab", args=[world.patient_a1.pk, "plan"]))
    body = response.content.decode()
    assert response.status_code == 200 and "Not built yet" not in body
    assert "1 met, 1 on track, 0 behind" in body and "Progress view" in body


def _populate(world: World, count: int) -> None:
    c = world.counselor_a1
    for _ in range(count):
        patient = PatientFactory.create(site=world.site_a1, program=world.program_a1)
        e = EnrollmentFactory.create(
            patient=patient, track=world.track_a1, starts_on=today() - timedelta(weeks=3)
        )
        measure(c, patient, "phq9", 10, weeks_ago=3)
        relapse_open(actor=c, patient=patient, source="self_report", occurred_on=today())
        taper_recommend(actor=c, enrollment=e)


def _dashboard_queries(client: Client) -> tuple[int, str]:
    client.get(reverse("care:dashboard"))  # warm per-session lookups
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("care:dashboard"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_care_dashboard_query_count_is_flat_as_patients_grow(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    _populate(world, 2)
    small, body = _dashboard_queries(client)
    assert body.count("Pat") >= 2
    _populate(world, 12)
    large, body = _dashboard_queries(client)
    assert body.count("Open relapse responses (14)") == 1
    # One page of the due measures (25 rows) is shown; the others load on demand.
    assert "Measures due this week (" in body and "Page 1 of" in body
    assert small == large, (small, large)


def test_settings_pages_refuse_other_organizations_and_other_roles(
    client: Client, world: World
) -> None:
    login(client, world.director_b)
    for url in (
        reverse("care:settings_taper", args=[world.program_a1.pk]),
        reverse("care:settings_measures", args=[world.track_a1.pk]),
    ):
        assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="denied", username="director_b").count() == 2
    login(client, world.counselor_a1)
    assert client.get(reverse("care:settings")).status_code == 403
    assert AuditEvent.objects.filter(action="denied", username="counselor_a1").exists()


def test_taper_settings_refuse_phases_outside_the_asam_bounds(client: Client, world: World) -> None:
    login(client, world.admin_a)
    url = reverse("care:settings_taper", args=[world.program_a1.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["require_measures"] = "on"
    data["phase-3:hours"] = "8"  # a regular phase below 9 h
    response = client.post(url, data)
    assert response.status_code == 422 and "9-19 hours" in response.content.decode()
    data["phase-3:hours"] = "10"
    assert client.post(url, data).status_code == 302


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phase-1:hours", "0"),
        ("step-down:hours", "-6"),
        ("min_sober_supports", "-1"),
        ("min_peer_meetings_per_week", "-0.5"),
        ("min_objectives_met", "-2"),
        ("phase-2:min_weeks", "-1"),
    ],
)
def test_taper_settings_refuse_zero_and_negative_values(
    client: Client, world: World, field: str, value: str
) -> None:
    from openiop.care.models import TaperSettings

    login(client, world.admin_a)
    url = reverse("care:settings_taper", args=[world.program_a1.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data[field] = value
    response = client.post(url, data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert "program policy (set in Settings)" in response.content.decode()
    assert not TaperSettings.objects.filter(program=world.program_a1).exists()


def test_the_taper_settings_service_refuses_negative_thresholds(world: World) -> None:
    from django.core.exceptions import ValidationError

    from openiop.care.models import TaperSettings
    from openiop.care.taper import services as taper_services
    from openiop.care.taper.inputs import phases_to_json
    from openiop.domain.tapering import TaperPolicy

    with pytest.raises(ValidationError) as refused:
        taper_services.taper_settings_set(
            actor=world.admin_a,
            program=world.program_a1,
            phases=phases_to_json(TaperPolicy().phases),
            thresholds={"min_sober_supports": -1, "min_peer_meetings_per_week": Decimal("-1")},
        )
    assert set(refused.value.message_dict) == {"min_sober_supports", "min_peer_meetings_per_week"}
    assert not TaperSettings.objects.exists()


def _taper_settings_data(client: Client, url: str) -> dict[str, Any]:
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["require_measures"] = "on"
    return data


def test_taper_settings_show_and_save_the_look_back_and_attendance_window(
    client: Client, world: World
) -> None:
    from openiop.care.models import TaperSettings

    login(client, world.admin_a)
    url = reverse("care:settings_taper", args=[world.program_a1.pk])
    response = client.get(url)
    body = response.content.decode()
    assert response.context["form"].initial["lookback_weeks"] == 26
    assert response.context["form"].initial["attendance_window_weeks"] == 4
    for name, label in (
        ("lookback_weeks", "Drug screens and relapse events read over the last (weeks)"),
        ("attendance_window_weeks", "Attendance read over the last complete weeks"),
    ):
        field = re.search(rf'<p class="field">.*?name="{name}".*?</p>', body, re.S)
        assert field is not None and label in field.group(0)
        assert "program policy (set in Settings)" in field.group(0)
    data = _taper_settings_data(client, url)
    data.update(lookback_weeks="12", attendance_window_weeks="2")
    assert client.post(url, data).status_code == 302
    row = TaperSettings.objects.get(program=world.program_a1)
    assert (row.lookback_weeks, row.attendance_window_weeks) == (12, 2)
    form = client.get(url).context["form"]
    assert (form.initial["lookback_weeks"], form.initial["attendance_window_weeks"]) == (12, 2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lookback_weeks", "3"),
        ("lookback_weeks", "105"),
        ("lookback_weeks", "six months"),
        ("attendance_window_weeks", "0"),
        ("attendance_window_weeks", "27"),
        ("attendance_window_weeks", "-2"),
    ],
)
def test_taper_settings_refuse_windows_outside_their_bounds(
    client: Client, world: World, field: str, value: str
) -> None:
    from openiop.care.models import TaperSettings

    login(client, world.admin_a)
    url = reverse("care:settings_taper", args=[world.program_a1.pk])
    data = _taper_settings_data(client, url)
    data[field] = value
    response = client.post(url, data)
    assert response.status_code == 422
    assert response.context["form"].errors[field] == [
        "Give a whole number of weeks from 4 to 104."
        if field == "lookback_weeks"
        else "Give a whole number of weeks from 1 to 26."
    ]
    assert "program policy (set in Settings)" in response.content.decode()
    assert not TaperSettings.objects.filter(program=world.program_a1).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lookback_weeks", 3),
        ("lookback_weeks", 105),
        ("lookback_weeks", "26"),
        ("attendance_window_weeks", 0),
        ("attendance_window_weeks", 27),
        ("attendance_window_weeks", True),
    ],
)
def test_the_taper_settings_service_refuses_windows_outside_their_bounds(
    world: World, field: str, value: Any
) -> None:
    from django.core.exceptions import ValidationError

    from openiop.care.models import TaperSettings
    from openiop.care.taper import services as taper_services
    from openiop.care.taper.inputs import phases_to_json
    from openiop.domain.tapering import TaperPolicy

    phases = phases_to_json(TaperPolicy().phases)
    taper_services.taper_settings_set(
        actor=world.admin_a, program=world.program_a1, phases=phases, thresholds={}
    )
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        taper_services.taper_settings_set(
            actor=world.admin_a,
            program=world.program_a1,
            phases=phases,
            thresholds={field: value},
        )
    assert set(refused.value.message_dict) == {field}
    assert "must be a whole number of weeks from" in refused.value.message_dict[field][0]
    row = TaperSettings.objects.get(program=world.program_a1)
    assert (row.lookback_weeks, row.attendance_window_weeks) == (26, 4)
    assert AuditEvent.objects.count() == events


def test_taper_settings_windows_refused_for_a_role_without_the_action_and_another_site(
    client: Client, world: World
) -> None:
    from openiop.care.models import TaperSettings

    url = reverse("care:settings_taper", args=[world.program_a1.pk])
    login(client, world.admin_a)
    data = _taper_settings_data(client, url)
    data.update(lookback_weeks="12", attendance_window_weeks="2")
    # A counselor (no care.settings) of the program's own site: 403, audited.
    login(client, world.counselor_a1)
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert AuditEvent.objects.filter(action="denied", username="counselor_a1").count() == 2
    # The administrator of a site of another organization: 404, audited.
    login(client, world.admin_b)
    for response in (client.get(url), client.post(url, data)):
        assert response.status_code == 404
        assert "Evening IOP A1" not in response.content.decode()
    assert AuditEvent.objects.filter(action="denied", username="admin_b").count() == 2
    assert not TaperSettings.objects.exists()
