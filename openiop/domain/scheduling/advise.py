"""What would close a shortfall: the cheapest changes to a week, each tried as a what-if.

When patients stay below ``min_hours`` (objective 1 of iop-week/1), :func:`advise` proposes single
changes that would let the week give them more hours, and measures each one:

``virtual_room``
    use a video (telehealth, format ``rooms[].virtual``) room in a block: an existing virtual
    room opened in that block, or a new one, for short patients cleared for telehealth;
``room``
    open a room of the patients' site that is not available in that block (``rooms[].blocks``);
``counselor_hours``
    add a block to the hours of a counselor credentialed for the track (``counselors[].blocks``),
    raising their ``max_hours`` when the block would pass it;
``new_group``
    open one more group with what the week already has: a counselor credentialed and free then,
    a room free then, and short patients free then (a schedule change, no setup change).

Each candidate is a *what-if*: the change is applied to the problem (:func:`apply`), and the
greedy solver (:mod:`greedy`) re-fills the week starting from the current schedule, so that every
group already there stays and only groups are added. The greedy solver is deterministic and
needs no time limit, so the figures are the same on any machine under any load; CP-SAT's limit
is wall-clock time (:func:`cpsat.solve`), which would make them depend on the machine. For a
setup change only the added groups that use the changed room or counselor are kept, so a figure
is what that change brings; an added group is kept whole, so the what-if schedule stays valid.
``new_group`` is measured exactly: the current schedule plus that group. A candidate is kept
only when its what-if schedule passes the independent :mod:`validator` and has less shortfall.
The shortfall after a change is therefore one a valid schedule reaches: a full solve after the
change can only do as well or better.

``limit`` is the number of what-ifs run (a count, not a time): candidates are first ordered by
the hours of short patients they could reach (a cheap estimate), and only the first ``limit``
are tried.

Ranking, cheapest first among equal effect: least shortfall after the change; then cost (a video
room, then another room, then a counselor's extra hours, then a new group: a video link costs
nothing, a room that stands empty costs little, staff hours cost pay, and a new group costs a
counselor's hours and splits patients over more groups, objective 2 of the format); then more
patients helped; ties keep the problem's order of blocks. At most two changes of the same room
or counselor (or new groups of the same counselor) are listed, so the list shows alternatives
rather than the same change in every block. The advice names counselors, rooms, sites, tracks and blocks by id, never a
patient: only how many short patients a change reaches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

from openiop.domain.scheduling.greedy import greedy
from openiop.domain.scheduling.index import VIRTUAL, place_of
from openiop.domain.scheduling.model import (
    Counselor,
    Group,
    Patient,
    Problem,
    Room,
    Solution,
    hours_to_minutes,
)
from openiop.domain.scheduling.validator import validate

KINDS = ("virtual_room", "room", "counselor_hours", "new_group")
COST = {kind: rank for rank, kind in enumerate(KINDS)}
DEFAULT_LIMIT = 24
DEFAULT_TOP = 8
PER_ENTITY = 2  # changes of one room or counselor listed, so that alternatives show
_EPSILON = 1e-9
_T = TypeVar("_T", Room, Counselor)
_NEW_VIDEO = "video-"  # id prefix of a video room the advice adds


@dataclass(frozen=True)
class Advice:
    """One proposed change and what it does to the week's shortfall.

    ``rooms`` and ``counselors`` are the entries as they would be after the change (a new
    video room, a room open in one more block, a counselor with one more block or more hours),
    in iop-week/1 shape; ``groups`` are groups to add to the schedule (``new_group``).
    ``schedule`` is the what-if schedule: valid for :func:`apply` of this advice, with
    ``shortfall_after`` hours of shortfall.
    """

    kind: str
    description: str
    block: str
    track: str
    place: str
    rooms: tuple[Room, ...]
    counselors: tuple[Counselor, ...]
    groups: tuple[Group, ...]
    shortfall_before: float
    shortfall_after: float
    short_patients: int
    patients_helped: int
    patients_reaching_minimum: int
    cost: int
    rank: int = 0
    schedule: Solution = field(default_factory=lambda: Solution(()), repr=False, compare=False)

    @property
    def hours_closed(self) -> float:
        return round(self.shortfall_before - self.shortfall_after, 6)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the what-if schedule (it lists patients)."""
        return {
            "rank": self.rank,
            "kind": self.kind,
            "description": self.description,
            "block": self.block,
            "track": self.track,
            "place": None if self.place == VIRTUAL else self.place,
            "changes": {
                "rooms": [_plain(r) for r in self.rooms],
                "counselors": [_plain(c) for c in self.counselors],
                "groups": [_plain(g) for g in self.groups],
            },
            "shortfall_hours_before": _hours(self.shortfall_before),
            "shortfall_hours_after": _hours(self.shortfall_after),
            "short_patients": self.short_patients,
            "patients_helped": self.patients_helped,
            "patients_reaching_minimum": self.patients_reaching_minimum,
            "cost": self.cost,
        }


