"""DAST-10 (reversed item 3, bands, flags) and CRAFFT 2.1 (routing, part B score, CAR, ages)."""

from __future__ import annotations

import pytest

from openiop.domain.screening import InvalidAnswers, applicable, score
from openiop.domain.screening.tests.support import answers_for_total

ALL_NO = {str(n): False for n in range(1, 11)}


def test_dast10_all_no_scores_1_because_item_3_is_reversed() -> None:
    result = score("dast10", ALL_NO)
    assert (result.total, result.band) == (1, "low")


def test_dast10_all_yes_scores_9() -> None:
    result = score("dast10", {str(n): True for n in range(1, 11)})
    assert (result.total, result.band) == (9, "severe")


def test_dast10_zero_needs_yes_to_item_3() -> None:
    result = score("dast10", ALL_NO | {"3": True})
    assert (result.total, result.band, result.flags) == (0, "none", ())


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (1, "low"),
        (2, "low"),
        (3, "moderate"),
        (5, "moderate"),
        (6, "substantial"),
        (8, "substantial"),
        (9, "severe"),
        (10, "severe"),
    ],
)
def test_dast10_band_boundaries(total: int, band: str) -> None:
    result = score("dast10", answers_for_total("dast10", total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("total", "further", "intensive"),
    [(2, False, False), (3, True, False), (5, True, False), (6, True, True)],
)
def test_dast10_flags(total: int, further: bool, intensive: bool) -> None:
    flags = score("dast10", answers_for_total("dast10", total)).flags
    assert ("dast10_further_assessment" in flags) is further
    assert ("dast10_intensive_assessment" in flags) is intensive


@pytest.mark.parametrize("value", [1, 0, "yes", None])
def test_dast10_yes_no_items_take_only_true_or_false(value: object) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("dast10", ALL_NO | {"5": value})
    assert caught.value.items == ("5",)


NO_USE = {"a1": 0, "a2": 0, "a3": 0}
USE = {"a1": 0, "a2": 3, "a3": 0}
PART_B_NO = {f"b{n}": False for n in range(1, 7)}


@pytest.mark.parametrize("car", [True, False])
def test_crafft_no_use_asks_only_the_car_question(car: bool) -> None:
    result = score("crafft", NO_USE | {"b1": car})
    assert (result.total, result.band, result.complete) == (int(car), "negative", True)
    assert ("crafft_car_positive" in result.flags) is car
    assert "crafft_positive" not in result.flags


def test_crafft_no_use_accepts_unasked_questions_answered_no() -> None:
    assert score("crafft", NO_USE | PART_B_NO).total == 0


def test_crafft_no_use_refuses_a_yes_to_an_unasked_question() -> None:
    with pytest.raises(InvalidAnswers, match="item b3: not asked") as caught:
        score("crafft", NO_USE | PART_B_NO | {"b3": True, "b5": True})
    assert caught.value.items == ("b3", "b5")
    assert {e.code for e in caught.value.errors} == {"not_asked"}


def test_crafft_no_use_still_requires_the_car_question() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("crafft", NO_USE)
    assert caught.value.items == ("b1",)


@pytest.mark.parametrize("used", ["a1", "a2", "a3"])
def test_crafft_any_use_asks_all_six_part_b_questions(used: str) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("crafft", NO_USE | {used: 1, "b1": False})
    assert caught.value.items == ("b2", "b3", "b4", "b5", "b6")


@pytest.mark.parametrize(
    ("yes", "band", "positive"),
    [(0, "negative", False), (1, "negative", False), (2, "positive", True), (6, "positive", True)],
)
def test_crafft_part_b_score_and_cut_off(yes: int, band: str, positive: bool) -> None:
    answers = USE | {f"b{n}": n <= yes for n in range(1, 7)}
    result = score("crafft", answers)
    assert (result.total, result.band) == (yes, band)
    assert ("crafft_positive" in result.flags) is positive


@pytest.mark.parametrize("days", [0, 1, 365])
def test_crafft_part_a_accepts_0_to_365_days(days: int) -> None:
    assert score("crafft", USE | PART_B_NO | {"a1": days}).complete


@pytest.mark.parametrize(
    ("days", "code"),
    [(-1, "out_of_range"), (366, "out_of_range"), (True, "wrong_type"), (2.5, "wrong_type")],
)
def test_crafft_part_a_refuses_bad_day_counts(days: object, code: str) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("crafft", USE | PART_B_NO | {"a3": days})
    assert caught.value.items == ("a3",)
    assert caught.value.errors[0].code == code


@pytest.mark.parametrize(
    ("age", "offered"), [(11, False), (12, True), (17, True), (21, True), (22, False)]
)
def test_crafft_is_offered_from_12_to_21(age: int, offered: bool) -> None:
    assert applicable("crafft", age) is offered


def test_instruments_without_an_age_range_are_applicable_at_any_age() -> None:
    assert applicable("phq9", 15) and applicable("audit", 70)


@pytest.mark.parametrize("age", [-1, True, 12.5])
def test_applicable_refuses_a_bad_age(age: object) -> None:
    with pytest.raises(ValueError, match="age"):
        applicable("crafft", age)  # type: ignore[arg-type]
