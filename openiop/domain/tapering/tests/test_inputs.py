"""One test (or boundary pair) per input, from a patient otherwise ready to step down."""

import pytest

from openiop.domain.placement import LevelOfCare
from openiop.domain.tapering import (
    CommunitySupport,
    Decision,
    DrugScreen,
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

IMPROVED, SAME, WORSE = (
    ReliableChange.IMPROVED,
    ReliableChange.NO_CHANGE,
    ReliableChange.DETERIORATED,
)


def test_ready_patient_steps_down_one_phase() -> None:
    rec = taper()
    assert rec.decision is Decision.STEP_DOWN
    assert (rec.target_phase, rec.weekly_hours, rec.days_per_week) == ("phase-3", 9.0, 3)
    assert rec.target_level is LevelOfCare.INTENSIVE_OUTPATIENT
    assert all(r.stance in (Stance.FOR_STEP_DOWN, Stance.NEUTRAL) for r in rec.reasons)


def test_phase_1_steps_down_to_phase_2() -> None:
    rec = taper(phase_id="phase-1")
    assert (rec.target_phase, rec.weekly_hours, rec.days_per_week) == ("phase-2", 12.0, 4)


# phase and weeks in it ------------------------------------------------------------------


@pytest.mark.parametrize(("weeks", "decision"), [(1, Decision.HOLD), (2, Decision.STEP_DOWN)])
def test_weeks_in_phase_boundary(weeks: int, decision: Decision) -> None:
    rec = taper(weeks_in_phase=weeks)
    assert rec.decision is decision
    assert f"weeks_in_phase={weeks}" in rec.reason("phase").facts


# weeks without use ----------------------------------------------------------------------


@pytest.mark.parametrize(("weeks", "decision"), [(3, Decision.HOLD), (4, Decision.STEP_DOWN)])
def test_self_reported_weeks_without_use_boundary(weeks: int, decision: Decision) -> None:
    rec = taper(self_reported_weeks_without_use=weeks)
    assert rec.decision is decision
    assert f"weeks_without_use={weeks}" in rec.reason("weeks_without_use").facts


def test_unexplained_positive_screen_overrides_a_longer_self_report() -> None:
    screens = (DrugScreen(0), DrugScreen(2, frozenset({"cocaine"})))
    rec = taper(screens=screens)
    assert rec.decision is Decision.HOLD
    use = rec.reason("weeks_without_use")
    assert use.stance is Stance.FOR_HOLD
    assert "weeks_without_use=2" in use.facts
    assert "unexplained_positive_screen_weeks_ago=2 (cocaine)" in use.facts


def test_prescribed_medication_on_a_screen_is_not_use() -> None:
    buprenorphine = DrugScreen(1, frozenset({"buprenorphine"}), frozenset({"buprenorphine"}))
    rec = taper(screens=(buprenorphine,))
    assert rec.decision is Decision.STEP_DOWN
    use = rec.reason("weeks_without_use")
    assert "prescribed_not_counted=buprenorphine" in use.facts
    assert "not counted as use" in use.text


def test_prescribed_class_does_not_hide_another_unprescribed_class() -> None:
    screen = DrugScreen(
        1, frozenset({"benzodiazepines", "opiates"}), frozenset({"benzodiazepines"})
    )
    rec = taper(screens=(screen,))
    assert rec.decision is Decision.HOLD
    assert (
        "unexplained_positive_screen_weeks_ago=1 (opiates)" in rec.reason("weeks_without_use").facts
    )


@pytest.mark.parametrize(("weeks_ago", "decision"), [(3, Decision.STEP_DOWN), (4, Decision.HOLD)])
def test_self_report_needs_a_negative_screen_within_the_window(
    weeks_ago: int, decision: Decision
) -> None:
    rec = taper(screens=(DrugScreen(weeks_ago),))
    assert rec.decision is decision


def test_no_screens_at_all_holds_unless_the_program_waives_verification() -> None:
    assert taper(screens=()).decision is Decision.HOLD
    waived = TaperPolicy(require_screen_verification=False)
    assert taper(waived, screens=()).decision is Decision.STEP_DOWN


# relapse ---------------------------------------------------------------------------------


def test_one_relapse_steps_up_one_phase_supportively() -> None:
    rec = taper(relapses=(RelapseEvent(1, RelapseSource.SELF_REPORT, "alcohol"),))
    assert rec.decision is Decision.STEP_UP
    assert (rec.target_phase, rec.weekly_hours) == ("phase-1", 15.0)
    relapse = rec.reason("relapse")
    assert relapse.stance is Stance.FOR_STEP_UP
    assert "not punishment" in relapse.text
    assert "relapse 1 weeks ago (self_report alcohol)" in relapse.facts


def test_relapse_outside_the_window_no_longer_argues_for_step_up() -> None:
    rec = taper(relapses=(RelapseEvent(4, RelapseSource.FAMILY_REPORT),))
    assert rec.reason("relapse").stance is Stance.FOR_STEP_DOWN
    assert "last_relapse_weeks_ago=4" in rec.reason("weeks_without_use").facts
    assert rec.decision is Decision.STEP_DOWN


def test_relapse_shortens_weeks_without_use() -> None:
    rec = taper(relapses=(RelapseEvent(2, RelapseSource.POSITIVE_SCREEN),))
    assert "weeks_without_use=2" in rec.reason("weeks_without_use").facts


# plan ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "decision", "words"),
    [
        (PlanProgress(2, 3, 0), Decision.STEP_DOWN, "none behind"),
        (PlanProgress(2, 2, 1), Decision.HOLD, "1 of 5 objectives behind"),
        (PlanProgress(0, 3, 0), Decision.HOLD, "fewer than 1 met"),
        (PlanProgress(0, 0, 0), Decision.HOLD, "no measurable objectives"),
    ],
)
def test_plan_progress(plan: PlanProgress, decision: Decision, words: str) -> None:
    rec = taper(plan=plan)
    assert rec.decision is decision
    assert words in rec.reason("plan").text


