"""C-SSRS screener: risk levels (most serious item wins), skip logic, urgent high-risk flag."""

from __future__ import annotations

import pytest

from openiop.domain.screening import InvalidAnswers, requires_urgent_safety_task, score

NEGATIVE = {"1": False, "2": False, "6": False}
THOUGHTS = {"1": True, "2": True, "3": False, "4": False, "5": False, "6": False}


@pytest.mark.parametrize(
    ("answers", "band", "flag"),
    [
        (NEGATIVE, "negative", None),
        (NEGATIVE | {"1": True}, "low", "cssrs_low_risk"),
        (THOUGHTS, "low", "cssrs_low_risk"),
        (THOUGHTS | {"1": False}, "low", "cssrs_low_risk"),
        (THOUGHTS | {"3": True}, "moderate", "cssrs_moderate_risk"),
        (THOUGHTS | {"4": True}, "high", "cssrs_high_risk"),
        (THOUGHTS | {"5": True}, "high", "cssrs_high_risk"),
        (NEGATIVE | {"6": True, "6b": True}, "high", "cssrs_high_risk"),
        (NEGATIVE | {"6": True, "6b": False}, "moderate", "cssrs_moderate_risk"),
        (THOUGHTS | {"3": True, "6": True, "6b": True}, "high", "cssrs_high_risk"),
        (NEGATIVE | {"1": True, "6": True, "6b": False}, "moderate", "cssrs_moderate_risk"),
    ],
)
def test_cssrs_risk_level(answers: dict[str, bool], band: str, flag: str | None) -> None:
    result = score("cssrs", answers)
    assert (result.total, result.band, result.subscores) == (None, band, {})
    assert result.flags == ((flag,) if flag else ())
    assert requires_urgent_safety_task(result) is (band == "high")


def test_cssrs_questions_3_to_5_are_skipped_when_2_is_no() -> None:
    assert score("cssrs", NEGATIVE | {"3": False, "4": None, "5": False}).band == "negative"


@pytest.mark.parametrize("item", ["3", "4", "5"])
def test_cssrs_refuses_yes_to_a_question_skipped_because_2_is_no(item: str) -> None:
    with pytest.raises(InvalidAnswers, match=f"item {item}: not asked") as caught:
        score("cssrs", NEGATIVE | {item: True})
    assert caught.value.items == (item,)


def test_cssrs_questions_3_to_5_are_required_when_2_is_yes() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("cssrs", {"1": False, "2": True, "6": False})
    assert caught.value.items == ("3", "4", "5")
    assert all(e.code == "missing" for e in caught.value.errors)


def test_cssrs_6b_is_required_when_6_is_yes() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("cssrs", NEGATIVE | {"6": True})
    assert caught.value.items == ("6b",)


def test_cssrs_6b_is_refused_as_yes_when_6_is_no() -> None:
    with pytest.raises(InvalidAnswers, match="item 6b: not asked"):
        score("cssrs", NEGATIVE | {"6b": True})


@pytest.mark.parametrize("item", ["1", "2", "6"])
def test_cssrs_always_asks_1_2_and_6(item: str) -> None:
    answers = dict(NEGATIVE)
    del answers[item]
    with pytest.raises(InvalidAnswers) as caught:
        score("cssrs", answers)
    assert caught.value.items == (item,)
