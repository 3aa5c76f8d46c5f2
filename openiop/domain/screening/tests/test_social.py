"""AHC HRSN core questions (CMS): each domain's positive rule at its boundary, the safety sum,
refusals of missing and wrongly typed answers, and the verified LOINC codes."""

from __future__ import annotations

import pytest

from openiop.domain.screening import (
    INSTRUMENTS,
    URGENT_FLAGS,
    InvalidAnswers,
    is_valid_loinc,
    questionnaire_response,
    requires_urgent_safety_task,
    score,
)
from openiop.domain.screening.rules import AnswerValue
from openiop.domain.screening.social import AHC_HRSN, PROBLEM_KEYS, SAFETY_KEYS

ALL_FLAGS = (
    "hrsn_housing_instability",
    "hrsn_housing_quality",
    "hrsn_food",
    "hrsn_transportation",
    "hrsn_utilities",
    "hrsn_interpersonal_safety",
)


def negative(**changes: AnswerValue) -> dict[str, AnswerValue]:
    """An all-negative screen (safety sum 4), with `changes` applied (`k2a=True` sets "2a")."""
    answers: dict[str, AnswerValue] = {
        "1": 0,
        **dict.fromkeys(PROBLEM_KEYS, False),
        "3": 0,
        "4": 0,
        "5": False,
        "6": 0,
        **dict.fromkeys(SAFETY_KEYS, 1),
    }
    answers.update({key.removeprefix("k"): value for key, value in changes.items()})
    return answers


def test_an_all_negative_screen_has_no_flag_and_a_negative_safety_band() -> None:
    result = score("ahc_hrsn", negative())
    assert result.to_dict() == {
        "instrument": "ahc_hrsn",
        "total": 4,
        "band": "negative",
        "subscores": {},
        "flags": [],
        "complete": True,
    }


@pytest.mark.parametrize(
    ("value", "flagged"),
    [(0, False), (1, True), (2, True)],
    ids=["steady", "worried-about-losing-it", "no-steady-place"],
)
def test_living_situation_options_2_and_3_are_positive(value: int, flagged: bool) -> None:
    result = score("ahc_hrsn", negative(k1=value))
    assert result.flags == (("hrsn_housing_instability",) if flagged else ())


@pytest.mark.parametrize("key", PROBLEM_KEYS)
def test_each_housing_problem_alone_is_positive(key: str) -> None:
    result = score("ahc_hrsn", negative(**{f"k{key}": True}))
    assert result.flags == ("hrsn_housing_quality",)


def test_none_of_the_above_is_all_problems_false_and_several_problems_flag_once() -> None:
    assert score("ahc_hrsn", negative()).flags == ()
    several = negative(k2a=True, k2b=True, k2g=True)
    assert score("ahc_hrsn", several).flags == ("hrsn_housing_quality",)


@pytest.mark.parametrize("key", ["3", "4"])
@pytest.mark.parametrize(
    ("value", "flagged"),
    [(0, False), (1, True), (2, True)],
    ids=["never-true", "sometimes-true", "often-true"],
)
def test_food_often_or_sometimes_true_on_either_question_is_positive(
    key: str, value: int, flagged: bool
) -> None:
    result = score("ahc_hrsn", negative(**{f"k{key}": value}))
    assert result.flags == (("hrsn_food",) if flagged else ())


@pytest.mark.parametrize(("value", "flagged"), [(False, False), (True, True)])
def test_transportation_yes_is_positive(value: bool, flagged: bool) -> None:
    result = score("ahc_hrsn", negative(k5=value))
    assert result.flags == (("hrsn_transportation",) if flagged else ())


@pytest.mark.parametrize(
    ("value", "flagged"),
    [(0, False), (1, True), (2, True)],
    ids=["no", "yes-threatened", "already-shut-off"],
)
def test_utilities_yes_or_already_shut_off_is_positive(value: int, flagged: bool) -> None:
    result = score("ahc_hrsn", negative(k6=value))
    assert result.flags == (("hrsn_utilities",) if flagged else ())


@pytest.mark.parametrize(
    ("safety", "total", "band"),
    [
        ((1, 1, 1, 1), 4, "negative"),
        ((3, 3, 3, 1), 10, "negative"),
        ((1, 1, 3, 5), 10, "negative"),
        ((4, 2, 2, 2), 10, "negative"),
        ((5, 3, 1, 1), 10, "negative"),
        ((3, 3, 3, 2), 11, "positive"),
        ((5, 1, 4, 1), 11, "positive"),
        ((1, 5, 1, 4), 11, "positive"),
        ((2, 3, 3, 3), 11, "positive"),
        ((5, 5, 5, 5), 20, "positive"),
    ],
)
def test_safety_sum_above_10_is_positive(safety: tuple[int, ...], total: int, band: str) -> None:
    answers = negative(**{f"k{key}": value for key, value in zip(SAFETY_KEYS, safety, strict=True)})
    result = score("ahc_hrsn", answers)
    assert (result.total, result.band) == (total, band)
    assert result.flags == (("hrsn_interpersonal_safety",) if band == "positive" else ())


