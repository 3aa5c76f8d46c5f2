"""The iop-week/1 exchange format as frozen dataclasses, with a strict parser and a serializer.

The format is "iop-week/1"; section names below refer to its specification. ``parse_problem`` turns a JSON dict into a :class:`Problem` and raises :class:`FormatError`
listing every offending entry (``patients[p7].tracks: unknown track 'adult'``) rather than the first
one only. Unknown keys are ignored (format preamble). Missing optional keys take these defaults:

========================================  =========
``rooms[].site``                           null
``rooms[].virtual``                        false
``counselors[].site``                      null
``counselors[].max_hours``                 40
``patients[].max_hours``                   19 (ASAM level 2.1 upper bound, 9-19 h/week)
``patients[].max_blocks_per_day``          1
``patients[].telehealth_ok``               false
``previous``                               null
``blocks[].site``                          null (extension, below)
``tracks[].blocks``                        null: any block (extension, below)
========================================  =========

Two optional keys extend iop-week/1; files without them parse as before, and the serializer
leaves them out when they hold their default, so older readers see the same document:

- ``blocks[].site``: the block keeps the hours of that site only (a site whose evening runs
  17:30-20:30); it is usable in rooms of that site and in virtual rooms, never in another
  site's rooms. Null: a block of every site.
- ``tracks[].blocks``: the blocks the track meets in (its own hours); null or absent: any block.

Blocks that overlap in time on one day clash whatever their ids: a counselor, a room and a
patient are in at most one group of a set of overlapping blocks (:attr:`Problem.clash_sets`).

Contradictory data is refused: ``week_start`` not a Monday, a block whose ``end`` is not after its
``start``, ``min_group > max_group``, ``min_hours > max_hours``, a virtual room naming a site or a
physical room naming none ("rooms[].virtual: it has no site"), and a counselor or patient whose
site has no room. ``previous`` is parsed for shape only: it describes an earlier week, so patients
or counselors who have since left are not errors (they are ignored by the solver).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from openiop.domain.scheduling._reader import Reader

PROBLEM_FORMAT = "iop-week/1"
SOLUTION_FORMAT = "iop-week-solution/1"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class FormatError(ValueError):
    """Input that does not follow iop-week/1; ``problems`` names each offending entry."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


def hours_to_minutes(hours: float) -> int:
    """Hours as whole minutes; the solvers count time in minutes to stay in integers."""
    return round(hours * 60)


@dataclass(frozen=True)
class Block:
    """A time slot of the week; its length is what it adds to patient and counselor hours."""

    id: str
    day: str
    start: str
    end: str
    site: str | None = None

    @property
    def start_minute(self) -> int:
        return int(self.start[:2]) * 60 + int(self.start[3:])

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.minutes

    def overlaps(self, other: Block) -> bool:
        """Same day and time ranges that intersect (touching ends do not overlap)."""
        return (
            self.day == other.day
            and self.start_minute < other.end_minute
            and other.start_minute < self.end_minute
        )

    def describe(self) -> str:
        """``mon-ev (mon 18:00-21:00)``: the id with its day and times, for messages."""
        return f"{self.id} ({self.day} {self.start}-{self.end})"

    @property
    def minutes(self) -> int:
        return int(self.end[:2]) * 60 + int(self.end[3:]) - self.start_minute

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class Track:
    """A treatment track; its groups hold ``min_group``..``max_group`` patients (constraint 2)."""

    id: str
    min_group: int
    max_group: int
    blocks: tuple[str, ...] | None = None

    def meets_in(self, block: str) -> bool:
        """Whether the track may meet in ``block`` (``tracks[].blocks``; None: any block)."""
        return self.blocks is None or block in self.blocks


@dataclass(frozen=True)
class Room:
    """A room at a site, or a virtual (telehealth) room with no site."""

    id: str
    site: str | None
    capacity: int
    blocks: tuple[str, ...]
    virtual: bool = False


@dataclass(frozen=True)
class Counselor:
    """A counselor; ``site`` None means any site (format: ``counselors[].site``)."""

    id: str
    tracks: tuple[str, ...]
    blocks: tuple[str, ...]
    max_hours: float = 40.0
    site: str | None = None