# community support -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("community", "decision", "words"),
    [
        (CommunitySupport((1, 1, 1, 1), sober_supports=2), Decision.STEP_DOWN, "steady or rising"),
        (
            CommunitySupport((1, 1, 1, 0), sponsor_or_mentor=True),
            Decision.HOLD,
            "fewer than 1 peer",
        ),
        (CommunitySupport((4, 4, 2, 3), sponsor_or_mentor=True), Decision.HOLD, "falling"),
        (CommunitySupport((2, 2, 2, 2), sober_supports=1), Decision.HOLD, "no sponsor or mentor"),
    ],
)
def test_reliance_on_community_support(
    community: CommunitySupport, decision: Decision, words: str
) -> None:
    rec = taper(community=community)
    assert rec.decision is decision
    assert words in rec.reason("community").text


def test_small_dip_in_meetings_is_within_tolerance() -> None:
    rec = taper(community=CommunitySupport((3, 3, 3, 2), sponsor_or_mentor=True))
    assert "trend=-0.5" in rec.reason("community").facts
    assert rec.decision is Decision.STEP_DOWN


def test_program_without_peer_meetings_relies_on_sober_supports() -> None:
    policy = TaperPolicy(require_peer_meetings=False)
    rec = taper(policy, community=CommunitySupport((), sober_supports=3))
    assert rec.decision is Decision.STEP_DOWN


# measures --------------------------------------------------------------------------------


def test_no_measures_holds_unless_the_program_does_not_require_them() -> None:
    assert taper(measures=()).decision is Decision.HOLD
    relaxed = TaperPolicy(require_measures=False)
    rec = taper(relaxed, measures=())
    assert rec.reason("measures").stance is Stance.NEUTRAL
    assert rec.decision is Decision.STEP_DOWN


def test_one_reliable_deterioration_holds() -> None:
    rec = taper(measures=(MeasureTrend("gad7", 6, 13, WORSE), MeasureTrend("phq9", 9, 8, SAME)))
    assert rec.decision is Decision.HOLD
    assert "gad7 6->13 (reliable_deterioration)" in rec.reason("measures").facts


def test_two_reliable_deteriorations_step_up_one_phase() -> None:
    worse = (MeasureTrend("gad7", 6, 13, WORSE), MeasureTrend("phq9", 8, 15, WORSE))
    rec = taper(measures=worse)
    assert rec.decision is Decision.STEP_UP
    assert rec.target_phase == "phase-1"


def test_two_deteriorations_in_phase_1_hold_for_review() -> None:
    worse = (MeasureTrend("gad7", 6, 13, WORSE), MeasureTrend("phq9", 8, 15, WORSE))
    rec = taper(phase_id="phase-1", measures=worse)
    assert rec.decision is Decision.HOLD
    assert "most intensive IOP phase" in rec.reason("measures").text


def test_program_may_require_reliable_improvement() -> None:
    policy = TaperPolicy(measures_require_improvement=True)
    assert taper(policy, measures=(MeasureTrend("phq9", 9, 8, SAME),)).decision is Decision.HOLD
    assert taper(policy).decision is Decision.STEP_DOWN


# attendance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "decision", "words"),
    [
        (1.0, Decision.STEP_DOWN, "100%"),
        (0.8, Decision.STEP_DOWN, "80%"),
        (0.79, Decision.HOLD, "below 80%"),
        (0.49, Decision.HOLD, "review engagement"),
    ],
)
def test_attendance_boundaries(fraction: float, decision: Decision, words: str) -> None:
    rec = taper(attendance_fraction=fraction)
    assert rec.decision is decision
    assert words in rec.reason("attendance").text


# safety ----------------------------------------------------------------------------------


def test_high_suicide_risk_steps_up_to_partial_hospitalisation_with_crisis_evaluation() -> None:
    rec = taper(safety_flags=frozenset({SafetyFlag.SUICIDE_RISK_HIGH}))
    assert rec.decision is Decision.STEP_UP
    assert rec.target_level is LevelOfCare.PARTIAL_HOSPITALISATION
    assert rec.weekly_hours == 20.0
    assert rec.crisis_evaluation
    assert "988" in rec.reason("safety").text


def test_dangerous_withdrawal_steps_up_to_residential_with_withdrawal_management() -> None:
    rec = taper(safety_flags=frozenset({SafetyFlag.DANGEROUS_WITHDRAWAL}))
    assert rec.decision is Decision.STEP_UP
    assert rec.target_level is LevelOfCare.RESIDENTIAL
    assert rec.weekly_hours is None
    assert rec.withdrawal_management_first


@pytest.mark.parametrize(
    "flag", [SafetyFlag.SUICIDAL_IDEATION, SafetyFlag.UNSAFE_ENVIRONMENT, SafetyFlag.OTHER]
)
def test_other_safety_flags_hold_for_review(flag: SafetyFlag) -> None:
    rec = taper(safety_flags=frozenset({flag}))
    assert rec.decision is Decision.HOLD
    assert rec.reason("safety").facts == (f"safety_flag={flag}",)


def test_program_may_send_high_suicide_risk_to_residential() -> None:
    policy = TaperPolicy(suicide_risk_high_level=LevelOfCare.RESIDENTIAL)
    rec = taper(policy, safety_flags=frozenset({SafetyFlag.SUICIDE_RISK_HIGH}))
    assert rec.target_level is LevelOfCare.RESIDENTIAL
