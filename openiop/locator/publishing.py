"""What an OpenIOP program publishes about itself: pure rules, no database.

Openings (documented in docs/locator.md): each track runs one group of at most `max_group`
people, so a program's capacity is the sum of its tracks' `max_group`, and its openings are
the sum over tracks of max(0, max_group - active enrolments in that track). A full track never
borrows another's seats. A program that is not accepting new patients has 0 openings.

Evenings and weekends: until the scheduling app publishes the weekly group schedule, they are
derived from the weekly availability windows of the program's staff ("based on staff hours" in
the public pages). A window offers an evening group if a group of at least `MIN_GROUP_MINUTES`
could start at or after 17:00 inside it; a Saturday or Sunday window offers a weekend group.
When the published schedule exists, `evening_and_weekend()` will take its sessions instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from openiop.locator.codes import Condition, Population

EVENING_START = time(17, 0)
MIN_GROUP_MINUTES = 60
WEEKEND_DAYS = frozenset({5, 6})  # Saturday, Sunday (organization.Weekday)
ADULT_AGE, YOUNG_ADULT_MAX, SENIOR_AGE = 18, 25, 65


@dataclass(frozen=True)
class TrackFacts:
    kind: str
    min_age: int
    max_age: int
    max_group: int
    active_enrolments: int


@dataclass(frozen=True)
class Window:
    weekday: int
    start: time
    end: time


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def capacity_and_openings(tracks: Iterable[TrackFacts], *, accepting: bool) -> tuple[int, int]:
    """(capacity, openings) by the rule in the module docstring."""
    capacity = openings = 0
    for track in tracks:
        capacity += track.max_group
        openings += max(0, track.max_group - track.active_enrolments)
    return capacity, (openings if accepting else 0)


def evening_and_weekend(windows: Iterable[Window]) -> tuple[bool, bool]:
    evening = weekend = False
    for window in windows:
        start = max(_minutes(window.start), _minutes(EVENING_START))
        if _minutes(window.end) - start >= MIN_GROUP_MINUTES:
            evening = True
        if window.weekday in WEEKEND_DAYS:
            weekend = True
    return evening, weekend


def conditions_mask(tracks: Iterable[TrackFacts]) -> int:
    """Track kinds that name a condition (all but "adolescents", which names a population)."""
    mask = 0
    for track in tracks:
        if track.kind in {c.key for c in Condition}:
            mask |= Condition.by_key(track.kind).mask
    return mask


def populations_mask(tracks: Iterable[TrackFacts]) -> int:
    """Age groups a program accepts, from its tracks' age ranges (and adolescent tracks)."""
    mask = 0
    for track in tracks:
        if track.kind == "adolescents" or track.min_age < ADULT_AGE:
            mask |= Population.ADOLESCENTS.mask
        if track.max_age >= ADULT_AGE and track.min_age <= YOUNG_ADULT_MAX:
            mask |= Population.YOUNG_ADULTS.mask
        if track.max_age >= ADULT_AGE and track.min_age < SENIOR_AGE:
            mask |= Population.ADULTS.mask
        if track.max_age >= SENIOR_AGE:
            mask |= Population.SENIORS.mask
    return mask