@dataclass(frozen=True)
class Patient:
    """A patient; ``blocks`` are the times free from work, school and family duties."""

    id: str
    site: str
    tracks: tuple[str, ...]
    min_hours: float
    max_hours: float
    blocks: tuple[str, ...]
    max_blocks_per_day: int = 1
    telehealth_ok: bool = False


@dataclass(frozen=True)
class Group:
    """One track meeting in one block, led by one counselor, in one room."""

    id: str
    track: str
    block: str
    counselor: str
    room: str
    patients: tuple[str, ...]


@dataclass(frozen=True)
class Solution:
    """An iop-week-solution/1 document: the groups and free-form ``stats``."""

    groups: tuple[Group, ...]
    stats: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """An iop-week/1 problem; the ``*_by_id`` views are computed once per instance."""

    week_start: date
    blocks: tuple[Block, ...]
    tracks: tuple[Track, ...]
    rooms: tuple[Room, ...]
    counselors: tuple[Counselor, ...]
    patients: tuple[Patient, ...]
    previous: Solution | None = None

    @cached_property
    def block_by_id(self) -> dict[str, Block]:
        return {b.id: b for b in self.blocks}

    @cached_property
    def track_by_id(self) -> dict[str, Track]:
        return {t.id: t for t in self.tracks}

    @cached_property
    def room_by_id(self) -> dict[str, Room]:
        return {r.id: r for r in self.rooms}

    @cached_property
    def counselor_by_id(self) -> dict[str, Counselor]:
        return {c.id: c for c in self.counselors}

    @cached_property
    def patient_by_id(self) -> dict[str, Patient]:
        return {p.id: p for p in self.patients}

    @cached_property
    def overlapping(self) -> dict[str, frozenset[str]]:
        """Block id -> the ids of the blocks overlapping it in time, itself included."""
        by_day: dict[str, list[Block]] = {}
        for b in self.blocks:
            by_day.setdefault(b.day, []).append(b)
        return {
            b.id: frozenset(o.id for o in by_day[b.day] if o.id == b.id or o.overlaps(b))
            for b in self.blocks
        }

    @cached_property
    def clash_sets(self) -> tuple[tuple[str, ...], ...]:
        """The maximal sets of mutually overlapping blocks of each day (the maximal cliques of
        the day's interval graph), each block in at least one; a block overlapping nothing is
        a set of its own. "At most one group in each set" is exactly "never in two
        overlapping blocks": a sweep over start times finds them, since every maximal
        clique of intervals is the set of intervals holding some interval's start."""
        by_day: dict[str, list[Block]] = {}
        for b in self.blocks:
            by_day.setdefault(b.day, []).append(b)
        sets: list[tuple[str, ...]] = []
        for day in sorted(by_day, key=lambda d: DAYS.index(d) if d in DAYS else 7):
            blocks = sorted(by_day[day], key=lambda b: (b.start_minute, b.end_minute, b.id))
            candidates = [
                frozenset(o.id for o in blocks if o.start_minute <= b.start_minute < o.end_minute)
                for b in blocks
            ]
            maximal = [c for c in dict.fromkeys(candidates) if not any(c < d for d in candidates)]
            order = {b.id: i for i, b in enumerate(blocks)}
            sets.extend(tuple(sorted(c, key=order.__getitem__)) for c in maximal)
        return tuple(sets)


def _parse_week_start(r: Reader, value: object) -> date:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        r.fail("week_start", f"must be an ISO date (YYYY-MM-DD), got {value!r}")
        return date(2000, 1, 3)
    if day.weekday() != 0:
        name = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        r.fail("week_start", f"{value} is a {name[day.weekday()]}, not a Monday")
    return day