def _hours(value: float) -> float | int:
    value = round(value, 3)
    return int(value) if value.is_integer() else value


def _plain(entry: Room | Counselor | Group) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in asdict(entry).items():
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def apply(problem: Problem, advice: Advice) -> Problem:
    """The problem with the advice's rooms and counselors in place (replaced by id, or added)."""
    rooms = _merge(problem.rooms, advice.rooms)
    counselors = _merge(problem.counselors, advice.counselors)
    return replace(problem, rooms=rooms, counselors=counselors)


def _merge(entries: tuple[_T, ...], changed: tuple[_T, ...]) -> tuple[_T, ...]:
    by_id = {e.id: e for e in changed}
    kept = tuple(by_id.pop(e.id, e) for e in entries)
    return kept + tuple(by_id.values())


@dataclass
class _Week:
    """What the current schedule uses, to find who and what is still free in a block."""

    problem: Problem
    solution: Solution
    got: dict[str, int]
    short: dict[str, int]  # patient -> minutes below min_hours
    patient_blocks: defaultdict[str, set[str]]
    day_count: defaultdict[tuple[str, str], int]
    counselor_blocks: defaultdict[str, set[str]]
    led: defaultdict[str, int]
    room_blocks: defaultdict[str, set[str]]

    def clashes(self, used: set[str], block: str) -> bool:
        """Whether any block in ``used`` is ``block`` or overlaps it in time."""
        overlapping = self.problem.overlapping.get(block, frozenset({block}))
        return not used.isdisjoint(overlapping)

    def patient_free(self, p: Patient, block: str) -> bool:
        """Constraint 5: free then, under max_blocks_per_day and max_hours with this block."""
        b = self.problem.block_by_id[block]
        return (
            block in p.blocks
            and not self.clashes(self.patient_blocks[p.id], block)
            and self.day_count[p.id, b.day] < p.max_blocks_per_day
            and self.got.get(p.id, 0) + b.minutes <= hours_to_minutes(p.max_hours)
        )

    def counselor_idle(self, c: Counselor, block: str) -> bool:
        """Not leading a group in this block or one overlapping it."""
        return not self.clashes(self.counselor_blocks[c.id], block)

    def counselor_hours_left(self, c: Counselor, block: str) -> bool:
        minutes = self.problem.block_by_id[block].minutes
        return self.led[c.id] + minutes <= hours_to_minutes(c.max_hours)

    def room_idle(self, r: Room, block: str) -> bool:
        return not self.clashes(self.room_blocks[r.id], block)


def _week(problem: Problem, solution: Solution) -> _Week:
    blocks = problem.block_by_id
    got: defaultdict[str, int] = defaultdict(int)
    patient_blocks: defaultdict[str, set[str]] = defaultdict(set)
    day_count: defaultdict[tuple[str, str], int] = defaultdict(int)
    counselor_blocks: defaultdict[str, set[str]] = defaultdict(set)
    led: defaultdict[str, int] = defaultdict(int)
    room_blocks: defaultdict[str, set[str]] = defaultdict(set)
    for g in solution.groups:
        block = blocks.get(g.block)
        if block is None:
            continue
        counselor_blocks[g.counselor].add(g.block)
        led[g.counselor] += block.minutes
        room_blocks[g.room].add(g.block)
        for pid in g.patients:
            got[pid] += block.minutes
            patient_blocks[pid].add(g.block)
            day_count[pid, block.day] += 1
    short = {
        p.id: need
        for p in problem.patients
        if (need := hours_to_minutes(p.min_hours) - got[p.id]) > 0
    }
    return _Week(
        problem, solution, dict(got), short, patient_blocks, day_count, counselor_blocks, led,
        room_blocks,
    )  # fmt: skip


