"""BAM: day-count binning, Use/Risk/Protective subscales, skips and consistency, use flag."""

from __future__ import annotations

import pytest

from openiop.domain.screening import InvalidAnswers, score

SOBER = {
    "1": 0, "2": 0, "3": 0, "4": 0, "6": 0, "8": 0, "9": 0, "10": 0, "11": 0,
    "12": 0, "13": 0, "14": False, "15": 0, "16": 0, "17": 0,
}  # fmt: skip
DRUG_DAYS = {f"7{letter}": 0 for letter in "abcdefg"}


def test_bam_has_no_total_and_no_band() -> None:
    result = score("bam", SOBER)
    assert (result.total, result.band, result.flags) == (None, None, ())
    assert result.subscores == {"use": 0, "risk": 0, "protective": 0}


@pytest.mark.parametrize(
    ("days", "points"),
    [(0, 0), (1, 1), (3, 1), (4, 2), (8, 2), (9, 3), (15, 3), (16, 4), (30, 4)],
)
def test_bam_day_counts_are_binned_0_to_4(days: int, points: int) -> None:
    assert score("bam", SOBER | {"2": days}).subscores["risk"] == points
    assert score("bam", SOBER | {"16": days}).subscores["protective"] == points


@pytest.mark.parametrize("days", [-1, 31])
def test_bam_refuses_day_counts_outside_0_to_30(days: int) -> None:
    with pytest.raises(InvalidAnswers, match="item 3: "):
        score("bam", SOBER | {"3": days})


def test_bam_subscales() -> None:
    answers = SOBER | {
        "1": 4, "2": 30, "3": 2, "8": 3, "11": 9, "15": 1,
        "4": 10, "5": 4, "6": 2, **DRUG_DAYS, "7a": 2,
        "9": 2, "10": 16, "12": 1, "13": 5, "14": True, "16": 1, "17": 4,
    }  # fmt: skip
    result = score("bam", answers)
    assert result.subscores == {
        "use": 3 + 2 + 1,
        "risk": 4 + 4 + 1 + 3 + 3 + 1,
        "protective": 2 + 4 + 1 + 2 + 4 + 1,
    }
    assert result.flags == ("bam_substance_use",)


@pytest.mark.parametrize("heavy", [None, 0])
def test_bam_no_drinking_skips_heavy_drinking(heavy: int | None) -> None:
    answers = SOBER if heavy is None else SOBER | {"5": heavy}
    assert score("bam", answers).subscores["use"] == 0


def test_bam_refuses_heavy_drinking_days_when_no_drinking_days() -> None:
    with pytest.raises(InvalidAnswers, match="item 5: not asked") as caught:
        score("bam", SOBER | {"5": 2})
    assert caught.value.errors[0].code == "not_asked"


def test_bam_drinking_requires_heavy_drinking_days_no_more_than_drinking_days() -> None:
    with pytest.raises(InvalidAnswers) as missing:
        score("bam", SOBER | {"4": 3})
    assert missing.value.items == ("5",)
    with pytest.raises(InvalidAnswers, match=r"item 5: 4 exceeds the answer to item 4 \(3\)"):
        score("bam", SOBER | {"4": 3, "5": 4})
    assert score("bam", SOBER | {"4": 3, "5": 3}).subscores["use"] == 2


def test_bam_drug_use_requires_each_drug_no_more_than_drug_days() -> None:
    with pytest.raises(InvalidAnswers) as missing:
        score("bam", SOBER | {"6": 5})
    assert missing.value.items == tuple(DRUG_DAYS)
    with pytest.raises(InvalidAnswers, match="item 7e: 6 exceeds"):
        score("bam", SOBER | {"6": 5} | DRUG_DAYS | {"7e": 6})
    result = score("bam", SOBER | {"6": 5} | DRUG_DAYS | {"7e": 5})
    assert result.subscores["use"] == 2
    assert result.flags == ("bam_substance_use",)


@pytest.mark.parametrize("value", [1, "yes", None])
def test_bam_item_14_is_yes_no(value: object) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("bam", SOBER | {"14": value})
    assert caught.value.items == ("14",)
