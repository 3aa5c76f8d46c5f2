"""Partial scoring (`allow_incomplete=True`): no total or band from a half-filled form, but the
flags the given answers prove, so a positive PHQ-9 item 9 is never lost."""

from __future__ import annotations

import pytest

from openiop.domain.screening import InvalidAnswers, requires_urgent_safety_task, score


def test_partial_phq9_with_item_9_positive_still_raises_the_safety_flag() -> None:
    result = score("phq9", {"1": 3, "9": 1}, allow_incomplete=True)
    assert (result.total, result.band, result.complete) == (None, None, False)
    assert result.flags == ("suicidal_ideation",)
    assert requires_urgent_safety_task(result)


def test_partial_phq9_concludes_nothing_from_missing_items() -> None:
    result = score("phq9", {"1": 3}, allow_incomplete=True)
    assert result.to_dict() == {
        "instrument": "phq9",
        "total": None,
        "band": None,
        "subscores": {},
        "flags": [],
        "complete": False,
    }


def test_partial_mode_still_refuses_invalid_answers() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("phq9", {"1": 4}, allow_incomplete=True)
    assert caught.value.items[0] == "1"


def test_partial_cssrs_high_risk_is_known_before_the_form_is_finished() -> None:
    result = score("cssrs", {"1": True, "2": True, "4": True}, allow_incomplete=True)
    assert (result.band, result.complete) == ("high", False)
    assert requires_urgent_safety_task(result)


def test_partial_cssrs_without_a_decisive_answer_has_no_band() -> None:
    result = score("cssrs", {"1": True, "2": True}, allow_incomplete=True)
    assert (result.band, result.flags) == (None, ())


def test_partial_audit_keeps_complete_subscores_and_drops_the_rest() -> None:
    result = score("audit", {"1": 4, "2": 4, "3": 4, "9": 4}, allow_incomplete=True)
    assert result.subscores == {"consumption": 12}
    assert result.flags == ("audit_escalate_intervention",)


def test_partial_pcl5_pattern_is_unknown_until_enough_items_are_answered() -> None:
    some = {"1": 2, "6": 2, "8": 2, "9": 2, "15": 2}
    assert score("pcl5", some, allow_incomplete=True).flags == ()
    proven = some | {"16": 3}
    assert score("pcl5", proven, allow_incomplete=True).flags == ("pcl5_provisional_ptsd",)


def test_a_complete_form_in_partial_mode_is_complete() -> None:
    result = score("gad7", {str(n): 1 for n in range(1, 8)}, allow_incomplete=True)
    assert (result.total, result.band, result.complete) == (7, "mild", True)
