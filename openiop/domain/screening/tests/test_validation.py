"""Refusal of incomplete, out-of-range, wrongly typed and unknown answers, for every instrument.

A missing answer is never scored as zero, and every offending item is named in `errors` and in
the message.
"""

from __future__ import annotations

import pytest

from openiop.domain.screening import (
    INSTRUMENTS,
    InvalidAnswers,
    ItemKind,
    ScreeningError,
    UnknownInstrument,
    score,
)
from openiop.domain.screening.tests.support import every_item_asked

ALL_ITEMS = [(i.id, item.key) for i in INSTRUMENTS.values() for item in i.items]
POINTS_ITEMS = [
    (i.id, it.key) for i in INSTRUMENTS.values() for it in i.items if it.kind is ItemKind.POINTS
]
YES_NO_ITEMS = [
    (i.id, it.key) for i in INSTRUMENTS.values() for it in i.items if it.kind is ItemKind.YES_NO
]
COUNT_ITEMS = [
    (i.id, it.key) for i in INSTRUMENTS.values() for it in i.items if it.kind is ItemKind.COUNT
]


@pytest.mark.parametrize("instrument", list(INSTRUMENTS))
def test_every_instrument_scores_a_complete_answer_set(instrument: str) -> None:
    result = score(instrument, every_item_asked(instrument))
    assert result.complete
    assert result.instrument == instrument


@pytest.mark.parametrize(("instrument", "key"), ALL_ITEMS)
def test_a_missing_answer_is_refused_and_named(instrument: str, key: str) -> None:
    answers = every_item_asked(instrument)
    del answers[key]
    with pytest.raises(InvalidAnswers) as caught:
        score(instrument, answers)
    assert caught.value.items == (key,)
    assert caught.value.errors[0].code == "missing"
    assert f"item {key}: missing answer" in str(caught.value)


@pytest.mark.parametrize(("instrument", "key"), ALL_ITEMS)
def test_a_null_answer_is_missing_not_zero(instrument: str, key: str) -> None:
    answers: dict[str, object] = dict(every_item_asked(instrument))
    answers[key] = None
    with pytest.raises(InvalidAnswers, match=f"item {key}: answer is null") as caught:
        score(instrument, answers)
    assert caught.value.items == (key,)


@pytest.mark.parametrize(("instrument", "key"), POINTS_ITEMS)
@pytest.mark.parametrize("value", [True, False, "0", 0.0, 1.5, [0], {"points": 0}])
def test_points_items_refuse_anything_but_an_int(instrument: str, key: str, value: object) -> None:
    answers: dict[str, object] = dict(every_item_asked(instrument))
    answers[key] = value
    with pytest.raises(InvalidAnswers, match=f"item {key}: expected a whole number") as caught:
        score(instrument, answers)
    assert caught.value.items == (key,)
    assert caught.value.errors[0].code == "wrong_type"


@pytest.mark.parametrize(("instrument", "key"), POINTS_ITEMS)
def test_points_items_refuse_a_value_above_the_top_option(instrument: str, key: str) -> None:
    top = max(o.points for o in INSTRUMENTS[instrument].item(key).options)
    answers = every_item_asked(instrument) | {key: top + 1}
    with pytest.raises(InvalidAnswers, match=f"item {key}: {top + 1} is not allowed"):
        score(instrument, answers)


@pytest.mark.parametrize(("instrument", "key"), YES_NO_ITEMS)
@pytest.mark.parametrize("value", [0, 1, "true", "yes", 1.0])
def test_yes_no_items_refuse_anything_but_a_bool(instrument: str, key: str, value: object) -> None:
    answers: dict[str, object] = dict(every_item_asked(instrument))
    answers[key] = value
    with pytest.raises(InvalidAnswers, match=f"item {key}: expected true or false") as caught:
        score(instrument, answers)
    assert caught.value.items == (key,)


@pytest.mark.parametrize(("instrument", "key"), COUNT_ITEMS)
@pytest.mark.parametrize("value", [True, "3", 3.0])
def test_count_items_refuse_anything_but_an_int(instrument: str, key: str, value: object) -> None:
    answers: dict[str, object] = dict(every_item_asked(instrument))
    answers[key] = value
    with pytest.raises(InvalidAnswers, match=f"item {key}: expected a whole number"):
        score(instrument, answers)


@pytest.mark.parametrize("instrument", list(INSTRUMENTS))
@pytest.mark.parametrize("key", ["0", "99", "1 ", "Q1", "total"])
def test_unknown_keys_are_refused_and_named(instrument: str, key: str) -> None:
    answers: dict[str, object] = dict(every_item_asked(instrument))
    answers[key] = 0
    with pytest.raises(InvalidAnswers, match="unknown item") as caught:
        score(instrument, answers)
    assert caught.value.items == (key,)
    assert caught.value.errors[0].code == "unknown_item"


def test_non_string_keys_are_refused() -> None:
    answers: dict[object, object] = {str(n): 0 for n in range(1, 10)}
    answers[1] = 0
    with pytest.raises(InvalidAnswers, match="unknown item 1"):
        score("phq9", answers)  # type: ignore[arg-type]


def test_every_offending_item_is_named_at_once() -> None:
    answers: dict[str, object] = {"1": 0, "2": True, "3": "2", "4": 2.0, "5": 4, "7": None, "x": 1}
    with pytest.raises(InvalidAnswers) as caught:
        score("phq9", answers)
    assert caught.value.items == ("2", "3", "4", "5", "6", "7", "8", "9", "x")
    codes = {e.item: e.code for e in caught.value.errors}
    assert codes == {
        "2": "wrong_type",
        "3": "wrong_type",
        "4": "wrong_type",
        "5": "out_of_range",
        "6": "missing",
        "7": "missing",
        "8": "missing",
        "9": "missing",
        "x": "unknown_item",
    }
    message = str(caught.value)
    for key in caught.value.items:
        assert f"item {key}:" in message


@pytest.mark.parametrize("instrument", list(INSTRUMENTS))
def test_an_empty_answer_set_is_refused_naming_every_required_item(instrument: str) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score(instrument, {})
    required = [item.key for item in INSTRUMENTS[instrument].items if item.enable_when is None]
    assert list(caught.value.items) == required


@pytest.mark.parametrize("answers", [[0, 1, 2], "1,2,3", None, 3])
def test_answers_must_be_an_object(answers: object) -> None:
    with pytest.raises(InvalidAnswers, match="answers must be an object") as caught:
        score("gad7", answers)  # type: ignore[arg-type]
    assert caught.value.items == ("*",)


@pytest.mark.parametrize("instrument", ["PHQ9", "phq-9", "", "cssrs-full", None])
def test_unknown_instrument_is_refused(instrument: object) -> None:
    with pytest.raises(UnknownInstrument, match="unknown instrument"):
        score(instrument, {})  # type: ignore[arg-type]


def test_errors_are_value_errors_for_callers_that_catch_broadly() -> None:
    assert issubclass(InvalidAnswers, ScreeningError)
    assert issubclass(UnknownInstrument, ValueError)


def test_answer_errors_serialise_for_the_api() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("gad7", {str(n): 0 for n in range(1, 7)})
    assert [e.to_dict() for e in caught.value.errors] == [
        {"item": "7", "code": "missing", "message": "missing answer"}
    ]
