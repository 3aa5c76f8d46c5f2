"""Gathering the tapering engine's inputs from the database: each input, and inputs that are
missing stated as unknown (never zero) so that they can only hold a step down."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openiop.care.community.services import support_profile_set
from openiop.care.models import EnrollmentPhase, TaperSettings
from openiop.care.relapse.services import relapse_open, relapse_safety_check
from openiop.care.screens.services import prescription_add
from openiop.care.taper import inputs
from openiop.care.tests.factories import (
    attendance,
    enrol,
    measure,
    meetings,
    ready_to_step_down,
    resulted_screen,
    signed_plan,
    today,
)
from openiop.core.testing import TrackFactory, World
from openiop.domain.tapering import Decision, ReliableChange, SafetyFlag, Stance
from openiop.intake.models import SafetyTask

pytestmark = pytest.mark.django_db


def test_the_phase_is_inferred_from_the_required_hours_until_a_decision_sets_it(
    world: World,
) -> None:
    e = enrol(world, weeks_ago=5, hours=Decimal("12"))
    g = inputs.gather(e)
    assert g.inp.phase_id == "phase-2" and g.inp.weeks_in_phase == 5
    assert g.facts["phase_inferred_from_required_hours"] is True
    EnrollmentPhase.objects.create(
        enrollment=e,
        phase_id="phase-3",
        started_on=today() - timedelta(weeks=1),
        updated_at=timezone.now(),
    )
    g = inputs.gather(e)
    assert (g.inp.phase_id, g.inp.weeks_in_phase) == ("phase-3", 1)


def test_an_adolescent_requirement_below_every_phase_is_phase_three_not_the_step_down(
    world: World,
) -> None:
    e = enrol(world, hours=Decimal("6"))
    assert inputs.gather(e).inp.phase_id == "phase-3"


def test_self_reported_use_is_read_and_its_absence_is_unknown(world: World) -> None:
    e = enrol(world)
    g = inputs.gather(e)
    assert "weeks_without_use" in g.unknown
    reason = inputs.recommend(g).reason("weeks_without_use")
    assert reason.stance is Stance.FOR_HOLD and reason.text.startswith("Unknown")
    assert "self_reported_weeks_without_use=unknown" in reason.facts
    support_profile_set(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        data={"last_use_reported_on": today() - timedelta(weeks=6)},
    )
    g = inputs.gather(e)
    assert "weeks_without_use" not in g.unknown
    assert g.inp.self_reported_weeks_without_use == 6


def test_screens_are_read_with_prescribed_classes_not_counted_as_use(world: World) -> None:
    c = world.counselor_a1
    e = enrol(world)
    prescription_add(
        actor=c,
        patient=world.patient_a1,
        medication="Methadone 60 mg",
        substance_class="methadone",
        starts_on=today() - timedelta(days=60),
    )
    resulted_screen(c, world.patient_a1, days_ago=15, positive=("cocaine",))
    resulted_screen(
        c, world.patient_a1, days_ago=2, positive=("methadone",), panel=("methadone", "cocaine")
    )
    screens = sorted(inputs.gather(e).inp.screens, key=lambda s: s.weeks_ago)
    assert screens[0].weeks_ago == 0 and not screens[0].shows_use
    assert screens[0].prescribed_classes == {"methadone"}
    assert screens[1].weeks_ago == 2 and screens[1].unexplained == {"cocaine"}


def test_relapse_events_are_read_and_an_open_one_without_safety_check_holds(world: World) -> None:
    e = enrol(world)
    relapse_open(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        source="self_report",
        occurred_on=today() - timedelta(days=8),
    )
    g = inputs.gather(e)
    assert [r.weeks_ago for r in g.inp.relapses] == [1]
    assert SafetyFlag.OTHER in g.inp.safety_flags and g.facts["safety_check_pending"]


def test_safety_findings_and_open_intake_safety_tasks_become_safety_flags(world: World) -> None:
    c = world.counselor_a1
    e = enrol(world)
    event = relapse_open(
        actor=c, patient=world.patient_a1, source="family_report", occurred_on=today()
    )
    relapse_safety_check(actor=c, event=event, findings=["unsafe_environment"])
    SafetyTask.objects.create(
        patient=world.patient_a1,
        site=world.site_a1,
        flags=["cssrs_high_risk"],
        created_by=c,
        created_at=timezone.now(),
    )
    g = inputs.gather(e)
    assert g.inp.safety_flags == {SafetyFlag.UNSAFE_ENVIRONMENT, SafetyFlag.SUICIDE_RISK_HIGH}
    rec = inputs.recommend(g)
    assert rec.decision is Decision.STEP_UP and rec.crisis_evaluation


def test_plan_progress_counts_the_objectives_of_the_plan_in_effect(world: World) -> None:
    e = enrol(world)
    assert inputs.gather(e).facts["plan"] == "none"
    signed_plan(world.counselor_a1, e, statuses=("met", "on_track", "behind"))
    plan = inputs.gather(e).inp.plan
    assert (plan.met, plan.on_track, plan.behind) == (1, 1, 1)


def test_community_support_reads_recorded_weeks_and_unrecorded_weeks_are_unknown(
    world: World,
) -> None:
    c = world.counselor_a1
    e = enrol(world)
    g = inputs.gather(e)
    assert "community" in g.unknown and g.inp.community.peer_meetings_per_week == ()
    assert inputs.recommend(g).reason("community").text.startswith("Unknown")
    meetings(c, world.patient_a1, [1, 0, 2])
    support_profile_set(actor=c, patient=world.patient_a1, data={"has_sponsor_or_mentor": True})
    g = inputs.gather(e)
    assert "community" not in g.unknown
    assert g.inp.community.peer_meetings_per_week == (1, 0, 2)
    assert g.inp.community.sponsor_or_mentor and g.facts["peer_meeting_weeks_not_recorded"] == 1


def test_measure_trends_come_from_intake_screening_responses_with_reliable_change(
    world: World,
) -> None:
    c = world.counselor_a1
    e = enrol(world)
    measure(c, world.patient_a1, "phq9", 18, weeks_ago=6)
    measure(c, world.patient_a1, "phq9", 9, weeks_ago=1)
    measure(c, world.patient_a1, "gad7", 5, weeks_ago=6)
    measure(c, world.patient_a1, "gad7", 12, weeks_ago=1)
    measure(c, world.patient_a1, "phq9", 20, weeks_ago=30)  # before the enrolment: ignored
    trends = {m.instrument: m for m in inputs.gather(e).inp.measures}
    assert trends["phq9"].baseline == 18 and trends["phq9"].change is ReliableChange.IMPROVED
    assert trends["gad7"].change is ReliableChange.DETERIORATED


def test_attendance_is_read_from_delivery_else_reported_else_unknown(world: World) -> None:
    c = world.counselor_a1
    e = enrol(world)
    g = inputs.gather(e)
    assert "attendance" in g.unknown
    reason = inputs.recommend(g).reason("attendance")
    assert reason.stance is Stance.FOR_HOLD and "attendance_fraction=unknown" in reason.facts
    g = inputs.gather(e, attendance_reported=0.85)
    assert g.inp.attendance_fraction == 0.85 and g.facts["attendance_source"].startswith("reported")
    attendance(world.patient_a1, e, c, hours=[3, 3, 3, 3, 3, 0, 3, 1.5, 3, 3, 3, 3])
    g = inputs.gather(e, attendance_reported=0.1)
    assert g.facts["attendance_source"] == "delivery attendance records"
    assert g.inp.attendance_fraction == pytest.approx(31.5 / 36, abs=0.001)


def test_a_week_without_any_attendance_record_counts_as_missed(world: World) -> None:
    e = enrol(world)
    # Two weeks of full attendance, then two weeks with no record at all.
    attendance(world.patient_a1, e, world.counselor_a1, hours=[3, 3, 3, 3, 3, 3])
    g = inputs.gather(e, attendance_reported=0.95)
    assert g.facts["attendance_source"] == "delivery attendance records"
    assert g.inp.attendance_fraction == pytest.approx(18 / 36, abs=0.001)
    assert (g.facts["attendance_weeks_recorded"], g.facts["attendance_weeks_missed"]) == (2, 2)
    assert "attendance" not in g.unknown
    assert g.facts["look_back_weeks"] == 26


def test_every_input_known_and_favourable_gives_a_step_down(world: World) -> None:
    e = enrol(world, weeks_ago=10)
    ready_to_step_down(world, world.counselor_a1, e)
    g = inputs.gather(e, attendance_reported=0.9)
    rec = inputs.recommend(g)
    assert g.unknown == {} and rec.decision is Decision.STEP_DOWN
    assert rec.target_phase == "step-down" and rec.weekly_hours == 6.0
    assert {r.input for r in rec.reasons} >= {
        "phase",
        "weeks_without_use",
        "relapse",
        "plan",
        "community",
        "measures",
        "attendance",
        "safety",
        "age",
    }


def test_a_single_unknown_input_is_enough_to_hold(world: World) -> None:
    e = enrol(world, weeks_ago=10)
    ready_to_step_down(world, world.counselor_a1, e)
    rec = inputs.recommend(inputs.gather(e))  # attendance unknown
    assert rec.decision is Decision.HOLD


def test_weeks_without_use_are_not_a_criterion_in_a_mental_health_track(world: World) -> None:
    track = TrackFactory.create(program=world.program_a1, kind="mental_health", name="MH A1")
    e = enrol(world, track=track)
    g = inputs.gather(e)
    assert "weeks_without_use" not in g.unknown and "weeks_without_use" in g.not_applicable
    reason = inputs.recommend(g).reason("weeks_without_use")
    assert reason.stance is Stance.NEUTRAL and reason.text.startswith("Not applicable")


def test_a_programs_own_phases_are_used(world: World) -> None:
    e = enrol(world, hours=Decimal("10"))
    phases = inputs.phases_to_json(inputs.policy_for(e).phases)
    phases[2]["hours_per_week"] = 10.0
    TaperSettings.objects.create(
        program=world.program_a1,
        phases=phases,
        updated_by=world.director_a,
        updated_at=timezone.now(),
    )
    g = inputs.gather(e)
    assert g.inp.phase_id == "phase-3" and g.policy.phase("phase-3").hours_per_week == 10.0


def _program_windows(world: World, **windows: int) -> None:
    """Taper settings of program A1 with the default phases and the given windows."""
    from openiop.domain.tapering import TaperPolicy

    TaperSettings.objects.create(
        program=world.program_a1,
        phases=inputs.phases_to_json(TaperPolicy().phases),
        updated_by=world.director_a,
        updated_at=timezone.now(),
        **windows,
    )


def test_a_program_with_a_12_week_look_back_ignores_a_20_week_old_positive_screen(
    world: World,
) -> None:
    c = world.counselor_a1
    e = enrol(world, weeks_ago=30)
    support_profile_set(
        actor=c,
        patient=world.patient_a1,
        data={"last_use_reported_on": today() - timedelta(weeks=30)},
    )
    resulted_screen(c, world.patient_a1, days_ago=20 * 7, positive=("cocaine",))
    g = inputs.gather(e)  # the default 26 weeks read it
    assert g.facts["look_back_weeks"] == 26 and len(g.inp.screens) == 1
    facts = inputs.recommend(g).reason("weeks_without_use").facts
    assert "weeks_without_use=20" in facts
    _program_windows(world, lookback_weeks=12)
    g = inputs.gather(e)
    assert g.policy.lookback_weeks == 12 and g.facts["look_back_weeks"] == 12
    assert g.inp.screens == () and g.facts["drug_screens"] == 0
    facts = inputs.recommend(g).reason("weeks_without_use").facts
    assert "weeks_without_use=30" in facts
    assert not any(f.startswith("unexplained_positive_screen") for f in facts)


def test_a_short_look_back_still_reads_as_far_as_the_programs_longer_windows(
    world: World,
) -> None:
    e = enrol(world, weeks_ago=30)
    resulted_screen(world.counselor_a1, world.patient_a1, days_ago=20 * 7, positive=("cocaine",))
    _program_windows(world, lookback_weeks=12, min_weeks_without_use=24)
    g = inputs.gather(e)
    assert g.facts["look_back_weeks"] == 24 and len(g.inp.screens) == 1


def test_a_two_week_attendance_window_changes_the_rate(world: World) -> None:
    e = enrol(world)
    # One hour a session in the older two weeks, the full three in the last two.
    attendance(world.patient_a1, e, world.counselor_a1, hours=[1] * 6 + [3] * 6)
    g = inputs.gather(e)
    assert g.facts["attendance_window_weeks"] == 4
    assert g.inp.attendance_fraction == pytest.approx(24 / 36, abs=0.001)
    _program_windows(world, attendance_window_weeks=2)
    g = inputs.gather(e)
    assert g.facts["attendance_window_weeks"] == 2 and g.facts["attendance_weeks"] == 2
    assert g.inp.attendance_fraction == pytest.approx(1.0)
