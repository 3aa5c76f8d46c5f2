"""SCOFF cut-off and PCL-5 (clusters, configurable probable-PTSD cut-off, DSM-5 pattern)."""

from __future__ import annotations

import pytest

from openiop.domain.screening import score
from openiop.domain.screening.tests.support import answers_for_total


@pytest.mark.parametrize(
    ("total", "band", "flagged"),
    [
        (0, "negative", False),
        (1, "negative", False),
        (2, "possible_case", True),
        (5, "possible_case", True),
    ],
)
def test_scoff_cut_off_is_2(total: int, band: str, flagged: bool) -> None:
    result = score("scoff", answers_for_total("scoff", total))
    assert (result.total, result.band) == (total, band)
    assert ("scoff_possible_eating_disorder" in result.flags) is flagged


PCL_ZERO = {str(n): 0 for n in range(1, 21)}


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "below_cutoff"), (32, "below_cutoff"), (33, "probable_ptsd"), (80, "probable_ptsd")],
)
def test_pcl5_default_cut_off_is_33(total: int, band: str) -> None:
    result = score("pcl5", answers_for_total("pcl5", total))
    assert (result.total, result.band) == (total, band)
    assert ("pcl5_probable_ptsd" in result.flags) is (band == "probable_ptsd")


@pytest.mark.parametrize(("total", "band"), [(30, "below_cutoff"), (31, "probable_ptsd")])
def test_pcl5_cut_off_is_configurable_per_program(total: int, band: str) -> None:
    result = score("pcl5", answers_for_total("pcl5", total), settings={"probable_ptsd_at": 31})
    assert result.band == band
    assert ("pcl5_probable_ptsd" in result.flags) is (band == "probable_ptsd")


@pytest.mark.parametrize(
    "settings",
    [{"probable_ptsd_at": 0}, {"probable_ptsd_at": 81}, {"probable_ptsd_at": True}, {"other": 3}],
)
def test_pcl5_refuses_a_bad_setting(settings: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="setting"):
        score("pcl5", PCL_ZERO, settings=settings)


def test_pcl5_cluster_subscores() -> None:
    answers = {str(n): n % 5 for n in range(1, 21)}
    result = score("pcl5", answers)
    assert result.subscores == {
        "cluster_b": 1 + 2 + 3 + 4 + 0,
        "cluster_c": 1 + 2,
        "cluster_d": 3 + 4 + 0 + 1 + 2 + 3 + 4,
        "cluster_e": 0 + 1 + 2 + 3 + 4 + 0,
    }
    assert result.total == sum(result.subscores.values())


MINIMAL_PATTERN = PCL_ZERO | {"1": 2, "6": 2, "8": 2, "9": 2, "15": 2, "16": 2}


def test_pcl5_minimal_dsm5_pattern_gives_a_provisional_diagnosis_below_the_cut_off() -> None:
    result = score("pcl5", MINIMAL_PATTERN)
    assert result.total == 12
    assert result.flags == ("pcl5_provisional_ptsd",)


@pytest.mark.parametrize(
    "change",
    [{"1": 1}, {"6": 1}, {"9": 1}, {"16": 1}, {"1": 0, "7": 0}],
)
def test_pcl5_pattern_needs_each_cluster_with_items_rated_at_least_2(
    change: dict[str, int],
) -> None:
    result = score("pcl5", MINIMAL_PATTERN | change)
    assert "pcl5_provisional_ptsd" not in result.flags


def test_pcl5_many_items_at_1_do_not_count_as_endorsed() -> None:
    result = score("pcl5", {str(n): 1 for n in range(1, 21)})
    assert (result.total, result.flags) == (20, ())