@dataclass(frozen=True)
class _Slot:
    """A place, block and track where short patients could still be given a group."""

    place: str
    block: str
    track: str
    short: tuple[str, ...]  # short patients free then, most hours missing first
    others: tuple[str, ...]  # patients at their minimum free then (to reach min_group)


def _slots(w: _Week) -> list[_Slot]:
    """Every (place, block, track) where at least one short patient is free, in problem order,
    with enough free patients of the track in all to reach ``min_group``."""
    problem = w.problem
    order = {b.id: i for i, b in enumerate(problem.blocks)}
    free: defaultdict[tuple[str, str, str], list[str]] = defaultdict(list)
    for p in problem.patients:
        places = [p.site, VIRTUAL] if p.telehealth_ok else [p.site]
        for b in p.blocks:
            if not w.patient_free(p, b):
                continue
            for t in p.tracks:
                if not problem.track_by_id[t].meets_in(b):
                    continue
                for place in places:
                    free[place, b, t].append(p.id)
    slots = []
    for (place, b, t), pids in sorted(
        free.items(), key=lambda item: (order[item[0][1]], item[0][0], item[0][2])
    ):
        short = sorted((p for p in pids if p in w.short), key=lambda p: (-w.short[p], p))
        others = tuple(p for p in pids if p not in w.short)
        if short and len(short) + len(others) >= problem.track_by_id[t].min_group:
            slots.append(_Slot(place, b, t, tuple(short), others))
    return slots


@dataclass(frozen=True)
class _Candidate:
    kind: str
    slot: _Slot
    description: str
    rooms: tuple[Room, ...] = ()
    counselors: tuple[Counselor, ...] = ()
    groups: tuple[Group, ...] = ()
    reach: int = 0  # minutes of short patients it could give (estimate used for ``limit``)

    @property
    def key(self) -> tuple[Any, ...]:
        """Identical changes found from different slots count once."""
        if self.kind == "new_group":
            g = self.groups[0]
            return (self.kind, g.block, g.counselor, g.room, g.track)
        if self.kind == "virtual_room" and self.rooms[0].id.startswith(_NEW_VIDEO):
            return (self.kind, self.slot.block, "new")
        return (
            self.kind,
            tuple((r.id, r.blocks) for r in self.rooms),
            tuple((c.id, c.blocks, c.max_hours) for c in self.counselors),
        )


def _where(place: str) -> str:
    return "online" if place == VIRTUAL else f"at {place}"


def _room_text(room: Room) -> str:
    return "a video room" if room.virtual else f"room {room.id}"


def _counselor_may_work(c: Counselor, place: str) -> bool:
    """Constraint 3: a counselor with a site leads groups only there or in virtual rooms."""
    return c.site is None or place in (c.site, VIRTUAL)


def _room_fits(problem: Problem, r: Room, place: str, block: str, min_group: int) -> bool:
    """A room of this place holding ``min_group``, usable in this block (a block keeping one
    site's hours is used only in that site's rooms or in virtual rooms)."""
    site = problem.block_by_id[block].site
    return (
        place_of(r) == place
        and r.capacity >= min_group
        and (site is None or r.virtual or r.site == site)
    )


