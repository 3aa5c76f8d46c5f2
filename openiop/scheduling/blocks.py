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
organization that keep the standard hours. Each site reads the block's times in its own time
zone when a week is published.

A site may keep its own hours for a part of the day (its setup page: an evening from 17:30 to
20:30). Its blocks of that part are then its own, ``<day>-<slot>-s<site>`` (``mon-ev-s3``), with
the site's times and the site in the iop-week/1 block (``blocks[].site``): only rooms of that
site and virtual rooms hold groups in them. Blocks overlapping in time clash in the solver
whatever their ids, so a counselor of two sites or a telehealth patient is still never in two
groups at once. The standard block of a part is left out when every site keeps its own hours
for it. :data:`BLOCK_BY_ID` resolves a site's block to the standard block of its day and part
(for labels and the review grid); its hours are the problem's, not the standard's.

Pure Python: no Django import.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
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
    site: str | None = None  # a site's own hours for this part of the day (``s<pk>``)

    @property
    def id(self) -> str:
        base = f"{self.day}-{self.slot}"
        return base if self.site is None else f"{base}-{self.site}"

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
        """The iop-week/1 ``blocks[]`` entry (``site`` only for a site's own hours)."""
        out = {
            "id": self.id,
            "day": self.day,
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }
        if self.site is not None:
            out["site"] = self.site
        return out


STANDARD_BLOCKS: tuple[StandardBlock, ...] = tuple(
    StandardBlock(day, slot, label, start, end) for day in DAYS for slot, label, start, end in SLOTS
)
SLOT_TIMES: dict[str, tuple[time, time]] = {slot: (start, end) for slot, _, start, end in SLOTS}


def standard_of(block_id: str) -> StandardBlock | None:
    """The standard block of a block id's day and part: ``mon-ev-s3`` -> ``mon-ev``."""
    return _STANDARD.get(block_id[:6] if len(block_id) > 6 and block_id[6] == "-" else block_id)


class _BlockIndex(dict[str, StandardBlock]):
    """The standard blocks by id; a site's own block (``mon-ev-s3``) finds the standard block
    of its day and part, so pages placing groups by day and part need no second lookup."""

    def __missing__(self, key: str) -> StandardBlock:
        block = standard_of(key) if isinstance(key, str) else None
        if block is None:
            raise KeyError(key)
        return block

    def get(self, key: str, default: StandardBlock | None = None) -> StandardBlock | None:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and standard_of(key) is not None


_STANDARD: dict[str, StandardBlock] = {b.id: b for b in STANDARD_BLOCKS}
BLOCK_BY_ID: dict[str, StandardBlock] = _BlockIndex(_STANDARD)


def week_blocks(
    week_start: date,
    first_day: date | None,
    own_hours: Mapping[str, Mapping[str, tuple[time, time]]],
    sites: Collection[str],
) -> tuple[StandardBlock, ...]:
    """The blocks of a week from ``first_day`` (all when None), in time order: the standard
    block of each day and part that some site of ``sites`` keeps the standard hours for (or
    when there is no site), and each site's own block where ``own_hours[site][part]`` differs
    from the standard."""
    out: list[StandardBlock] = []
    for day in DAYS:
        for slot, label, start, end in SLOTS:
            own = {
                site: hours[slot]
                for site, hours in own_hours.items()
                if site in sites and slot in hours and hours[slot] != (start, end)
            }
            if not sites or any(site not in own for site in sites):
                out.append(StandardBlock(day, slot, label, start, end))
            out.extend(
                StandardBlock(day, slot, label, s, e, site)
                for site, (s, e) in sorted(own.items(), key=lambda item: _site_order(item[0]))
            )
    blocks = [b for b in out if first_day is None or b.on(week_start) >= first_day]
    return tuple(sorted(blocks, key=lambda b: (b.weekday, b.start, b.end, b.id)))


def _site_order(site: str) -> tuple[int, str]:
    digits = site[1:]
    return (int(digits), site) if digits.isdigit() else (0, site)


def usable_at(block: StandardBlock, site: str | None, own_parts: Collection[str]) -> bool:
    """Whether a room of ``site`` (None: a virtual room, which takes every block) holds groups
    in ``block``: the site's own block of a part, or the standard block of a part whose
    standard hours the site keeps (``own_parts``: the parts it keeps its own hours for)."""
    if site is None:
        return True
    if block.site is not None:
        return block.site == site
    return block.slot not in own_parts


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def blocks_from(week_start: date, first_day: date | None) -> tuple[StandardBlock, ...]:
    """The standard blocks of the week on or after ``first_day`` (all of them when None)."""
    if first_day is None:
        return STANDARD_BLOCKS
    return tuple(b for b in STANDARD_BLOCKS if b.on(week_start) >= first_day)


def block_label(block_id: str) -> str:
    """``tue-ev`` -> ``Tuesday evening`` (a site's own ``tue-ev-s3`` too); unknown ids are
    returned unchanged."""
    block = standard_of(block_id)
    if block is None:
        return block_id
    return f"{DAY_NAMES[block.day]} {block.label.lower()}"


def covers(windows: list[tuple[int, time, time]], block: StandardBlock) -> bool:
    """Whether one weekly window (weekday, start, end) holds the whole block."""
    return any(
        weekday == block.weekday and start <= block.start and end >= block.end
        for weekday, start, end in windows
    )


def covers_part(windows: list[tuple[int, time, time]], block: StandardBlock) -> bool:
    """Whether the windows hold the block, or hold the standard hours of its day and part
    when it is a site's own block: free times recorded on the grid of parts of the day
    (the intake form) mean that part of the day at the patient's site, whatever its hours."""
    if covers(windows, block):
        return True
    if block.site is None:
        return False
    start, end = SLOT_TIMES[block.slot]
    return covers(windows, StandardBlock(block.day, block.slot, block.label, start, end))
