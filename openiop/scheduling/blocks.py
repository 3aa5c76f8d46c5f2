"""The standard weekly blocks of every site: the one place they are defined.

IOP sessions last about 3 hours, 3 to 5 days a week, often in the evening or at weekends so that
patients keep working or studying (common IOP practice). OpenIOP's standard week
is three 3-hour blocks, Monday to Saturday, in each site's local time:

========  ===========  ==============
slot      label        local time
========  ===========  ==============
``am``    Morning      09:00 - 12:00
``pm``    Afternoon    13:00 - 16:00
``ev``    Evening      18:00 - 21:00
========  ===========  ==============

Block ids are ``<day>-<slot>`` (``mon-am`` ... ``sat-ev``) and are shared by all sites of an
organization: a counselor who works at two sites, or a telehealth group joining patients of two
sites, is then seen by the solver as busy in the same block everywhere. Each site reads the
block's times in its own time zone when a week is published. Changing the blocks means changing
``SLOTS`` and ``DAYS`` here (a per-site setting can replace them later).

Pure Python: no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat")
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
ALL_DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOTS: tuple[tuple[str, str, time, time], ...] = (
    ("am", "Morning", time(9), time(12)),
    ("pm", "Afternoon", time(13), time(16)),
    ("ev", "Evening", time(18), time(21)),
)


@dataclass(frozen=True)
class StandardBlock:
    """One block of the standard week, e.g. ``tue-ev`` (Tuesday evening, 18:00-21:00)."""

    day: str
    slot: str
    label: str
    start: time
    end: time

    @property
    def id(self) -> str:
        return f"{self.day}-{self.slot}"

    @property
    def weekday(self) -> int:
        """0 = Monday, as ``date.weekday()`` and ``organization.Weekday``."""
        return ALL_DAYS.index(self.day)

    @property
    def hours(self) -> float:
        return (
            self.end.hour * 60 + self.end.minute - self.start.hour * 60 - self.start.minute
        ) / 60

    def on(self, week_start: date) -> date:
        """The date of this block in the week starting on Monday ``week_start``."""
        return week_start + timedelta(days=self.weekday)

    def as_format(self) -> dict[str, str]:
        """The iop-week/1 ``blocks[]`` entry."""
        return {
            "id": self.id,
            "day": self.day,
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }


STANDARD_BLOCKS: tuple[StandardBlock, ...] = tuple(
    StandardBlock(day, slot, label, start, end) for day in DAYS for slot, label, start, end in SLOTS
)
BLOCK_BY_ID: dict[str, StandardBlock] = {b.id: b for b in STANDARD_BLOCKS}


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def blocks_from(week_start: date, first_day: date | None) -> tuple[StandardBlock, ...]:
    """The standard blocks of the week on or after ``first_day`` (all of them when None)."""
    if first_day is None:
        return STANDARD_BLOCKS
    return tuple(b for b in STANDARD_BLOCKS if b.on(week_start) >= first_day)


def block_label(block_id: str) -> str:
    """``tue-ev`` -> ``Tuesday evening``; unknown ids are returned unchanged."""
    block = BLOCK_BY_ID.get(block_id)
    if block is None:
        return block_id
    return f"{DAY_NAMES[block.day]} {block.label.lower()}"


def covers(windows: list[tuple[int, time, time]], block: StandardBlock) -> bool:
    """Whether one weekly window (weekday, start, end) holds the whole block."""
    return any(
        weekday == block.weekday and start <= block.start and end >= block.end
        for weekday, start, end in windows
    )
