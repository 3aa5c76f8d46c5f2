"""Incomplete or out-of-range inputs are refused with a message naming the field."""

import pytest

from openiop.domain.placement import (
    Condition,
    Dimension,
    DimensionRating,
    LevelOfCare,
    PlacementInput,
    PlacementInputError,
    PlacementPolicy,
    ProgramCriteria,
    ScreeningResults,
)
from openiop.domain.placement.policy import default_dimension_levels

ADULT = ScreeningResults(age=30, conditions=frozenset({Condition.ALCOHOL}))


def _ratings(*skip: Dimension) -> tuple[DimensionRating, ...]:
    return tuple(DimensionRating(d, 1, "ok") for d in Dimension if d not in skip)


def test_missing_dimension_is_refused_by_number() -> None:
    with pytest.raises(PlacementInputError, match=r"missing dimension.*4"):
        PlacementInput(_ratings(Dimension.READINESS_TO_CHANGE), ProgramCriteria(), ADULT)


def test_dimension_rated_twice_is_refused() -> None:
    twice = (*_ratings(), DimensionRating(Dimension.BIOMEDICAL, 2, "again"))
    with pytest.raises(PlacementInputError, match="more than once: 2"):
        PlacementInput(twice, ProgramCriteria(), ADULT)


@pytest.mark.parametrize("rating", [-1, 5])
def test_rating_outside_0_to_4_is_refused(rating: int) -> None:
    with pytest.raises(PlacementInputError, match="dimension 3: rating must be 0-4"):
        DimensionRating(Dimension.EMOTIONAL_BEHAVIOURAL_COGNITIVE, rating, "x")


def test_boolean_rating_is_refused() -> None:
    with pytest.raises(PlacementInputError, match="rating must be 0-4"):
        DimensionRating(Dimension.BIOMEDICAL, True, "x")


def test_rating_without_evidence_is_refused() -> None:
    with pytest.raises(PlacementInputError, match="dimension 6: evidence is required"):
        DimensionRating(Dimension.RECOVERY_ENVIRONMENT, 2, "   ")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ciwa_ar_total", 68, "ciwa_ar_total must be 0-67"),
        ("cows_total", 49, "cows_total must be 0-48"),
        ("phq9_item9", 4, "phq9_item9 must be 0-3"),
        ("ciwa_ar_total", -1, "ciwa_ar_total must be 0-67"),
    ],
)
def test_screening_out_of_range_is_refused(field: str, value: int, message: str) -> None:
    with pytest.raises(PlacementInputError, match=message):
        ScreeningResults(age=30, conditions=frozenset(), **{field: value})  # type: ignore[arg-type]


def test_negative_age_is_refused() -> None:
    with pytest.raises(PlacementInputError, match="age must be 0-130"):
        ScreeningResults(age=-1, conditions=frozenset())


def test_ciwa_ar_threshold_is_not_a_policy_setting() -> None:
    """One published CIWA-Ar threshold set, shared with the scorer (ASAM 2020 Table 1)."""
    with pytest.raises(TypeError):
        PlacementPolicy(ciwa_ar_withdrawal_management_above=15)  # type: ignore[call-arg]


def test_policy_evidence_table_is_validated() -> None:
    from openiop.domain.placement.evidence_table import default_evidence_ratings

    with pytest.raises(PlacementInputError, match=r"must be 0-4: audit\.harmful"):
        PlacementPolicy(evidence_ratings=default_evidence_ratings() | {"audit.harmful": 5})
    with pytest.raises(PlacementInputError, match="unknown rows nope"):
        PlacementPolicy(evidence_ratings=default_evidence_ratings() | {"nope": 1})
    ratings = default_evidence_ratings()
    del ratings["cows.mild"]
    with pytest.raises(PlacementInputError, match=r"missing rows cows\.mild"):
        PlacementPolicy(evidence_ratings=ratings)


def test_policy_dimension_table_must_have_six_rows() -> None:
    with pytest.raises(PlacementInputError, match="one row per dimension"):
        PlacementPolicy(dimension_levels=default_dimension_levels()[:5])


def test_policy_dimension_row_must_not_decrease() -> None:
    rows = list(default_dimension_levels())
    rows[1] = (
        LevelOfCare.OUTPATIENT,
        LevelOfCare.RESIDENTIAL,
        LevelOfCare.INTENSIVE_OUTPATIENT,
        LevelOfCare.RESIDENTIAL,
        LevelOfCare.INPATIENT,
    )
    with pytest.raises(PlacementInputError, match="row 2 must not decrease"):
        PlacementPolicy(dimension_levels=tuple(rows))


@pytest.mark.parametrize("value", [0, 1, 20, 24, 26, 48])
def test_policy_cows_threshold_must_start_a_published_band(value: int) -> None:
    with pytest.raises(PlacementInputError, match="band start"):
        PlacementPolicy(cows_withdrawal_management_min=value)


@pytest.mark.parametrize("value", [5, 13, 25, 37, None])
def test_policy_cows_threshold_band_starts(value: int | None) -> None:
    assert PlacementPolicy(cows_withdrawal_management_min=value)


def test_policy_residential_fact_count_at_least_one() -> None:
    with pytest.raises(PlacementInputError, match="residential_min_inpatient_facts"):
        PlacementPolicy(residential_min_inpatient_facts=0)
