"""`openiop taper --json` and the care demo data."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from openiop.care.demo import extend_demo
from openiop.care.models import (
    DrugScreenResult,
    PeerMeetingWeek,
    RelapseEvent,
    TaperRecommendation,
    TreatmentPlan,
)
from openiop.care.taper.services import taper_recommend
from openiop.care.tests.factories import enrol, ready_to_step_down, today
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, World
from openiop.intake.models import ScreeningResponse

pytestmark = pytest.mark.django_db


def test_taper_json_lists_current_recommendations_with_their_reasons(world: World) -> None:
    e = enrol(world, weeks_ago=10)
    ready_to_step_down(world, world.counselor_a1, e)
    taper_recommend(actor=world.counselor_a1, enrollment=e, attendance_reported=0.9)
    out = StringIO()
    call_command("taper", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 1
    row = rows[0]
    assert row["decision"] == "step_down" and row["target_phase"] == "step-down"
    assert row["patient"] == world.patient_a1.pk and "first_name" not in row
    assert {r["input"] for r in row["reasons"]} >= {"phase", "weeks_without_use", "community"}
    assert all(r["text"] and r["source"] for r in row["reasons"])
    assert AuditEvent.objects.filter(
        action="export", object_type="care.taperrecommendation"
    ).exists()


def test_taper_refresh_recomputes_for_every_open_enrolment(world: World) -> None:
    enrol(world)
    enrol(world, world.patient_b1)
    out = StringIO()
    call_command("taper", "--json", "--refresh", f"--organization={world.org_a.pk}", stdout=out)
    rows = json.loads(out.getvalue())
    assert [r["patient"] for r in rows] == [world.patient_a1.pk]
    assert rows[0]["unknown_inputs"]  # nothing recorded yet: unknown, never zero
    text = StringIO()
    call_command("taper", stdout=text)
    assert "hold" in text.getvalue() and "Unknown:" in text.getvalue()


def test_the_demo_shows_plans_screens_meetings_a_relapse_and_recommendations(
    world: World,
) -> None:
    for i in range(12):
        patient = PatientFactory.create(
            site=world.site_a1, program=world.program_a1, first_name=f"Demo{i}"
        )
        starts = today() - timedelta(weeks=8 if i % 2 == 0 else 1)
        EnrollmentFactory.create(patient=patient, track=world.track_a1, starts_on=starts)
    extend_demo(org=world.org_a, rng=random.Random(7), today=today())
    assert TreatmentPlan.objects.filter(status="signed").exists()
    assert ScreeningResponse.objects.filter(instrument="phq9").count() >= 12
    assert PeerMeetingWeek.objects.exists()
    assert DrugScreenResult.objects.filter(value="positive", expected=True).exists()
    assert RelapseEvent.objects.filter(status="open", source="positive_screen").exists()
    decisions = set(
        TaperRecommendation.objects.filter(status="pending").values_list("decision", flat=True)
    )
    assert {"step_down", "hold", "step_up"} <= decisions