def _candidates(w: _Week, slot: _Slot) -> list[_Candidate]:
    problem = w.problem
    track = problem.track_by_id[slot.track]
    b = slot.block
    block = problem.block_by_id[b]
    credentialed = [
        c
        for c in sorted(problem.counselors, key=lambda c: c.id)
        if slot.track in c.tracks and _counselor_may_work(c, slot.place) and w.counselor_idle(c, b)
    ]
    free_counselors = [c for c in credentialed if b in c.blocks and w.counselor_hours_left(c, b)]
    fitting = sorted(
        (
            r
            for r in problem.rooms
            if _room_fits(problem, r, slot.place, b, track.min_group) and w.room_idle(r, b)
        ),
        key=lambda r: (r.capacity, r.id),
    )
    open_rooms = [r for r in fitting if b in r.blocks]
    closed_rooms = [r for r in fitting if b not in r.blocks]
    if block.site is not None and slot.place not in (block.site, VIRTUAL):
        return []
    n_short = len(slot.short)

    def reach(capacity: int) -> int:
        size = min(capacity, track.max_group)
        return sum(min(w.short[p], block.minutes) for p in slot.short[:size])

    def room_for(rooms: list[Room]) -> Room:
        """The smallest room holding the short patients (up to max_group), else the largest."""
        want = max(track.min_group, min(n_short, track.max_group))
        return next((r for r in rooms if r.capacity >= want), rooms[-1])

    reaching = f"{n_short} short patient{'s' * (n_short != 1)}"
    group_of = f"a group of {slot.track} on {b} {_where(slot.place)}"
    out: list[_Candidate] = []
    if free_counselors and open_rooms:
        out.append(_new_group(w, slot, free_counselors[0], room_for(open_rooms)))
    if free_counselors and not open_rooms:
        lead = free_counselors[0]
        if slot.place == VIRTUAL:
            existing = [r for r in closed_rooms if r.virtual]
            if existing:
                room = room_for(existing)
                changed = replace(room, blocks=(*room.blocks, b))
                text = f"Open the video room {room.id} on {b} too"
            else:
                changed = Room(_new_video_id(problem, b), None, track.max_group, (b,), True)
                text = f"Add a video (telehealth) room on {b}"
            out.append(
                _Candidate(
                    "virtual_room",
                    slot,
                    f"{text}, for {group_of}: counselor {lead.id} is free then and"
                    f" {reaching} cleared for telehealth could join.",
                    rooms=(changed,),
                    reach=reach(changed.capacity),
                )
            )
        elif closed_rooms:
            room = room_for(closed_rooms)
            out.append(
                _Candidate(
                    "room",
                    slot,
                    f"Open room {room.id} on {b} too, for {group_of}: counselor {lead.id} is"
                    f" free then and {reaching} could join.",
                    rooms=(replace(room, blocks=(*room.blocks, b)),),
                    reach=reach(room.capacity),
                )
            )
    if open_rooms and not free_counselors and credentialed:
        c = min(
            credentialed,
            key=lambda c: ((b not in c.blocks) + (not w.counselor_hours_left(c, b)), c.id),
        )
        blocks = c.blocks if b in c.blocks else (*c.blocks, b)
        needed = (w.led[c.id] + block.minutes) / 60
        max_hours = max(c.max_hours, needed)
        room = room_for(open_rooms)
        parts = []
        if b not in c.blocks:
            parts.append(f"add {b} ({block.hours:g} h) to counselor {c.id}'s available times")
        if max_hours > c.max_hours:
            parts.append(
                f"raise counselor {c.id}'s weekly hours from {c.max_hours:g} h to {max_hours:g} h"
            )
        text = " and ".join(parts)
        out.append(
            _Candidate(
                "counselor_hours",
                slot,
                f"{text[0].upper()}{text[1:]}, for {group_of}: they are credentialed for"
                f" {slot.track}, {_room_text(room)} is free then and {reaching} could join.",
                counselors=(replace(c, blocks=blocks, max_hours=max_hours),),
                reach=reach(room.capacity),
            )
        )
    return out


def _new_video_id(problem: Problem, block: str) -> str:
    taken = {r.id for r in problem.rooms}
    ident, n = f"{_NEW_VIDEO}{block}", 2
    while ident in taken:
        ident, n = f"{_NEW_VIDEO}{block}-{n}", n + 1
    return ident


def _new_group(w: _Week, slot: _Slot, counselor: Counselor, room: Room) -> _Candidate:
    """A group with the week's own free counselor and room: short patients first, then others
    free then up to ``min_group`` (their hours stay within ``max_hours``)."""
    problem = w.problem
    track = problem.track_by_id[slot.track]
    size = min(room.capacity, track.max_group)
    members = list(slot.short[:size])
    members += list(slot.others[: max(0, track.min_group - len(members))])
    taken = {g.id for g in w.solution.groups}
    gid, n = f"advice-{slot.block}-{room.id}", 2
    while gid in taken:
        gid, n = f"advice-{slot.block}-{room.id}-{n}", n + 1
    group = Group(gid, slot.track, slot.block, counselor.id, room.id, tuple(sorted(members)))
    n_short = min(len(slot.short), size)
    return _Candidate(
        "new_group",
        slot,
        f"Open one more group of {slot.track} on {slot.block} {_where(slot.place)}, led by"
        f" counselor {counselor.id} in {_room_text(room)}: both are free then and {n_short} short"
        f" patient{'s' * (n_short != 1)} could join.",
        groups=(group,),
        reach=sum(
            min(w.short[p], problem.block_by_id[slot.block].minutes) for p in slot.short[:size]
        ),
    )


