"""ASAM dimension ratings and the level each one calls for (default policy table)."""

import pytest

from openiop.domain.placement import Dimension, LevelOfCare, PlacementPolicy
from openiop.domain.placement.policy import default_dimension_levels
from openiop.domain.placement.tests.builders import place

L1, L21, L25, L3, L4 = list(LevelOfCare)


def test_low_ratings_everywhere_fit_outpatient() -> None:
    rec = place(ratings={d: 0 for d in range(1, 7)})
    assert rec.level is L1
    assert not rec.withdrawal_management_first
    assert not rec.crisis_evaluation


def test_every_dimension_is_explained_with_its_evidence() -> None:
    rec = place(ratings={3: 2})
    for d in Dimension:
        reason = rec.reason(f"PL-DIM-{int(d)}")
        assert f"evidence for D{int(d)}" in " ".join(reason.facts)
    assert rec.reason("PL-DIM-3").level is L21


@pytest.mark.parametrize("dimension", [1, 2, 3, 4, 5, 6])
def test_a_rating_of_2_in_any_dimension_fits_iop(dimension: int) -> None:
    rec = place(ratings={dimension: 2})
    assert rec.level is L21
    assert rec.reason("PL-LEVEL").facts == (f"PL-DIM-{dimension}",)


@pytest.mark.parametrize("dimension", [1, 2, 3, 4, 5, 6])
def test_a_rating_of_1_in_every_dimension_stays_outpatient(dimension: int) -> None:
    assert place(ratings={dimension: 1}).level is L1


@pytest.mark.parametrize(
    ("dimension", "rating", "level"),
    [
        (2, 3, L3),
        (2, 4, L4),
        (3, 3, L3),
        (3, 4, L4),
        (4, 3, L25),
        (4, 4, L3),
        (5, 3, L25),
        (5, 4, L3),
        (6, 3, L25),
        (6, 4, L3),
    ],
)
def test_high_ratings_raise_the_level(dimension: int, rating: int, level: LevelOfCare) -> None:
    rec = place(ratings={dimension: rating})
    assert rec.level is level
    assert f"PL-DIM-{dimension}" in rec.reason("PL-LEVEL").facts


@pytest.mark.parametrize("dimension", [4, 5, 6])
def test_readiness_relapse_and_environment_never_call_for_level_4(dimension: int) -> None:
    assert place(ratings={dimension: 4}).level is not L4


def test_severe_withdrawal_dimension_does_not_set_the_level_after_withdrawal() -> None:
    rec = place(ratings={1: 4, 5: 2})
    assert rec.withdrawal_management_first
    assert rec.level is L21


def test_the_most_intensive_need_wins_and_is_named() -> None:
    rec = place(ratings={3: 3, 5: 3, 6: 2})
    assert rec.level is L3
    assert rec.reason("PL-LEVEL").facts == ("PL-DIM-3",)


def test_program_may_change_the_dimension_table() -> None:
    rows = list(default_dimension_levels())
    rows[4] = (L1, L21, L21, L3, L3)  # a stricter program: D5 rated 1 already means IOP
    policy = PlacementPolicy(dimension_levels=tuple(rows))
    assert place(ratings={5: 1}, policy=policy).level is L21
    assert place(ratings={5: 3}, policy=policy).level is L3
