"""A program's own dimension-to-level table: read from plain data and refused, naming the
dimension, unless complete, made of known levels and never less intensive for a higher rating."""

from __future__ import annotations

import pytest

from openiop.domain.placement import Dimension, LevelOfCare, PlacementInputError, PlacementPolicy
from openiop.domain.placement.policy import (
    default_dimension_levels,
    dimension_levels_from_table,
    dimension_levels_table,
)


def _default() -> dict[str, list[str]]:
    return dimension_levels_table(default_dimension_levels())


def test_the_default_table_round_trips_unchanged() -> None:
    table = _default()
    assert table["5"] == ["1", "1", "2.1", "2.5", "3.x"]
    assert dimension_levels_from_table(table) == default_dimension_levels()
    assert PlacementPolicy().dimension_levels == default_dimension_levels()


def test_a_program_may_send_dimension_5_rating_2_to_partial_hospitalisation() -> None:
    table = _default()
    table["5"][2] = "2.5"
    policy = PlacementPolicy(dimension_levels=dimension_levels_from_table(table))
    assert (
        policy.level_for(Dimension.RELAPSE_CONTINUED_USE, 2) is LevelOfCare.PARTIAL_HOSPITALISATION
    )
    assert policy.level_for(Dimension.RECOVERY_ENVIRONMENT, 2) is LevelOfCare.INTENSIVE_OUTPATIENT


def test_a_higher_rating_calling_for_less_care_is_refused_naming_the_dimension() -> None:
    table = _default()
    table["2"][4] = "2.1"  # rating 3 is 3.x
    with pytest.raises(PlacementInputError, match=r"Dimension 2 \(biomedical.*rating 4 calls"):
        dimension_levels_from_table(table)


def test_a_lower_rating_two_steps_back_counts_too() -> None:
    table = _default()
    table["4"] = ["2.5", "1", "2.5", "2.5", "3.x"]
    with pytest.raises(PlacementInputError, match=r"Dimension 4 .*rating 1 calls for level 1"):
        dimension_levels_from_table(table)


@pytest.mark.parametrize("level", ["2", "3.5", "", None, 4])
def test_unknown_or_missing_levels_are_refused_naming_the_dimension(level: object) -> None:
    table: dict[str, list[object]] = {k: list(v) for k, v in _default().items()}
    table["3"][1] = level
    with pytest.raises(PlacementInputError, match=r"Dimension 3 .*rating 1 has"):
        dimension_levels_from_table(table)


def test_missing_dimensions_short_rows_and_unknown_dimensions_are_refused() -> None:
    table: dict[str, object] = dict(_default())
    del table["6"]
    table["1"] = ["1", "1", "2.1"]
    table["7"] = ["1"] * 5
    with pytest.raises(PlacementInputError) as refused:
        dimension_levels_from_table(table)
    message = str(refused.value)
    assert "no dimension 7" in message
    assert "Dimension 1 (acute" in message and "Dimension 6 (recovery" in message
    with pytest.raises(PlacementInputError, match="all 6 dimensions"):
        dimension_levels_from_table(["1"] * 6)
