"""Which repeated measures a patient is due for (measurement-based care).

A track's schedule is a list of (instrument, every N weeks). Defaults, used until a program
sets its own for the track: PHQ-9 and GAD-7 every 2 weeks for every track (both ask about the
last two weeks, so a two-week interval does not overlap); BAM every 4
weeks in substance-use, alcohol and co-occurring tracks (it asks about the past 30 days;
validated in adults, so not in the adolescent track); SCOFF every 4 weeks in
the eating-disorders track. The intervals are common practice, not a published standard.

A measure never given during the enrolment is due on the enrolment's first day (the baseline);
afterwards it is due ``every_weeks`` after the last administration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class ScheduledMeasure:
    instrument: str
    every_weeks: int

    def __post_init__(self) -> None:
        if not 1 <= self.every_weeks <= 26:
            raise ValueError("every_weeks must be 1-26")


_MOOD = (ScheduledMeasure("phq9", 2), ScheduledMeasure("gad7", 2))
_BAM = ScheduledMeasure("bam", 4)

DEFAULT_SCHEDULES: dict[str, tuple[ScheduledMeasure, ...]] = {
    "substance_use": (*_MOOD, _BAM),
    "alcohol": (*_MOOD, _BAM),
    "co_occurring": (*_MOOD, _BAM),
    "mental_health": _MOOD,
    "adolescents": _MOOD,
    "eating_disorders": (*_MOOD, ScheduledMeasure("scoff", 4)),
}


def default_schedule(track_kind: str) -> tuple[ScheduledMeasure, ...]:
    return DEFAULT_SCHEDULES.get(track_kind, _MOOD)


@dataclass(frozen=True)
class DueMeasure:
    instrument: str
    every_weeks: int
    due_on: date
    last_on: date | None

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due_on).days)


def due_measures(
    schedule: Iterable[ScheduledMeasure],
    *,
    starts_on: date,
    last_given: Mapping[str, date],
    today: date,
    horizon_days: int = 0,
) -> list[DueMeasure]:
    """The scheduled measures due on or before ``today + horizon_days``, earliest first."""
    out = []
    for item in schedule:
        last = last_given.get(item.instrument)
        if last is not None and last < starts_on:
            last = None  # given before this enrolment: a new baseline is due
        due_on = starts_on if last is None else last + timedelta(weeks=item.every_weeks)
        if due_on <= today + timedelta(days=horizon_days):
            out.append(DueMeasure(item.instrument, item.every_weeks, due_on, last))
    return sorted(out, key=lambda d: (d.due_on, d.instrument))
