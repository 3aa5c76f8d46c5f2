"""Inputs together: the most intensive step-up wins, and every input is still cited."""

from openiop.domain.placement import LevelOfCare
from openiop.domain.tapering import (
    CommunitySupport,
    Decision,
    MeasureTrend,
    PlanProgress,
    RelapseEvent,
    RelapseSource,
    ReliableChange,
    SafetyFlag,
    Stance,
    TaperPolicy,
)
from openiop.domain.tapering.tests.builders import taper

R = RelapseSource.SELF_REPORT


def test_every_input_is_cited_whichever_way_it_argues() -> None:
    rec = taper(
        weeks_in_phase=1,
        plan=PlanProgress(0, 1, 2),
        attendance_fraction=0.3,
        relapses=(RelapseEvent(0, R),),
    )
    stances = {r.input: r.stance for r in rec.reasons}
    assert stances["phase"] is Stance.FOR_HOLD
    assert stances["plan"] is Stance.FOR_HOLD
    assert stances["attendance"] is Stance.FOR_HOLD
    assert stances["relapse"] is Stance.FOR_STEP_UP
    assert stances["community"] is Stance.FOR_STEP_DOWN
    assert stances["safety"] is Stance.FOR_STEP_DOWN
    for reason in rec.reasons:
        assert reason.rule.startswith("TP-")
        assert reason.facts and reason.text and reason.source


def test_one_input_against_is_enough_to_hold() -> None:
    rec = taper(community=CommunitySupport((0, 0, 0, 0), sponsor_or_mentor=True))
    assert rec.decision is Decision.HOLD
    against = [
        r.input for r in rec.reasons if r.stance is Stance.FOR_HOLD and r.input != "decision"
    ]
    assert against == ["community"]


def test_several_inputs_against_all_appear() -> None:
    rec = taper(attendance_fraction=0.6, plan=PlanProgress(1, 1, 1), measures=())
    against = {r.input for r in rec.reasons if r.stance is Stance.FOR_HOLD}
    assert {"attendance", "plan", "measures"} <= against
    assert rec.decision is Decision.HOLD


def test_step_up_beats_any_number_of_inputs_for_step_down() -> None:
    rec = taper(relapses=(RelapseEvent(1, R),))
    assert rec.decision is Decision.STEP_UP


def test_most_intensive_target_wins_between_relapse_and_suicide_risk() -> None:
    rec = taper(
        relapses=(RelapseEvent(1, R),),
        safety_flags=frozenset({SafetyFlag.SUICIDE_RISK_HIGH}),
    )
    assert rec.target_level is LevelOfCare.PARTIAL_HOSPITALISATION
    assert rec.reason("relapse").stance is Stance.FOR_STEP_UP


def test_single_relapse_in_phase_1_holds_and_opens_the_workflow() -> None:
    rec = taper(phase_id="phase-1", relapses=(RelapseEvent(0, R),))
    assert rec.decision is Decision.HOLD
    assert "relapse workflow" in rec.reason("relapse").text


def test_repeated_relapse_in_phase_1_steps_up_to_partial_hospitalisation() -> None:
    rec = taper(phase_id="phase-1", relapses=(RelapseEvent(0, R), RelapseEvent(2, R)))
    assert rec.decision is Decision.STEP_UP
    assert (rec.target_phase, rec.target_level, rec.weekly_hours, rec.days_per_week) == (
        "partial-hospitalisation",
        LevelOfCare.PARTIAL_HOSPITALISATION,
        20.0,
        5,
    )


def test_three_relapses_step_up_to_residential() -> None:
    relapses = tuple(RelapseEvent(w, R) for w in (0, 1, 3))
    rec = taper(phase_id="phase-3", relapses=relapses)
    assert rec.target_level is LevelOfCare.RESIDENTIAL
    assert rec.target_phase == "residential"


def test_relapse_in_an_unsafe_environment_steps_up_to_residential() -> None:
    rec = taper(
        relapses=(RelapseEvent(0, R),),
        safety_flags=frozenset({SafetyFlag.UNSAFE_ENVIRONMENT}),
    )
    assert rec.target_level is LevelOfCare.RESIDENTIAL
    assert "unsafe environment" in rec.reason("relapse").text


def test_program_relapse_counts_are_configurable() -> None:
    policy = TaperPolicy(relapses_for_partial_hospitalisation=3, relapses_for_residential=4)
    rec = taper(policy, phase_id="phase-1", relapses=(RelapseEvent(0, R), RelapseEvent(1, R)))
    assert rec.decision is Decision.HOLD


def test_deterioration_and_relapse_together_step_up_once() -> None:
    worse = (
        MeasureTrend("phq9", 8, 16, ReliableChange.DETERIORATED),
        MeasureTrend("gad7", 5, 12, ReliableChange.DETERIORATED),
    )
    rec = taper(phase_id="phase-3", measures=worse, relapses=(RelapseEvent(0, R),))
    assert (rec.decision, rec.target_phase) == (Decision.STEP_UP, "phase-2")


def test_several_safety_flags_each_get_a_reason() -> None:
    flags = frozenset({SafetyFlag.SUICIDAL_IDEATION, SafetyFlag.DANGEROUS_WITHDRAWAL})
    rec = taper(safety_flags=flags)
    rules = [r.rule for r in rec.reasons if r.input == "safety"]
    assert rules == ["TP-SAFETY-DANGEROUS-WITHDRAWAL", "TP-SAFETY-SUICIDAL-IDEATION"]
    assert rec.target_level is LevelOfCare.RESIDENTIAL
