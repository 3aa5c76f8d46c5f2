"""PHQ-9 and GAD-7: every band boundary on both sides, the item-9 safety flag, GAD-7 cut-off."""

from __future__ import annotations

import pytest

from openiop.domain.screening import InvalidAnswers, requires_urgent_safety_task, score
from openiop.domain.screening.tests.support import answers_for_total


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none_minimal"),
        (4, "none_minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries(total: int, band: str) -> None:
    result = score("phq9", answers_for_total("phq9", total))
    assert (result.total, result.band, result.complete) == (total, band, True)


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_any_positive_item_9_raises_the_urgent_suicidal_ideation_flag(item9: int) -> None:
    answers = {str(n): 0 for n in range(1, 9)} | {"9": item9}
    result = score("phq9", answers)
    assert result.total == item9
    assert result.band == "none_minimal"
    assert result.flags == ("suicidal_ideation",)
    assert requires_urgent_safety_task(result)


def test_phq9_item_9_at_zero_raises_no_flag_even_with_a_severe_total() -> None:
    result = score("phq9", {str(n): 3 for n in range(1, 9)} | {"9": 0})
    assert (result.total, result.band, result.flags) == (24, "severe", ())
    assert not requires_urgent_safety_task(result)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_boundaries(total: int, band: str) -> None:
    result = score("gad7", answers_for_total("gad7", total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("total", "flagged"), [(9, False), (10, True), (21, True)])
def test_gad7_referral_cut_off_is_10(total: int, flagged: bool) -> None:
    result = score("gad7", answers_for_total("gad7", total))
    assert ("gad7_positive" in result.flags) is flagged
    assert not requires_urgent_safety_task(result)


@pytest.mark.parametrize("instrument", ["phq9", "gad7"])
@pytest.mark.parametrize("value", [-1, 4, 10])
def test_phq_family_refuses_points_outside_0_to_3(instrument: str, value: int) -> None:
    answers = answers_for_total(instrument, 0) | {"2": value}
    with pytest.raises(InvalidAnswers, match=r"item 2: -?\d+ is not allowed") as caught:
        score(instrument, answers)
    assert caught.value.items == ("2",)
    assert caught.value.errors[0].code == "out_of_range"
