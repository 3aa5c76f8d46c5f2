"""Recommended tracks: co-occurring, adolescents, eating disorders, alcohol."""

import pytest

from openiop.domain.placement import Condition, PlacementPolicy, Track
from openiop.domain.placement.tests.builders import place

SUD, ALC, MH, ED = (
    Condition.SUBSTANCE_USE,
    Condition.ALCOHOL,
    Condition.MENTAL_HEALTH,
    Condition.EATING_DISORDER,
)


def test_co_occurring_means_mental_health_and_substance_use_together() -> None:
    rec = place(conditions=(SUD, MH))
    assert rec.tracks == (Track.MENTAL_HEALTH, Track.SUBSTANCE_USE)
    assert "PL-TRK-COOC" in rec.rules


def test_co_occurring_with_alcohol_means_mental_health_and_alcohol_tracks() -> None:
    assert place(conditions=(ALC, MH)).tracks == (Track.MENTAL_HEALTH, Track.ALCOHOL)


def test_eating_disorder_with_substance_use_is_co_occurring() -> None:
    rec = place(conditions=(ED, SUD))
    assert rec.tracks == (Track.EATING_DISORDER, Track.SUBSTANCE_USE)
    assert "PL-TRK-COOC" in rec.rules


def test_mental_health_alone_is_not_co_occurring() -> None:
    rec = place(conditions=(MH,))
    assert rec.tracks == (Track.MENTAL_HEALTH,)
    assert "PL-TRK-COOC" not in rec.rules


def test_alcohol_alone_goes_to_the_alcohol_track() -> None:
    rec = place(conditions=(ALC,))
    assert rec.tracks == (Track.ALCOHOL,)
    assert rec.reason("PL-TRK-ALC").facts == ("alcohol",)


def test_alcohol_and_other_drugs_go_to_the_substance_use_track_once() -> None:
    rec = place(conditions=(ALC, SUD))
    assert rec.tracks == (Track.SUBSTANCE_USE,)
    assert "PL-TRK-POLY" in rec.rules


def test_eating_disorder_goes_to_its_track() -> None:
    assert place(conditions=(ED,)).tracks == (Track.EATING_DISORDER,)


@pytest.mark.parametrize(
    ("age", "tracks"), [(17, (Track.ADOLESCENT,)), (18, (Track.SUBSTANCE_USE,))]
)
def test_under_18_goes_to_the_adolescent_track(age: int, tracks: tuple[Track, ...]) -> None:
    rec = place(conditions=(SUD,), age=age)
    assert rec.tracks == tracks
    assert ("PL-TRK-ADOL" in rec.rules) is (age < 18)


def test_adolescent_with_co_occurring_conditions_gets_the_adolescent_track() -> None:
    rec = place(conditions=(SUD, MH), age=15)
    assert rec.tracks == (Track.ADOLESCENT,)
    assert "adolescent track addresses both" in rec.reason("PL-TRK-COOC").text


def test_adolescent_with_eating_disorder_gets_both_tracks() -> None:
    assert place(conditions=(ED,), age=16).tracks == (Track.ADOLESCENT, Track.EATING_DISORDER)


def test_program_may_keep_adult_tracks_beside_the_adolescent_track() -> None:
    policy = PlacementPolicy(adolescent_track_replaces_adult_tracks=False)
    rec = place(conditions=(SUD, MH), age=16, policy=policy)
    assert rec.tracks == (Track.ADOLESCENT, Track.MENTAL_HEALTH, Track.SUBSTANCE_USE)


def test_program_may_set_the_adult_age() -> None:
    policy = PlacementPolicy(adult_age=21)
    assert place(conditions=(ALC,), age=19, policy=policy).tracks == (Track.ADOLESCENT,)


def test_no_condition_no_track() -> None:
    rec = place(conditions=())
    assert rec.tracks == ()
    assert "PL-TRK-NONE" in rec.rules
