"""The program's criteria: who needs inpatient/residential care, who benefits from an IOP."""

import pytest

from openiop.domain.placement import Condition, Effect, LevelOfCare, PlacementPolicy
from openiop.domain.placement.tests.builders import place

IOP = {5: 2}
INPATIENT_FACTS = [
    "needs_full_time_supervision",
    "severe_addiction",
    "high_tolerance",
    "unsupportive_social_environment",
    "poor_living_conditions",
    "history_of_dangerous_or_impulsive_behaviour",
    "significant_comorbidities",
]


@pytest.mark.parametrize("fact", INPATIENT_FACTS)
def test_each_inpatient_criterion_alone_points_to_residential(fact: str) -> None:
    rec = place(IOP, {fact: True})
    assert rec.level is LevelOfCare.RESIDENTIAL
    reason = rec.reason("PL-CRIT-1")
    assert reason.facts == (f"{fact}=True",)
    assert "PL-CRIT-1" in rec.reason("PL-LEVEL").facts


def test_program_may_require_two_inpatient_criteria_for_residential() -> None:
    policy = PlacementPolicy(residential_min_inpatient_facts=2)
    one = place(IOP, {"high_tolerance": True}, policy=policy)
    two = place(IOP, {"high_tolerance": True, "poor_living_conditions": True}, policy=policy)
    assert one.level is LevelOfCare.PARTIAL_HOSPITALISATION
    assert two.level is LevelOfCare.RESIDENTIAL


def test_inpatient_criteria_never_lower_a_higher_dimension_level() -> None:
    rec = place({2: 4}, {"severe_addiction": True})
    assert rec.level is LevelOfCare.INPATIENT


@pytest.mark.parametrize(
    "fact",
    [
        "early_stage_of_treatment",
        "has_support_system",
        "must_work_or_attend_school",
        "cannot_afford_inpatient",
    ],
)
def test_iop_fit_facts_are_reported_but_do_not_raise_outpatient(fact: str) -> None:
    rec = place(criteria={fact: True})
    assert rec.level is LevelOfCare.OUTPATIENT
    assert rec.reason("PL-CRIT-2").effect is Effect.IOP_FIT
    assert f"{fact}=True" in rec.reason("PL-CRIT-2").facts


@pytest.mark.parametrize(
    ("criteria", "conditions", "fact"),
    [
        (
            {"transitioning_from_residential_or_hospital": True},
            (Condition.ALCOHOL,),
            "transitioning_from_residential_or_hospital=True",
        ),
        ({"history_of_relapse": True}, (Condition.ALCOHOL,), "history_of_relapse=True"),
        ({}, (Condition.ALCOHOL, Condition.MENTAL_HEALTH), "co_occurring=True"),
    ],
)
def test_iop_need_facts_raise_outpatient_to_iop(
    criteria: dict[str, bool], conditions: tuple[Condition, ...], fact: str
) -> None:
    rec = place(criteria=criteria, conditions=conditions)
    assert rec.level is LevelOfCare.INTENSIVE_OUTPATIENT
    assert fact in rec.reason("PL-CRIT-3").facts
    assert rec.reason("PL-LEVEL").facts == ("PL-CRIT-3",)


def test_program_may_turn_the_iop_need_raise_off() -> None:
    policy = PlacementPolicy(iop_need_facts_raise_outpatient=False)
    rec = place(criteria={"history_of_relapse": True}, policy=policy)
    assert rec.level is LevelOfCare.OUTPATIENT
    assert "PL-CRIT-3" not in rec.rules


def test_iop_need_raise_does_not_apply_when_a_higher_level_is_already_needed() -> None:
    rec = place({5: 3}, {"history_of_relapse": True})
    assert rec.level is LevelOfCare.PARTIAL_HOSPITALISATION
    assert "PL-CRIT-3" not in rec.rules


def test_every_reason_names_a_rule_facts_and_a_source() -> None:
    rec = place(
        {3: 3}, {"must_work_or_attend_school": True, "severe_addiction": True}, ciwa_ar_total=20
    )
    for reason in rec.reasons:
        assert reason.rule.startswith("PL-")
        assert reason.facts
        assert reason.text
        assert reason.source
