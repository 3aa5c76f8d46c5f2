"""Test builders for placement inputs: a calm baseline that each test changes in one place."""

from __future__ import annotations

from typing import Any

from openiop.domain.placement import (
    Condition,
    Dimension,
    DimensionRating,
    PlacementInput,
    PlacementPolicy,
    PlacementRecommendation,
    ProgramCriteria,
    ScreeningResults,
    recommend_placement,
)


def make_input(
    ratings: dict[int, int] | None = None,
    criteria: dict[str, bool] | None = None,
    conditions: tuple[Condition, ...] = (Condition.SUBSTANCE_USE,),
    **screening: Any,
) -> PlacementInput:
    """Every dimension rated 1 unless ``ratings`` says otherwise; an adult of 35."""
    ratings = ratings or {}
    dims = tuple(
        DimensionRating(d, ratings.get(int(d), 1), f"evidence for D{int(d)}") for d in Dimension
    )
    screening.setdefault("age", 35)
    return PlacementInput(
        dimensions=dims,
        criteria=ProgramCriteria(**(criteria or {})),
        screening=ScreeningResults(conditions=frozenset(conditions), **screening),
    )


def place(
    ratings: dict[int, int] | None = None,
    criteria: dict[str, bool] | None = None,
    conditions: tuple[Condition, ...] = (Condition.SUBSTANCE_USE,),
    policy: PlacementPolicy | None = None,
    **screening: Any,
) -> PlacementRecommendation:
    return recommend_placement(make_input(ratings, criteria, conditions, **screening), policy)