def test_a_single_frequent_answer_alone_does_not_reach_the_published_cut_off() -> None:
    # "Frequently" physically hurt, others "Never": sum 8. The CMS rule is the sum only; the
    # answer is visible to the clinician, the engine does not invent a single-item rule.
    result = score("ahc_hrsn", negative(k7=5))
    assert (result.total, result.band, result.flags) == (8, "negative", ())


def test_every_domain_positive_raises_every_flag_in_order_and_none_is_urgent() -> None:
    answers = negative(k1=2, k2d=True, k3=2, k4=1, k5=True, k6=2, k7=5, k8=5, k9=1, k10=1)
    result = score("ahc_hrsn", answers)
    assert result.flags == ALL_FLAGS
    assert not requires_urgent_safety_task(result)
    assert not set(ALL_FLAGS) & URGENT_FLAGS
    assert all(not flag.urgent and flag.source for flag in AHC_HRSN.flags)


@pytest.mark.parametrize("key", ["1", "2c", "3", "5", "6", "9"])
def test_a_missing_answer_is_refused_not_scored_as_zero(key: str) -> None:
    answers = negative()
    del answers[key]
    with pytest.raises(InvalidAnswers) as caught:
        score("ahc_hrsn", answers)
    assert [(e.item, e.code) for e in caught.value.errors] == [(key, "missing")]


def test_a_null_housing_problem_is_missing_not_none_of_the_above() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("ahc_hrsn", {**negative(), "2f": None})
    assert caught.value.items == ("2f",)


def test_partial_mode_proves_only_what_the_answers_show() -> None:
    answers = negative(k5=True)
    del answers["8"]
    result = score("ahc_hrsn", answers, allow_incomplete=True)
    assert (result.complete, result.total, result.band) == (False, None, None)
    assert result.flags == ("hrsn_transportation",)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("1", True, "wrong_type"),
        ("1", "1", "wrong_type"),
        ("1", 1.0, "wrong_type"),
        ("1", 3, "out_of_range"),
        ("2a", 1, "wrong_type"),
        ("2a", "yes", "wrong_type"),
        ("3", -1, "out_of_range"),
        ("5", 1, "wrong_type"),
        ("6", 3, "out_of_range"),
        ("7", 0, "out_of_range"),
        ("7", 6, "out_of_range"),
        ("10", False, "wrong_type"),
    ],
)
def test_wrong_types_and_values_are_refused(key: str, value: object, code: str) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("ahc_hrsn", {**negative(), key: value})
    assert [(e.item, e.code) for e in caught.value.errors] == [(key, code)]


def test_an_unknown_key_such_as_a_none_of_the_above_box_is_refused() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("ahc_hrsn", {**negative(), "2h": True})
    assert [(e.item, e.code) for e in caught.value.errors] == [("2h", "unknown_item")]


def test_keys_are_the_tool_numbers_with_housing_problems_as_sub_items() -> None:
    assert AHC_HRSN.keys == (
        "1", "2a", "2b", "2c", "2d", "2e", "2f", "2g", "3", "4", "5", "6", "7", "8", "9", "10",
    )  # fmt: skip
    assert INSTRUMENTS["ahc_hrsn"] is AHC_HRSN
    assert AHC_HRSN.total_items == ("7", "8", "9", "10")
    assert AHC_HRSN.total_range == (4, 20)


def test_loinc_codes_are_the_verified_ones_and_pass_the_check_digit() -> None:
    assert (AHC_HRSN.loinc_panel, AHC_HRSN.loinc_total) == ("96777-8", "95614-4")
    by_key = {item.key: item.loinc for item in AHC_HRSN.items}
    assert by_key == {
        "1": "71802-3",
        **dict.fromkeys(PROBLEM_KEYS),
        "3": "88122-7",
        "4": "88123-5",
        "5": "93030-5",
        "6": "96779-4",
        "7": "95618-5",
        "8": "95617-7",
        "9": "95616-9",
        "10": "95615-1",
    }
    codes = [AHC_HRSN.loinc_panel, AHC_HRSN.loinc_total, *(c for c in by_key.values() if c)]
    assert all(code is not None and is_valid_loinc(code) for code in codes)
    answer_codes = [o.loinc for item in AHC_HRSN.items for o in item.options if o.loinc]
    assert all(code.startswith("LA") for code in answer_codes)
    problem_codes = [AHC_HRSN.item(k).options[0].loinc for k in PROBLEM_KEYS]
    assert problem_codes == [
        "LA31996-4", "LA28580-1", "LA31997-2", "LA31998-0", "LA31999-8", "LA32000-4", "LA32001-2",
    ]  # fmt: skip


def test_answers_round_trip_through_the_questionnaire_response_record() -> None:
    result = score("ahc_hrsn", negative(k2b=True, k6=2))
    entries = questionnaire_response(result)["item"]
    assert isinstance(entries, list)
    assert [entry["linkId"] for entry in entries] == list(AHC_HRSN.keys)