def _parse_blocks(r: Reader, data: Mapping[str, Any]) -> dict[str, Block]:
    blocks: dict[str, Block] = {}
    for ident, e in r.entries(data, "blocks"):
        where = f"blocks[{ident}]"
        day, start, end = e.get("day"), e.get("start"), e.get("end")
        ok = True
        if day not in DAYS:
            r.fail(f"{where}.day", f"must be one of {', '.join(DAYS)}, got {day!r}")
            ok = False
        for key, value in (("start", start), ("end", end)):
            if not isinstance(value, str) or not _TIME.match(value):
                r.fail(f"{where}.{key}", f"must be a 24-hour time HH:MM, got {value!r}")
                ok = False
        site = r.get(e, "site", where, "site", None)
        if ok:
            block = Block(ident, str(day), str(start), str(end), site)
            if block.minutes <= 0:
                r.fail(where, f"end {end} is not after start {start}")
            blocks[ident] = block
    return blocks


def _parse_tracks(r: Reader, data: Mapping[str, Any], blocks: dict[str, Block]) -> dict[str, Track]:
    tracks: dict[str, Track] = {}
    for ident, e in r.entries(data, "tracks"):
        where = f"tracks[{ident}]"
        allowed = None
        if e.get("blocks") is not None:
            allowed = r.refs(e, "blocks", where, blocks)
        track = Track(
            ident,
            r.get(e, "min_group", where, "count") or 1,
            r.get(e, "max_group", where, "count") or 1,
            allowed,
        )
        if track.min_group > track.max_group:
            r.fail(where, f"min_group {track.min_group} > max_group {track.max_group}")
        tracks[ident] = track
    return tracks


def parse_problem(data: object) -> Problem:
    """Parse and check an iop-week/1 problem (format section "Problem"); raise FormatError."""
    r = Reader()
    doc = r.obj(data, "problem")
    if doc.get("format", PROBLEM_FORMAT) != PROBLEM_FORMAT:
        r.fail("format", f"expected {PROBLEM_FORMAT!r}, got {doc.get('format')!r}")
    week_start = _parse_week_start(r, doc.get("week_start"))
    blocks = _parse_blocks(r, doc)
    tracks = _parse_tracks(r, doc, blocks)
    rooms = _parse_rooms(r, doc, blocks)
    sites = {room.site for room in rooms if room.site is not None}
    for block in blocks.values():
        if block.site is not None and block.site not in sites:
            r.fail(f"blocks[{block.id}].site", f"unknown site {block.site!r} (no room there)")
    counselors = _parse_counselors(r, doc, blocks, tracks, sites)
    patients = _parse_patients(r, doc, blocks, tracks, sites)
    previous = None
    if doc.get("previous") is not None:
        try:
            previous = parse_solution(doc["previous"])
        except FormatError as exc:
            r.errors.extend(f"previous.{problem}" for problem in exc.problems)
    if r.errors:
        raise FormatError(r.errors)
    return Problem(
        week_start,
        tuple(blocks.values()),
        tuple(tracks.values()),
        tuple(rooms),
        tuple(counselors),
        tuple(patients),
        previous,
    )


def _parse_rooms(r: Reader, doc: Mapping[str, Any], blocks: dict[str, Block]) -> list[Room]:
    """Rooms: a virtual room has no site, any other room needs one."""
    rooms: list[Room] = []
    for ident, e in r.entries(doc, "rooms"):
        where = f"rooms[{ident}]"
        virtual = bool(r.get(e, "virtual", where, "flag", False))
        site = r.get(e, "site", where, "site", None)
        if virtual and site is not None:
            r.fail(f"{where}.site", "a virtual room has no site")
        if not virtual and site is None:
            r.fail(f"{where}.site", "a room that is not virtual needs a site")
        capacity = r.get(e, "capacity", where, "count") or 1
        rooms.append(Room(ident, site, capacity, r.refs(e, "blocks", where, blocks), virtual))
    return rooms


def _parse_counselors(
    r: Reader,
    doc: Mapping[str, Any],
    blocks: dict[str, Block],
    tracks: dict[str, Track],
    sites: set[str],
) -> list[Counselor]:
    """Counselors: a site, when given, must have a room."""
    counselors: list[Counselor] = []
    for ident, e in r.entries(doc, "counselors"):
        where = f"counselors[{ident}]"
        site = r.get(e, "site", where, "site", None)
        if site is not None and site not in sites:
            r.fail(f"{where}.site", f"unknown site {site!r} (no room there)")
        counselors.append(
            Counselor(
                ident,
                r.refs(e, "tracks", where, tracks),
                r.refs(e, "blocks", where, blocks),
                float(r.get(e, "max_hours", where, "hours", 40) or 0),
                site,
            )
        )
    return counselors


