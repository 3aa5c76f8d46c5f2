"""Answers stored in a QuestionnaireResponse-like shape with the definition version: round trip."""

from __future__ import annotations

from typing import Any

import pytest

from openiop.domain.screening import (
    INSTRUMENTS,
    InvalidAnswers,
    answers_from_response,
    questionnaire_response,
    score,
)
from openiop.domain.screening.tests.support import every_item_asked


@pytest.mark.parametrize("instrument", list(INSTRUMENTS))
def test_round_trip_loses_nothing(instrument: str) -> None:
    answers = every_item_asked(instrument)
    result = score(instrument, answers)
    record = questionnaire_response(result)
    assert record["questionnaire"] == f"urn:openiop:questionnaire:{instrument}|1.0.0"
    assert record["status"] == "completed"
    instrument_id, version, again = answers_from_response(record)
    assert (instrument_id, version, again) == (instrument, "1.0.0", answers)
    assert score(instrument_id, again) == result


def _items(record: dict[str, object]) -> list[dict[str, Any]]:
    items = record["item"]
    assert isinstance(items, list)
    return items


def test_skipped_items_are_omitted_and_booleans_stay_as_answered() -> None:
    items = _items(questionnaire_response(score("dast10", {str(n): False for n in range(1, 11)})))
    assert items[2] == {
        "linkId": "3",
        "text": items[2]["text"],
        "answer": [{"valueBoolean": False}],
    }
    crafft = {"a1": 0, "a2": 0, "a3": 0, "b1": False, "b2": False}
    items = _items(questionnaire_response(score("crafft", crafft)))
    assert [item["linkId"] for item in items] == ["a1", "a2", "a3", "b1"]


def test_a_partial_result_is_stored_in_progress() -> None:
    record = questionnaire_response(score("phq9", {"9": 2}, allow_incomplete=True))
    assert record["status"] == "in-progress"
    items = _items(record)
    assert items == [{"linkId": "9", "text": items[0]["text"], "answer": [{"valueInteger": 2}]}]


@pytest.mark.parametrize(
    "record",
    [
        {"questionnaire": "phq9", "item": []},
        {"questionnaire": "urn:openiop:questionnaire:phq9", "item": []},
    ],
)
def test_reading_back_refuses_a_foreign_reference(record: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="not an OpenIOP questionnaire"):
        answers_from_response(record)


def test_reading_back_refuses_malformed_items() -> None:
    record = {
        "questionnaire": "urn:openiop:questionnaire:gad7|1.0.0",
        "item": [{"linkId": "1", "answer": []}],
    }
    with pytest.raises(InvalidAnswers):
        answers_from_response(record)
