"""The step-down phase: fewer hours for at most 2 weeks, relapse during it, continuing care."""

from openiop.domain.placement import LevelOfCare
from openiop.domain.tapering import (
    Decision,
    PlanProgress,
    RelapseEvent,
    RelapseSource,
    Stance,
)
from openiop.domain.tapering.tests.builders import taper

NOT_READY = PlanProgress(met=1, on_track=2, behind=1)


def test_phase_3_steps_down_to_the_six_hour_step_down_phase() -> None:
    rec = taper(phase_id="phase-3")
    assert rec.decision is Decision.STEP_DOWN
    assert (rec.target_phase, rec.weekly_hours, rec.days_per_week) == ("step-down", 6.0, 2)
    assert rec.target_level is LevelOfCare.INTENSIVE_OUTPATIENT
    assert "at most 2 weeks" in rec.reason("decision").text


def test_one_week_in_step_down_may_hold_there() -> None:
    rec = taper(phase_id="step-down", weeks_in_phase=1, plan=NOT_READY)
    assert rec.decision is Decision.HOLD
    assert (rec.target_phase, rec.weekly_hours) == ("step-down", 6.0)


def test_step_down_allowance_expires_after_two_weeks() -> None:
    rec = taper(phase_id="step-down", weeks_in_phase=2, plan=NOT_READY)
    assert rec.decision is Decision.STEP_UP
    assert (rec.target_phase, rec.weekly_hours) == ("phase-3", 9.0)
    allowance = next(r for r in rec.reasons if r.rule == "TP-PHASE-ALLOWANCE")
    assert allowance.input == "phase"
    assert allowance.stance is Stance.FOR_STEP_UP
    assert "max_weeks=2" in allowance.facts
    assert "one or two weeks" in allowance.source


def test_overdue_step_down_is_also_returned_to_a_regular_phase() -> None:
    rec = taper(phase_id="step-down", weeks_in_phase=5, plan=NOT_READY)
    assert (rec.decision, rec.target_phase) == (Decision.STEP_UP, "phase-3")


def test_ready_after_the_step_down_goes_to_continuing_care() -> None:
    rec = taper(phase_id="step-down", weeks_in_phase=2)
    assert rec.decision is Decision.STEP_DOWN
    assert rec.target_phase == "continuing-care"
    assert rec.target_level is LevelOfCare.OUTPATIENT
    assert rec.weekly_hours is None
    assert "TP-PHASE-ALLOWANCE" not in [r.rule for r in rec.reasons]


def test_relapse_during_step_down_returns_to_the_least_intensive_regular_phase() -> None:
    relapse = RelapseEvent(0, RelapseSource.POSITIVE_SCREEN, "opioids")
    rec = taper(phase_id="step-down", weeks_in_phase=1, relapses=(relapse,))
    assert rec.decision is Decision.STEP_UP
    assert (rec.target_phase, rec.weekly_hours) == ("phase-3", 9.0)
    assert "during the step-down phase" in rec.reason("relapse").text
    assert rec.reason("weeks_without_use").stance is Stance.FOR_HOLD


def test_relapse_before_the_step_down_began_is_not_called_during_it() -> None:
    relapse = RelapseEvent(3, RelapseSource.SELF_REPORT)
    rec = taper(phase_id="step-down", weeks_in_phase=1, relapses=(relapse,))
    assert "during the step-down" not in rec.reason("relapse").text
    assert rec.target_phase == "phase-3"


def test_two_relapses_during_step_down_go_to_phase_1() -> None:
    relapses = (
        RelapseEvent(0, RelapseSource.SELF_REPORT),
        RelapseEvent(1, RelapseSource.FAMILY_REPORT),
    )
    rec = taper(phase_id="step-down", weeks_in_phase=2, relapses=relapses)
    assert (rec.decision, rec.target_phase) == (Decision.STEP_UP, "phase-1")


def test_relapse_in_continuing_care_returns_to_a_regular_phase_not_the_step_down() -> None:
    relapse = RelapseEvent(0, RelapseSource.SELF_REPORT)
    rec = taper(phase_id="continuing-care", weeks_in_phase=6, relapses=(relapse,))
    assert (rec.decision, rec.target_phase, rec.weekly_hours) == (Decision.STEP_UP, "phase-3", 9.0)


def test_continuing_care_has_nothing_to_step_down_to() -> None:
    rec = taper(phase_id="continuing-care", weeks_in_phase=6)
    assert rec.decision is Decision.HOLD
    assert rec.reason("phase").stance is Stance.FOR_HOLD
