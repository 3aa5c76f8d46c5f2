"""Conflicting signals are resolved explicitly, and both sides are explained."""

from openiop.domain.placement import Condition, CssrsRisk, Effect, LevelOfCare
from openiop.domain.placement.tests.builders import place

IOP = {5: 2}


def test_must_keep_working_but_dangerous_withdrawal_means_withdrawal_first_then_iop() -> None:
    rec = place(
        IOP,
        {"must_work_or_attend_school": True, "has_support_system": True},
        (Condition.ALCOHOL,),
        ciwa_ar_total=21,
    )
    assert rec.withdrawal_management_first
    assert rec.level is LevelOfCare.INTENSIVE_OUTPATIENT
    # both sides are reasons in their own right ...
    assert "must_work_or_attend_school=True" in rec.reason("PL-CRIT-2").facts
    assert rec.reason("PL-WM-1").effect is Effect.WITHDRAWAL_MANAGEMENT
    # ... and the conflict says how it was resolved
    conflict = rec.reason("PL-CONFLICT-WM")
    assert conflict in rec.conflicts
    assert conflict.facts == ("must_work_or_attend_school=True", "PL-WM-1")
    assert "withdrawal management first, then level 2.1" in conflict.text


def test_must_work_with_seizure_history_and_dangerous_symptoms_lists_every_withdrawal_rule() -> (
    None
):
    rec = place(
        IOP,
        {"must_work_or_attend_school": True, "dangerous_withdrawal_symptoms": True},
        withdrawal_seizure_history=True,
    )
    assert rec.reason("PL-CONFLICT-WM").facts == (
        "must_work_or_attend_school=True",
        "PL-WM-2",
        "PL-WM-6",
    )


def test_no_conflict_when_work_and_withdrawal_do_not_collide() -> None:
    rec = place(IOP, {"must_work_or_attend_school": True}, ciwa_ar_total=12)
    assert rec.conflicts == ()
    assert not rec.withdrawal_management_first


def test_must_work_but_severe_addiction_recommends_residential_and_explains() -> None:
    rec = place(IOP, {"must_work_or_attend_school": True, "severe_addiction": True})
    assert rec.level is LevelOfCare.RESIDENTIAL
    conflict = rec.reason("PL-CONFLICT-FIT")
    assert "must_work_or_attend_school=True" in conflict.facts
    assert "PL-CRIT-1" in conflict.facts
    assert "leave of absence" in conflict.text


def test_transition_from_residential_with_severe_emotional_needs_is_a_conflict() -> None:
    rec = place({3: 3}, {"transitioning_from_residential_or_hospital": True})
    assert rec.level is LevelOfCare.RESIDENTIAL
    conflict = rec.reason("PL-CONFLICT-FIT")
    assert conflict.facts == ("transitioning_from_residential_or_hospital=True", "PL-DIM-3")


def test_cannot_afford_inpatient_with_partial_hospitalisation_need() -> None:
    rec = place({6: 3}, {"cannot_afford_inpatient": True})
    assert rec.level is LevelOfCare.PARTIAL_HOSPITALISATION
    assert "cannot_afford_inpatient=True" in rec.reason("PL-CONFLICT-FIT").facts


def test_support_system_and_unsupportive_environment_contradict() -> None:
    rec = place({6: 3}, {"has_support_system": True, "unsupportive_social_environment": True})
    assert rec.level is LevelOfCare.RESIDENTIAL
    assert "unsupportive environment counts" in rec.reason("PL-CONFLICT-SUPPORT").text


def test_co_occurring_disorder_with_significant_comorbidity() -> None:
    rec = place(
        {3: 2},
        {"significant_comorbidities": True},
        (Condition.SUBSTANCE_USE, Condition.MENTAL_HEALTH),
    )
    assert rec.level is LevelOfCare.RESIDENTIAL
    assert rec.reason("PL-CONFLICT-COMORBID").facts == (
        "co_occurring=True",
        "significant_comorbidities=True",
    )


def test_criteria_above_the_dimension_ratings_ask_to_check_the_ratings() -> None:
    rec = place(IOP, {"poor_living_conditions": True})
    conflict = rec.reason("PL-CONFLICT-DIMENSIONS")
    assert "dimensions fit level 2.1" in conflict.facts
    assert "dimension 6" in conflict.text


def test_criteria_matching_the_ratings_are_no_conflict() -> None:
    rec = place({6: 4}, {"poor_living_conditions": True})
    assert "PL-CONFLICT-DIMENSIONS" not in rec.rules


def test_everything_pointing_to_iop_has_no_conflict() -> None:
    rec = place(
        {5: 2, 6: 2},
        {
            "has_support_system": True,
            "must_work_or_attend_school": True,
            "history_of_relapse": True,
        },
    )
    assert rec.level is LevelOfCare.INTENSIVE_OUTPATIENT
    assert rec.conflicts == ()


def test_crisis_with_wish_to_keep_working_keeps_both_signals() -> None:
    rec = place(IOP, {"must_work_or_attend_school": True}, cssrs_risk=CssrsRisk.HIGH)
    assert rec.crisis_evaluation
    assert rec.level is LevelOfCare.INTENSIVE_OUTPATIENT
    assert "PL-CRIT-2" in rec.rules