def _parse_patients(
    r: Reader,
    doc: Mapping[str, Any],
    blocks: dict[str, Block],
    tracks: dict[str, Track],
    sites: set[str],
) -> list[Patient]:
    """Patients: a site with a room, at least one track, and ``min_hours <= max_hours``."""
    patients: list[Patient] = []
    for ident, e in r.entries(doc, "patients"):
        where = f"patients[{ident}]"
        site = r.get(e, "site", where, "id")
        if site is not None and site not in sites:
            r.fail(f"{where}.site", f"unknown site {site!r} (no room there)")
        patient = Patient(
            ident,
            str(site),
            r.refs(e, "tracks", where, tracks),
            float(r.get(e, "min_hours", where, "hours") or 0),
            float(r.get(e, "max_hours", where, "hours", 19) or 0),
            r.refs(e, "blocks", where, blocks),
            r.get(e, "max_blocks_per_day", where, "count", 1) or 1,
            bool(r.get(e, "telehealth_ok", where, "flag", False)),
        )
        if isinstance(e.get("tracks"), list) and not e["tracks"]:
            r.fail(f"{where}.tracks", "must name at least one track")
        if patient.min_hours > patient.max_hours:
            r.fail(where, f"min_hours {patient.min_hours:g} > max_hours {patient.max_hours:g}")
        patients.append(patient)
    return patients


def parse_solution(data: object) -> Solution:
    """Parse an iop-week-solution/1 document for shape only (format section "Solution").

    Whether its references and sizes make sense against a problem is the validator's job.
    """
    r = Reader()
    doc = r.obj(data, "solution")
    if doc.get("format", SOLUTION_FORMAT) != SOLUTION_FORMAT:
        r.fail("format", f"expected {SOLUTION_FORMAT!r}, got {doc.get('format')!r}")
    groups: list[Group] = []
    for i, raw in enumerate(r.items(doc, "groups", "")):
        e = r.obj(raw, f"groups[{i}]")
        name = e.get("id") if isinstance(e.get("id"), str) else str(i)
        where = f"groups[{name}]"
        values = [
            r.get(e, key, where, "id") for key in ("id", "track", "block", "counselor", "room")
        ]
        members = e.get("patients")
        if not isinstance(members, list) or not all(isinstance(p, str) for p in members):
            r.fail(f"{where}.patients", "must be a list of patient ids")
            members = []
        gid, track, block, counselor, room = values
        if all(isinstance(v, str) for v in values):
            groups.append(Group(gid, track, block, counselor, room, tuple(members)))
    stats = doc.get("stats", {})
    if r.errors:
        raise FormatError(r.errors)
    return Solution(tuple(groups), dict(stats) if isinstance(stats, Mapping) else {})


def _plain(entry: object) -> dict[str, Any]:
    """A dataclass as JSON-ready fields: tuples as lists, whole hours as integers (9, not 9.0)."""
    out = {}
    for key, value in asdict(entry).items():  # type: ignore[call-overload]
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    """Serialize to an iop-week-solution/1 JSON-ready dict."""
    groups = [_plain(g) for g in solution.groups]
    return {"format": SOLUTION_FORMAT, "groups": groups, "stats": dict(solution.stats)}


# Extension keys left out while they hold their default, so a file without them stays as it was.
_DEFAULT_EXTENSIONS = {"blocks": ("site",), "tracks": ("blocks",)}


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """Serialize to an iop-week/1 JSON-ready dict (``parse_problem`` reads it back unchanged)."""
    out: dict[str, Any] = {"format": PROBLEM_FORMAT, "week_start": problem.week_start.isoformat()}
    for key in ("blocks", "tracks", "rooms", "counselors", "patients"):
        entries = [_plain(entry) for entry in getattr(problem, key)]
        for entry in entries:
            for optional in _DEFAULT_EXTENSIONS.get(key, ()):
                if entry.get(optional) is None:
                    entry.pop(optional, None)
        out[key] = entries
    out["previous"] = None if problem.previous is None else solution_to_dict(problem.previous)
    return out
