"""Ageing out of an adolescent track: who turns 18 on a given day, and who is an adult still
enrolled in an adolescent track and so due for a clinician's review.

Program policy (no published rule moves a patient): at 18, the age of majority in most US
states, a clinician reviews whether the adolescent track still fits. Nothing here moves
anyone; the enrolment stays as it is until a clinician acts.

A person born on 29 February turns 18 on 1 March (18 years after a leap year is always a
common year): the first day on which their age counted in whole calendar years is 18, the same
count as the patient's age shown on the chart. Program policy; legal rules for 29 February
birthdays differ between jurisdictions.

Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

ADULT_AGE = 18
ADOLESCENT_KIND = "adolescents"


def birthday_in(born: date, year: int) -> date:
    """The birthday in ``year``; 29 February falls on 1 March in a common year."""
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def adult_on(born: date) -> date:
    """The day a person born on ``born`` turns 18."""
    return birthday_in(born, born.year + ADULT_AGE)


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day`` (a 29 February birthday counts from 1 March in a common
    year)."""
    years = day.year - born.year
    if day < birthday_in(born, day.year):
        years -= 1
    return years


def latest_adult_birth_date(day: date) -> date:
    """The latest date of birth of someone who is 18 or older on ``day`` (to narrow a
    database query; ``is_adult_on`` decides)."""
    year = day.year - ADULT_AGE
    candidate = birthday_in(date(2000, day.month, day.day), year)
    # For 29 February ``day`` in a year whose year-18 is common, the 1 March candidate is one
    # day late: someone born on 1 March is not yet 18 on 29 February.
    return candidate if adult_on(candidate) <= day else candidate - timedelta(days=1)


def is_adult_on(born: date, day: date) -> bool:
    return adult_on(born) <= day


def is_adolescent_track(kind: str, max_age: int) -> bool:
    """A track for adolescents: by its kind, or by an upper age limit under 18."""
    return kind == ADOLESCENT_KIND or max_age < ADULT_AGE


@dataclass(frozen=True)
class Stay:
    """One open enrolment: the patient's date of birth and the track's kind and age limit."""

    enrollment_id: int
    born: date
    track_kind: str
    track_max_age: int
    reviewed: bool = False


@dataclass(frozen=True)
class AgeOut:
    enrollment_id: int
    adult_on: date


def turns_adult_today(stay: Stay, day: date) -> bool:
    """True on the 18th birthday itself of a patient in an adolescent track."""
    return is_adolescent_track(stay.track_kind, stay.track_max_age) and adult_on(stay.born) == day


def due_for_review(stays: Iterable[Stay], day: date) -> list[AgeOut]:
    """The open enrolments to flag on ``day``: an adolescent track, a patient who is 18 or
    older on ``day`` (from the 18th birthday on), and no clinician review yet. The flag
    starts on the birthday and stays until reviewed."""
    return [
        AgeOut(s.enrollment_id, adult_on(s.born))
        for s in stays
        if not s.reviewed
        and is_adolescent_track(s.track_kind, s.track_max_age)
        and is_adult_on(s.born, day)
    ]


__all__ = [
    "ADULT_AGE",
    "AgeOut",
    "Stay",
    "adult_on",
    "age_on",
    "birthday_in",
    "due_for_review",
    "is_adolescent_track",
    "is_adult_on",
    "latest_adult_birth_date",
    "turns_adult_today",
]
