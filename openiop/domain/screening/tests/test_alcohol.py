"""AUDIT and AUDIT-C: zones, domains, items 9-10 points, escalation, sex-specific AUDIT-C cut-offs."""

from __future__ import annotations

import pytest

from openiop.domain.screening import InvalidAnswers, score
from openiop.domain.screening.tests.support import answers_for_total

AUDIT_ZERO = {str(n): 0 for n in range(1, 11)}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "low_risk"),
        (7, "low_risk"),
        (8, "hazardous"),
        (15, "hazardous"),
        (16, "harmful"),
        (19, "harmful"),
        (20, "possible_dependence"),
        (40, "possible_dependence"),
    ],
)
def test_audit_zone_boundaries(total: int, band: str) -> None:
    result = score("audit", answers_for_total("audit", total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("total", "positive", "dependence"),
    [(7, False, False), (8, True, False), (19, True, False), (20, True, True)],
)
def test_audit_total_flags(total: int, positive: bool, dependence: bool) -> None:
    flags = score("audit", answers_for_total("audit", total)).flags
    assert ("audit_positive" in flags) is positive
    assert ("audit_possible_dependence" in flags) is dependence


def test_audit_domain_subscores() -> None:
    answers = AUDIT_ZERO | {"1": 4, "2": 3, "3": 2, "4": 1, "5": 2, "6": 3, "7": 4, "9": 2, "10": 4}
    result = score("audit", answers)
    assert result.subscores == {"consumption": 9, "dependence": 6, "harm": 10}
    assert result.total == 25


@pytest.mark.parametrize("item", ["9", "10"])
@pytest.mark.parametrize("value", [1, 3, 5])
def test_audit_items_9_and_10_accept_only_0_2_4(item: str, value: int) -> None:
    with pytest.raises(InvalidAnswers, match=f"item {item}: {value} is not allowed"):
        score("audit", AUDIT_ZERO | {item: value})


@pytest.mark.parametrize("value", [0, 2, 4])
def test_audit_items_9_and_10_score_0_2_4(value: int) -> None:
    assert score("audit", AUDIT_ZERO | {"9": value, "10": value}).total == 2 * value


@pytest.mark.parametrize(
    ("changes", "escalate"),
    [
        ({"4": 1}, False),
        ({"4": 1, "5": 1}, True),
        ({"6": 2}, True),
        ({"9": 2, "10": 2}, False),
        ({"9": 4}, True),
        ({"10": 4}, True),
    ],
)
def test_audit_next_intervention_level_rule(changes: dict[str, int], escalate: bool) -> None:
    flags = score("audit", AUDIT_ZERO | changes).flags
    assert ("audit_escalate_intervention" in flags) is escalate


@pytest.mark.parametrize(
    ("total", "band", "women", "men"),
    [
        (0, "negative", False, False),
        (2, "negative", False, False),
        (3, "positive_if_female", True, False),
        (4, "positive", True, True),
        (12, "positive", True, True),
    ],
)
def test_audit_c_bands_and_sex_specific_flags(
    total: int, band: str, women: bool, men: bool
) -> None:
    result = score("audit-c", answers_for_total("audit-c", total))
    assert (result.total, result.band) == (total, band)
    assert ("audit_c_positive_women" in result.flags) is women
    assert ("audit_c_positive_men" in result.flags) is men


@pytest.mark.parametrize(
    ("answers", "q1_only"),
    [
        ({"1": 4, "2": 0, "3": 0}, True),
        ({"1": 3, "2": 0, "3": 0}, True),
        ({"1": 2, "2": 0, "3": 0}, False),
        ({"1": 3, "2": 1, "3": 0}, False),
        ({"1": 3, "2": 0, "3": 1}, False),
    ],
)
def test_audit_c_points_from_item_1_only(answers: dict[str, int], q1_only: bool) -> None:
    assert ("audit_c_points_from_q1_only" in score("audit-c", answers).flags) is q1_only


def test_audit_c_refuses_audit_items_beyond_3() -> None:
    with pytest.raises(InvalidAnswers, match="unknown item") as caught:
        score("audit-c", {"1": 1, "2": 1, "3": 1, "4": 0})
    assert caught.value.items == ("4",)
