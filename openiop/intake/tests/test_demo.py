"""The intake part of the demo: realistic, consistent and the scheduler's input."""

from __future__ import annotations

from datetime import date

import pytest

from openiop.core import demo
from openiop.intake.models import (
    Admission,
    PatientAvailability,
    PlacementDecision,
    Referral,
    ReferralSource,
    ReferralStage,
    SafetyTask,
    ScreeningResponse,
)
from openiop.patients.models import Enrollment

pytestmark = pytest.mark.django_db


def test_demo_shows_every_intake_feature_on_consistent_data() -> None:
    demo.build_demo(seed=5, patients=120, today=date(2026, 11, 26))
    stages = set(Referral.objects.values_list("stage", flat=True))
    sources = set(Referral.objects.values_list("source", flat=True))
    assert stages == set(ReferralStage.values) and sources == set(ReferralSource.values)
    for stage, source in Referral.objects.values_list("stage", "source").distinct()[:5]:
        assert Referral.objects.filter(stage=stage, source=source).exists()
    for referral in Referral.objects.all():
        events = list(referral.events.all())
        assert events[0].to_stage == "inquiry" and events[-1].to_stage == referral.stage
        assert referral.created_at <= referral.stage_changed_at
    admitted = Referral.objects.filter(stage="admitted")
    assert admitted.exists() and not admitted.filter(patient__isnull=True).exists()
    assert all(r.admissions.exists() for r in admitted)

    instruments = set(ScreeningResponse.objects.values_list("instrument", flat=True))
    assert {"phq9", "gad7", "audit", "dast10", "crafft"} <= instruments
    urgent = [s for s in ScreeningResponse.objects.all() if "suicidal_ideation" in s.flags]
    assert urgent and all(s.safety_tasks.exists() for s in urgent)
    assert SafetyTask.objects.filter(status="open").count() == 2

    active = set(Enrollment.objects.filter(status="active").values_list("patient_id", flat=True))
    with_availability = set(PatientAvailability.objects.values_list("patient_id", flat=True))
    assert active == with_availability
    assert Admission.objects.filter(patient_id__in=active).count() == len(active)
    evenings = PatientAvailability.objects.filter(start="18:00").count()
    mornings = PatientAvailability.objects.filter(start="09:00").count()
    assert evenings > 50 and mornings > 50
    decisions = PlacementDecision.objects.all()
    assert decisions.filter(decision="accepted").exists()
    assert decisions.filter(decision="overridden").exclude(override_reason="").exists()
    # Ratings come from the evidence table's proposals; a changed one carries its reason.
    dims = [d for decision in decisions for d in decision.dimensions]
    proposed = [d for d in dims if d["proposed"] is not None]
    assert proposed and any(d["dimension"] == 5 for d in proposed)
    assert all((d["rating"] == d["proposed"]) != bool(d["change_reason"]) for d in proposed)
    assert any(d["change_reason"] for d in proposed)
    assert all(not d["change_reason"] for d in dims if d["proposed"] is None)
    assert all(d["evidence"] for d in dims)
