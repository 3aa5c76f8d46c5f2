"""One weekly requirement per patient, whatever the number of tracks they are in.

Source: ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1 (intensive outpatient): "9 or more
hours of service per week for adults, 6 or more for adolescents"
(https://www.asam.org/asam-criteria). ASAM sets the minimum per patient and per level of care,
not per track.

How the requirement combines for a patient in two or more tracks (co-occurring care) is
**program policy**, not a published rule:

- the patient owes ONE weekly requirement, and hours attended in any of their tracks count
  toward it (an adult in a substance-use and a mental-health track owes 9 h, not 18);
- it is the highest of their tracks' requirements: the largest required hours of their
  enrolments (the phase, set at admission and changed by tapering), else the largest track
  minimum, else the ASAM minimum for their population;
- the population is decided by age (under 18: adolescent). When a patient is in both an
  adolescent and an adult track, only the tracks of their population count (so a 16-year-old
  owes the adolescent requirement); when none matches, every track counts.

A phase below the ASAM minimum comes only from an approved step-down: admission refuses fewer
hours (`admission_minimum_minutes`).

Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from openiop.domain.compliance.clock import format_minutes
from openiop.domain.compliance.model import DEFAULT_POLICY, CompliancePolicy, TrackEnrolment

ADOLESCENT_BELOW_AGE = 18


def is_adolescent(born: date, on: date) -> bool:
    """Under 18 on `on`: the adolescent population of ASAM Level 2.1."""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return years < ADOLESCENT_BELOW_AGE


def population_minimum_minutes(adolescent: bool, policy: CompliancePolicy = DEFAULT_POLICY) -> int:
    """ASAM Level 2.1: 9 hours a week for adults, 6 for adolescents."""
    return policy.adolescent_minimum_minutes if adolescent else policy.adult_minimum_minutes


@dataclass(frozen=True)
class WeeklyRequirement:
    """The patient's one weekly requirement and how it was reached."""

    minutes: int
    tracks: int  # how many tracks share it
    adolescent: bool
    basis: str  # "phase", "track" or "population"

    @property
    def label(self) -> str:
        """The words every page shows, e.g. "9 h a week (one requirement across both tracks)"."""
        return requirement_label(self.minutes, self.tracks)

    @property
    def reason(self) -> str:
        """Why this is the requirement, as a sentence for staff."""
        amount = format_minutes(self.minutes)
        population = "adolescent" if self.adolescent else "adult"
        if self.basis == "population":
            why = f"{population} minimum (ASAM Level 2.1)"
        elif self.basis == "track":
            why = "the track minimum"
        else:
            why = "the patient's required hours (their phase)"
        if self.tracks < 2:
            return f"Requirement {amount}: {why}."
        return (
            f"Requirement {amount}: one requirement across {_tracks_words(self.tracks)}, "
            f"the highest of them ({why}); hours in any of their tracks count "
            "(program policy)."
        )


def _tracks_words(count: int) -> str:
    return "both tracks" if count == 2 else f"all {count} tracks"


def requirement_label(minutes: int, tracks: int) -> str:
    """`540, 2` -> "9 h a week (one requirement across both tracks)"; `540, 1` -> "9 h a week"."""
    amount = f"{format_minutes(minutes)} a week"
    if tracks < 2:
        return amount
    return f"{amount} (one requirement across {_tracks_words(tracks)})"


def weekly_requirement(
    enrolments: Iterable[TrackEnrolment],
    *,
    adolescent: bool,
    policy: CompliancePolicy = DEFAULT_POLICY,
) -> WeeklyRequirement:
    """The patient's one weekly requirement over their active tracks (module docstring)."""
    every = list(enrolments)
    counted = [e for e in every if e.adolescent_track == adolescent] or every
    tracks = len({e.track for e in every})
    phases = [e.required_minutes for e in counted if e.required_minutes is not None]
    if phases:
        return WeeklyRequirement(max(phases), tracks, adolescent, "phase")
    minimums = [e.track_minimum_minutes for e in counted if e.track_minimum_minutes is not None]
    if minimums:
        return WeeklyRequirement(max(minimums), tracks, adolescent, "track")
    return WeeklyRequirement(
        population_minimum_minutes(adolescent, policy), tracks, adolescent, "population"
    )


def admission_minimum_minutes(
    track_minimum_minutes: int, *, adolescent: bool, policy: CompliancePolicy = DEFAULT_POLICY
) -> int:
    """The fewest minutes a week an admission may set for a track: the track minimum, and
    never below the ASAM Level 2.1 minimum of the patient's population (fewer hours come only
    later, through an approved step-down)."""
    return max(track_minimum_minutes, population_minimum_minutes(adolescent, policy))


@dataclass(frozen=True)
class AvailabilityCheck:
    """Whether the availability given can hold the required hours."""

    available_minutes: int
    required_minutes: int

    @property
    def enough(self) -> bool:
        return self.available_minutes >= self.required_minutes

    @property
    def warning(self) -> str:
        """The sentence shown at admission when it cannot; empty when it can."""
        if self.enough:
            return ""
        return (
            f"The availability given holds only {format_minutes(self.available_minutes)} of "
            f"group time a week, less than the {format_minutes(self.required_minutes)} "
            "required (ASAM Level 2.1). Add free times, or the schedule cannot reach the "
            "weekly minimum."
        )


Window = tuple[int, int, int]  # (weekday 0-6, start minute of the day, end minute of the day)


def available_group_minutes(free: Iterable[Window], group_times: Iterable[Window]) -> int:
    """Minutes a week in which the patient is free while groups meet: the overlap of their
    free windows with the program's group times (each counted once)."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for day, start, end in free:
        if end > start:
            by_day.setdefault(day, []).append((start, end))
    total = 0
    for day, start, end in _merged(group_times):
        for free_start, free_end in _merged_day(by_day.get(day, [])):
            total += max(0, min(end, free_end) - max(start, free_start))
    return total


def _merged_day(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _merged(windows: Iterable[Window]) -> list[Window]:
    by_day: dict[int, list[tuple[int, int]]] = {}
    for day, start, end in windows:
        if end > start:
            by_day.setdefault(day, []).append((start, end))
    return [(day, s, e) for day in sorted(by_day) for s, e in _merged_day(by_day[day])]


def availability_check(
    free: Iterable[Window], group_times: Iterable[Window], required_minutes: int
) -> AvailabilityCheck:
    """Can the free windows hold `required_minutes` of group time a week?"""
    return AvailabilityCheck(available_group_minutes(free, group_times), required_minutes)
