"""What an OpenIOP program publishes about itself: pure rules, no database.

Openings (documented in docs/locator.md): each track runs one group of at most `max_group`
people, so a program's capacity is the sum of its tracks' `max_group`, and its openings are
the sum over tracks of max(0, max_group - active enrolments in that track). A full track never
borrows another's seats. A program that is not accepting new patients has 0 openings.

Evenings and weekends come from the published weekly group schedule (the scheduling app's
group sessions, in the site's local time), never from staff hours: a program has evening groups
if one of its published groups starts at or after 17:00, and weekend groups if one meets on a
Saturday or a Sunday. A program without a published schedule claims neither, and the public
pages say its group times are not published yet. The same facts label the cards and the
detail page and decide the evening and weekend filters of the search.

Availability: "accepting new patients" is never shown next to "0 openings". A program that is
accepting but full shows a waiting list instead (a referral request to it joins that list), and
one that is not accepting says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from openiop.locator.codes import Condition, Population

EVENING_START = time(17, 0)
WEEKEND_DAYS = frozenset({5, 6})  # Saturday, Sunday (organization.Weekday)
ADULT_AGE, YOUNG_ADULT_MAX, SENIOR_AGE = 18, 25, 65


@dataclass(frozen=True)
class TrackFacts:
    kind: str
    min_age: int
    max_age: int
    max_group: int
    active_enrolments: int


@dataclass(frozen=True, order=True)
class GroupTime:
    """One weekly group meeting in the site's local time (weekday 0 = Monday)."""

    weekday: int
    start: time
    end: time


def capacity_and_openings(tracks: Iterable[TrackFacts], *, accepting: bool) -> tuple[int, int]:
    """(capacity, openings) by the rule in the module docstring."""
    capacity = openings = 0
    for track in tracks:
        capacity += track.max_group
        openings += max(0, track.max_group - track.active_enrolments)
    return capacity, (openings if accepting else 0)


def is_evening(group: GroupTime) -> bool:
    return group.start >= EVENING_START


def is_weekend(group: GroupTime) -> bool:
    return group.weekday in WEEKEND_DAYS


def evening_and_weekend(groups: Iterable[GroupTime]) -> tuple[bool, bool]:
    """(evening groups, weekend groups) of a program, from its published group times."""
    evening = weekend = False
    for group in groups:
        evening = evening or is_evening(group)
        weekend = weekend or is_weekend(group)
    return evening, weekend


class Availability(StrEnum):
    UNKNOWN = "unknown"
    CLOSED = "closed"
    WAITING_LIST = "waiting_list"
    OPEN = "open"


def availability(accepting: bool | None, openings: int | None) -> Availability:
    """What the public pages say about room in a program: accepting with no openings left is
    a waiting list, never "accepting" next to "0 openings"."""
    if accepting is None:
        return Availability.UNKNOWN
    if not accepting:
        return Availability.CLOSED
    if openings is not None and openings <= 0:
        return Availability.WAITING_LIST
    return Availability.OPEN


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
