"""Withdrawal management first: CIWA-Ar, COWS, complicated-withdrawal history, D1, criteria."""

from typing import Any

import pytest

from openiop.domain.placement import Condition, Effect, LevelOfCare, PlacementPolicy
from openiop.domain.placement.tests.builders import place

ALCOHOL = (Condition.ALCOHOL,)
IOP = {5: 2}


def test_no_ciwa_score_means_no_ciwa_rule() -> None:
    rec = place(IOP, conditions=ALCOHOL)
    assert not rec.withdrawal_management_first
    assert not [r for r in rec.rules if r.startswith("PL-WM")]


@pytest.mark.parametrize(
    ("total", "first"), [(15, False), (16, False), (18, False), (19, True), (67, True)]
)
def test_ciwa_ar_severe_band_means_withdrawal_management_first(total: int, first: bool) -> None:
    """The scorer's bands (ASAM 2020 Table 1): 16-18 is moderate there and here."""
    rec = place(IOP, conditions=ALCOHOL, ciwa_ar_total=total)
    assert rec.withdrawal_management_first is first
    assert ("PL-WM-1" in rec.rules) is first
    assert rec.level is LevelOfCare.INTENSIVE_OUTPATIENT


@pytest.mark.parametrize("total", range(0, 68))
def test_placement_and_scoring_agree_on_every_ciwa_ar_total(total: int) -> None:
    from openiop.domain.screening import score
    from openiop.domain.screening.tests.support import answers_for_total

    scored = score("ciwa-ar", answers_for_total("ciwa-ar", total))
    rec = place(IOP, conditions=ALCOHOL, ciwa_ar_total=total)
    assert ("alcohol_withdrawal_risk" in scored.flags) is rec.withdrawal_management_first
    assert (scored.band == "severe") is ("PL-WM-1" in rec.rules)
    assert (scored.band == "moderate") is ("PL-WM-4" in rec.rules)


def test_ciwa_reason_names_score_and_band() -> None:
    reason = place(IOP, conditions=ALCOHOL, ciwa_ar_total=20).reason("PL-WM-1")
    assert reason.facts == ("ciwa_ar_total=20", "ciwa_ar_band=severe")
    assert "severe alcohol withdrawal" in reason.text
    assert "ASAM" in reason.source and "Table 1" in reason.source


@pytest.mark.parametrize(
    ("total", "rule"), [(9, None), (10, "PL-WM-4"), (15, "PL-WM-4"), (18, "PL-WM-4")]
)
def test_moderate_ciwa_without_complications_allows_ambulatory_withdrawal_management(
    total: int, rule: str | None
) -> None:
    rec = place(IOP, conditions=ALCOHOL, ciwa_ar_total=total)
    assert not rec.withdrawal_management_first
    if rule is None:
        assert "PL-WM-4" not in rec.rules
    else:
        assert rec.reason(rule).effect is Effect.INFO


@pytest.mark.parametrize(
    ("criteria", "screening", "fact"),
    [
        ({}, {"currently_intoxicated": True}, "currently_intoxicated=True"),
        ({"significant_comorbidities": True}, {}, "significant_comorbidities=True"),
        (
            {"unable_to_attend_ambulatory_visits": True},
            {},
            "unable_to_attend_ambulatory_visits=True",
        ),
    ],
)
def test_moderate_ciwa_with_a_complicating_factor_means_withdrawal_management_first(
    criteria: dict[str, bool], screening: dict[str, Any], fact: str
) -> None:
    rec = place(IOP, criteria, ALCOHOL, ciwa_ar_total=10, **screening)
    assert rec.withdrawal_management_first
    assert fact in rec.reason("PL-WM-3").facts


def test_complicating_factor_with_mild_ciwa_is_not_a_withdrawal_rule() -> None:
    rec = place(IOP, conditions=ALCOHOL, ciwa_ar_total=9, currently_intoxicated=True)
    assert not rec.withdrawal_management_first


@pytest.mark.parametrize("history", ["withdrawal_seizure_history", "withdrawal_delirium_history"])
def test_history_of_complicated_withdrawal_means_withdrawal_management_first(history: str) -> None:
    flags: dict[str, Any] = {history: True}
    rec = place(IOP, conditions=ALCOHOL, ciwa_ar_total=3, **flags)
    assert rec.withdrawal_management_first
    assert rec.reason("PL-WM-2").facts == (f"{history}=True",)
    words = "withdrawal seizures" if "seizure" in history else "withdrawal delirium"
    assert f"History of {words}" in rec.reason("PL-WM-2").text


@pytest.mark.parametrize(
    ("total", "band"), [(5, "mild"), (13, "moderate"), (25, "moderately severe"), (37, "severe")]
)
def test_cows_threshold_is_a_published_band_and_the_reason_names_it(total: int, band: str) -> None:
    policy = PlacementPolicy(cows_withdrawal_management_min=total)
    assert not place(IOP, cows_total=total - 1, policy=policy).withdrawal_management_first
    reason = place(IOP, cows_total=total, policy=policy).reason("PL-WM-5")
    assert f"from the {band} (" in reason.text


@pytest.mark.parametrize(("total", "first"), [(24, False), (25, True)])
def test_cows_threshold_boundary(total: int, first: bool) -> None:
    assert place(IOP, cows_total=total).withdrawal_management_first is first


def test_cows_rule_can_be_switched_off() -> None:
    policy = PlacementPolicy(cows_withdrawal_management_min=None)
    assert not place(IOP, cows_total=40, policy=policy).withdrawal_management_first


def test_dangerous_withdrawal_criterion_means_withdrawal_first_not_residential() -> None:
    rec = place(IOP, {"dangerous_withdrawal_symptoms": True})
    assert rec.withdrawal_management_first
    assert rec.level is LevelOfCare.INTENSIVE_OUTPATIENT
    assert "PL-WM-6" in rec.rules


@pytest.mark.parametrize(("rating", "first"), [(2, False), (3, True), (4, True)])
def test_dimension_1_rating_boundary(rating: int, first: bool) -> None:
    rec = place({1: rating})
    assert rec.withdrawal_management_first is first
    assert ("PL-WM-7" in rec.rules) is first


def test_dimension_1_threshold_is_policy() -> None:
    policy = PlacementPolicy(d1_withdrawal_management_min_rating=4)
    assert not place({1: 3}, policy=policy).withdrawal_management_first
    assert place({1: 4}, policy=policy).withdrawal_management_first


def test_level_reason_says_the_level_comes_after_withdrawal_management() -> None:
    rec = place(IOP, conditions=ALCOHOL, ciwa_ar_total=22)
    assert rec.reason("PL-LEVEL").text.startswith("After withdrawal management, level 2.1")
