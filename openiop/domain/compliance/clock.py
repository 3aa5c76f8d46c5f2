"""Absolute time in whole seconds, and a week's local days in a site's time zone.

Subtracting two aware datetimes that share a zoneinfo tzinfo gives their wall-clock difference,
not the elapsed time (Python datetime docs, "aware" arithmetic within one tzinfo), so a 1:00-4:00
session on the night clocks fall back would show 3 hours instead of 4. Everything here works on
seconds since the Unix epoch instead, and only turns local midnights into instants.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def seconds(moment: datetime) -> int:
    """Whole seconds since the epoch for an aware datetime (exact, no float)."""
    return (moment - _EPOCH) // _SECOND


@dataclass(frozen=True)
class WeekCalendar:
    """Seven local days from `days[0]`; `bounds[i]` is the instant local day i begins and
    `bounds[7]` the instant the week ends. A 23- or 25-hour day is as long as it really is."""

    days: tuple[date, ...]
    bounds: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.bounds[0]

    @property
    def end(self) -> int:
        return self.bounds[7]

    def day_index(self, instant: int) -> int | None:
        """Which local day of the week holds `instant`, or None if outside the week."""
        if not self.bounds[0] <= instant < self.bounds[7]:
            return None
        return bisect_right(self.bounds, instant) - 1

    def clip_minutes(self, start: int, end: int) -> int:
        """Whole minutes of the span start..end that fall inside the week."""
        return max(min(end, self.bounds[7]) - max(start, self.bounds[0]), 0) // 60

    def add_minutes(self, start: int, end: int, per_day: list[int]) -> int:
        """Add the span start..end, cut at local midnights, to `per_day` as whole minutes per
        day (each piece rounded down); return the minutes added. Parts outside the week drop."""
        start = max(start, self.bounds[0])
        end = min(end, self.bounds[7])
        added = 0
        if start >= end:
            return added
        day = bisect_right(self.bounds, start) - 1
        while start < end:
            piece_end = min(end, self.bounds[day + 1])
            minutes = (piece_end - start) // 60
            per_day[day] += minutes
            added += minutes
            start = piece_end
            day += 1
        return added


@lru_cache(maxsize=256)
def week_calendar(zone: str, first_day: date) -> WeekCalendar:
    """The week of seven local days from `first_day` in IANA zone `zone`."""
    tz = ZoneInfo(zone)
    days = tuple(first_day + timedelta(days=i) for i in range(8))
    bounds = tuple(seconds(datetime.combine(day, time(0), tzinfo=tz)) for day in days)
    return WeekCalendar(days=days[:7], bounds=bounds)


def format_minutes(minutes: int) -> str:
    """`545` -> `9 h 5 min`, `15` -> `15 min`; for sentences shown to staff."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if not hours:
        return f"{sign}{rest} min"
    return f"{sign}{hours} h {rest} min" if rest else f"{sign}{hours} h"