def _what_if(w: _Week, c: _Candidate) -> tuple[Problem, Solution]:
    """The changed problem and the what-if schedule (module docstring)."""
    problem = w.problem
    if c.kind == "new_group":
        return problem, Solution((*w.solution.groups, *c.groups))
    changed = replace(
        problem,
        rooms=_merge(problem.rooms, c.rooms),
        counselors=_merge(problem.counselors, c.counselors),
    )
    filled = greedy(changed, start=w.solution)
    # The greedy solver renames the groups it replays: keep the schedule's own, add the new
    # groups that use the changed room or counselor.
    held = {(g.block, g.room) for g in w.solution.groups}
    ids = {g.id for g in w.solution.groups}
    rooms = {r.id for r in c.rooms}
    counselors = {x.id for x in c.counselors}
    added = []
    for g in filled.groups:
        if (g.block, g.room) in held or not (g.room in rooms or g.counselor in counselors):
            continue
        gid, n = g.id, 2
        while gid in ids:
            gid, n = f"{g.id}-{n}", n + 1
        ids.add(gid)
        added.append(replace(g, id=gid))
    groups = (*w.solution.groups, *added)
    return changed, Solution(groups)


def advise(
    problem: Problem,
    solution: Solution,
    *,
    limit: int = DEFAULT_LIMIT,
    top: int = DEFAULT_TOP,
) -> tuple[Advice, ...]:
    """Up to ``top`` changes that lower the schedule's shortfall, cheapest first among equal
    effect, from at most ``limit`` what-ifs (module docstring). No shortfall: no advice."""
    before = validate(problem, solution)
    w = _week(problem, solution)
    if not w.short or limit < 1 or top < 1:
        return ()
    seen: set[tuple[Any, ...]] = set()
    candidates: list[_Candidate] = []
    for slot in _slots(w):
        for c in _candidates(w, slot):
            if c.key not in seen:
                seen.add(c.key)
                candidates.append(c)
    candidates.sort(key=lambda c: (-c.reach, COST[c.kind]))  # stable: problem order breaks ties
    found: list[Advice] = []
    for c in candidates[:limit]:
        advice = _measure(w, c, before.shortfall_hours, set(before.errors))
        if advice is not None:
            found.append(advice)
    # Stable: among equal figures the candidates' order (problem order of blocks) stays.
    found.sort(key=lambda a: (round(a.shortfall_after, 6), a.cost, -a.patients_helped))
    shown: list[Advice] = []
    per_entity: defaultdict[tuple[str, ...], int] = defaultdict(int)
    for a in found:
        entity = _entity(a)
        if per_entity[entity] < PER_ENTITY and len(shown) < top:
            per_entity[entity] += 1
            shown.append(a)
    return tuple(replace(a, rank=i) for i, a in enumerate(shown, start=1))


def _entity(a: Advice) -> tuple[str, ...]:
    """What an advice changes: the room, the counselor, or the new group's counselor."""
    if a.groups:
        return (a.kind, a.groups[0].counselor)
    if a.rooms and a.rooms[0].id.startswith(_NEW_VIDEO):
        return (a.kind, _NEW_VIDEO)
    return (a.kind, *(r.id for r in a.rooms), *(c.id for c in a.counselors))


def _measure(w: _Week, c: _Candidate, before: float, errors: set[str]) -> Advice | None:
    """The advice with its what-if figures; None when it breaks a hard rule the schedule kept
    or does not lower the shortfall."""
    changed, schedule = _what_if(w, c)
    report = validate(changed, schedule)
    if not set(report.errors) <= errors or report.shortfall_hours >= before - _EPSILON:
        return None
    hours = report.patient_hours
    helped = [pid for pid in w.short if hours.get(pid, 0) * 60 > w.got.get(pid, 0) + _EPSILON]
    reaching = sum(
        1 for pid in helped if hours[pid] + _EPSILON >= changed.patient_by_id[pid].min_hours
    )
    return Advice(
        kind=c.kind,
        description=c.description,
        block=c.slot.block,
        track=c.slot.track,
        place=c.slot.place,
        rooms=c.rooms,
        counselors=c.counselors,
        groups=c.groups,
        shortfall_before=before,
        shortfall_after=report.shortfall_hours,
        short_patients=len(w.short),
        patients_helped=len(helped),
        patients_reaching_minimum=reaching,
        cost=COST[c.kind],
        schedule=schedule,
    )


def advice_to_dict(advice: Iterable[Advice]) -> list[dict[str, Any]]:
    return [a.to_dict() for a in advice]
