"""Who ages out of an adolescent track, and on which day (pure, no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from openiop.domain.ageout import (
    Stay,
    adult_on,
    age_on,
    due_for_review,
    is_adolescent_track,
    is_adult_on,
    latest_adult_birth_date,
    turns_adult_today,
)

BORN = date(2008, 6, 15)
LEAP_BORN = date(2008, 2, 29)


def stay(born: date = BORN, kind: str = "adolescents", max_age: int = 120, **kw: object) -> Stay:
    return Stay(enrollment_id=7, born=born, track_kind=kind, track_max_age=max_age, **kw)  # type: ignore[arg-type]


def test_the_flag_starts_on_the_18th_birthday_and_not_the_day_before() -> None:
    birthday = date(2026, 6, 15)
    assert due_for_review([stay()], birthday - timedelta(days=1)) == []
    assert [a.adult_on for a in due_for_review([stay()], birthday)] == [birthday]
    assert turns_adult_today(stay(), birthday)
    assert not turns_adult_today(stay(), birthday + timedelta(days=1))


def test_the_flag_stays_after_the_birthday_until_reviewed() -> None:
    later = date(2026, 9, 1)
    assert len(due_for_review([stay()], later)) == 1
    assert due_for_review([stay(reviewed=True)], later) == []


def test_a_29_february_birthday_counts_from_1_march_in_a_common_year() -> None:
    assert adult_on(LEAP_BORN) == date(2026, 3, 1)
    assert due_for_review([stay(LEAP_BORN)], date(2026, 2, 28)) == []
    assert len(due_for_review([stay(LEAP_BORN)], date(2026, 3, 1))) == 1
    assert age_on(LEAP_BORN, date(2026, 2, 28)) == 17
    assert age_on(LEAP_BORN, date(2026, 3, 1)) == 18


def test_other_birthdays_fall_on_their_own_day_and_a_leap_day_counts_in_a_leap_year() -> None:
    assert adult_on(date(2010, 2, 28)) == date(2028, 2, 28)
    assert adult_on(date(1992, 2, 29)) == date(2010, 3, 1)
    assert age_on(date(2000, 2, 29), date(2028, 2, 29)) == 28
    assert age_on(date(2000, 2, 29), date(2028, 2, 28)) == 27


def test_only_adolescent_tracks_are_flagged() -> None:
    assert is_adolescent_track("adolescents", 120)
    assert is_adolescent_track("substance_use", 17)
    assert not is_adolescent_track("substance_use", 120)
    assert due_for_review([stay(kind="mental_health")], date(2027, 1, 1)) == []
    assert len(due_for_review([stay(kind="mental_health", max_age=17)], date(2027, 1, 1))) == 1


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 6, 15),
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2028, 2, 29),
        date(2028, 3, 1),
        date(2027, 12, 31),
        date(2028, 1, 1),
    ],
)
def test_the_query_bound_agrees_with_the_decision(day: date) -> None:
    bound = latest_adult_birth_date(day)
    assert is_adult_on(bound, day)
    assert not is_adult_on(bound + timedelta(days=1), day)
    start = date(day.year - 19, 1, 1)
    for offset in range(0, 800):
        born = start + timedelta(days=offset)
        assert is_adult_on(born, day) == (born <= bound), born
