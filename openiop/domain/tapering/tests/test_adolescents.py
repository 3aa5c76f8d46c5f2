"""Adolescents: at least 6 hours a week in any IOP phase (ASAM 2.1 adolescents 6-19)."""

from dataclasses import replace

from openiop.domain.tapering import Decision, PlanProgress, TaperPolicy
from openiop.domain.tapering.policy import default_phases
from openiop.domain.tapering.tests.builders import taper

NOT_READY = PlanProgress(met=1, on_track=2, behind=1)


def _three_hour_step_down() -> TaperPolicy:
    phases = tuple(
        replace(p, hours_per_week=3.0, days_per_week=1) if p.id == "step-down" else p
        for p in default_phases()
    )
    return TaperPolicy(phases=phases)


def test_adolescent_steps_down_to_six_hours() -> None:
    rec = taper(age=16, phase_id="phase-3")
    assert (rec.decision, rec.target_phase, rec.weekly_hours) == (
        Decision.STEP_DOWN,
        "step-down",
        6.0,
    )
    assert "Adolescent: IOP minimum 6" in rec.reason("age").text


def test_adolescent_never_goes_below_six_hours_even_if_the_phase_is_shorter() -> None:
    policy = _three_hour_step_down()
    teen = taper(policy, age=15, phase_id="phase-3")
    adult = taper(policy, age=40, phase_id="phase-3")
    assert teen.weekly_hours == 6.0
    assert adult.weekly_hours == 3.0
    raised = next(r for r in teen.reasons if r.rule == "TP-AGE-MINIMUM")
    assert raised.input == "age"
    assert "adolescent minimum of 6" in raised.text


def test_adolescent_at_six_hours_has_no_two_week_limit() -> None:
    rec = taper(age=16, phase_id="step-down", weeks_in_phase=4, plan=NOT_READY)
    assert rec.decision is Decision.HOLD
    assert rec.weekly_hours == 6.0


def test_adult_at_six_hours_has_the_two_week_limit() -> None:
    rec = taper(age=18, phase_id="step-down", weeks_in_phase=4, plan=NOT_READY)
    assert (rec.decision, rec.target_phase) == (Decision.STEP_UP, "phase-3")


def test_adolescent_below_six_hours_in_step_down_is_raised_not_expired() -> None:
    rec = taper(
        _three_hour_step_down(), age=14, phase_id="step-down", weeks_in_phase=3, plan=NOT_READY
    )
    assert rec.decision is Decision.HOLD
    assert rec.weekly_hours == 6.0


def test_program_adult_age_applies() -> None:
    rec = taper(TaperPolicy(adult_age=21), age=19, phase_id="phase-3")
    assert "Adolescent" in rec.reason("age").text
