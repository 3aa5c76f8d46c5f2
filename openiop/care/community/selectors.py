"""Reads of community support: the peer meetings of recent weeks, by kind."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from openiop.care.common import monday
from openiop.care.models import MeetingKind, PeerMeetingWeek
from openiop.patients.models import Patient

WEEKS_SHOWN = 8


@dataclass(frozen=True)
class WeekRow:
    week_start: date
    counts: list[int | None]
    total: int
    summary: str


@dataclass(frozen=True)
class MeetingWeeks:
    meeting_kinds: list[tuple[str, str]]
    weeks: list[WeekRow]
    """Newest first; only weeks with a record (a week without one is not recorded, not zero)."""


def meeting_weeks(patient: Patient, *, today: date) -> MeetingWeeks:
    """Peer meetings of the last ``WEEKS_SHOWN`` weeks (this one included), by kind; one query."""
    this_monday = monday(today)
    first_week = this_monday - timedelta(weeks=WEEKS_SHOWN - 1)
    week_rows: dict[date, dict[str, int]] = defaultdict(dict)
    for w, kind, count in PeerMeetingWeek.objects.filter(
        patient=patient, week_start__gte=first_week
    ).values_list("week_start", "kind", "count"):
        week_rows[w][kind] = count
    kinds = list(MeetingKind.choices)
    weeks = [
        WeekRow(
            w,
            [week_rows[w].get(k) for k, _ in kinds],
            sum(week_rows[w].values()),
            ", ".join(f"{label} {n}" for k, label in kinds if (n := week_rows[w].get(k))),
        )
        for w in (first_week + timedelta(weeks=i) for i in range(WEEKS_SHOWN))
        if w in week_rows
    ]
    return MeetingWeeks(kinds, list(reversed(weeks)))
