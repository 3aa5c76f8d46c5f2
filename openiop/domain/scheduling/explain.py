"""Why a patient falls short of ``min_hours``: one plain sentence per patient.

The reason is the first of these filters that leaves the patient unable to reach their minimum,
each a hard constraint of iop-week/1 (sections "Hard constraints" 2-5), counting at most
``max_blocks_per_day`` blocks a day and ``max_hours`` a week:

1. their free blocks ("free in only 2 blocks (6 h); needs 9 h");
1b. free blocks in which one of their tracks meets (``tracks[].blocks``: a track's own hours);
2. blocks with a room at their site, or a virtual room when ``telehealth_ok``;
3. blocks with a counselor credentialed for their track who may work there
   ("no counselor credentialed for adolescent is available in their free blocks except tue-ev");
4. blocks where at least ``min_group`` patients of their track are free at the same place.

When all four leave enough hours, the schedule itself is the reason, and the sentence says which of
their usable blocks have only full groups of their track, no counselor free (leading another group
or out of ``max_hours``), no room free, too few patients still short of hours free to reach
``min_group``, or a group that could open only by taking what keeps others at their minimum.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from openiop.domain.scheduling.index import VIRTUAL, Index, build_index, place_of
from openiop.domain.scheduling.model import Group, Patient, Problem, Solution, hours_to_minutes


@dataclass(frozen=True)
class Shortfall:
    """A patient below their weekly minimum and the reason, for ``stats.shortfalls``."""

    patient: str
    short_hours: float
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"patient": self.patient, "short_hours": self.short_hours, "reason": self.reason}


def _reachable(problem: Problem, patient: Patient, blocks: Iterable[str]) -> int:
    """Most minutes these blocks give with max_blocks_per_day and max_hours (constraint 5)."""
    by_day: defaultdict[str, list[int]] = defaultdict(list)
    for b in set(blocks):
        block = problem.block_by_id[b]
        by_day[block.day].append(block.minutes)
    total = sum(sum(sorted(m, reverse=True)[: patient.max_blocks_per_day]) for m in by_day.values())
    return min(total, hours_to_minutes(patient.max_hours))


def _names(blocks: Iterable[str]) -> str:
    return ", ".join(sorted(set(blocks)))


def _only(blocks: set[str]) -> str:
    return f" except {_names(blocks)}" if blocks else ""


def _structural(problem: Problem, index: Index, p: Patient) -> str | None:
    need = hours_to_minutes(p.min_hours)
    places = {p.site, VIRTUAL} if p.telehealth_ok else {p.site}
    tracks = [problem.track_by_id[t] for t in p.tracks]
    wants = f"needs {p.min_hours:g} h"
    free = set(p.blocks)
    reachable = _reachable(problem, p, free)
    if reachable < need:
        days = len({problem.block_by_id[b].day for b in free})
        if sum(problem.block_by_id[b].minutes for b in free) > reachable:
            cap = f"{days} day{'s' * (days != 1)}, at most {p.max_blocks_per_day} a day: {reachable / 60:g} h"
            return f"free in only {len(free)} blocks on {cap}; {wants}"
        return f"free in only {len(free)} blocks ({reachable / 60:g} h); {wants}"
    met = {b for b in free if any(t.meets_in(b) for t in tracks)}
    if _reachable(problem, p, met) < need:
        return f"{' or '.join(p.tracks)} meets only at times they are not free{_only(met)}; {wants}"
    free = met
    roomed = {
        b
        for (place, b), caps in index.rooms.items()
        if place in places and b in free and any(c >= t.min_group for c in caps for t in tracks)
    }
    where = f"{p.site} or a virtual room" if p.telehealth_ok else p.site
    if _reachable(problem, p, roomed) < need:
        return f"no room at {where} is open in their free blocks{_only(roomed)}; {wants}"
    staffed = {
        b
        for c in problem.counselors
        if c.site is None or c.site in places or VIRTUAL in places
        for b in c.blocks
        if b in roomed and any(t.id in c.tracks and t.meets_in(b) for t in tracks)
    }
    if _reachable(problem, p, staffed) < need:
        return (
            f"no counselor credentialed for {' or '.join(p.tracks)} is available in their free blocks"
            f"{_only(staffed)}; {wants}"
        )
    grouped = {o[1] for o in index.patient_options.get(p.id, ())}
    if _reachable(problem, p, grouped) < need:
        least = min(t.min_group for t in tracks)
        return (
            f"too few other {' or '.join(p.tracks)} patients are free at their times to reach"
            f" the smallest group size ({least}){_only(grouped)}; {wants}"
        )
    return None


@dataclass
class _Occupancy:
    """What the schedule already uses: counselors, rooms and patients by block, the minutes
    each counselor leads and the blocks each patient has a day (hard constraints 3 to 5)."""

    problem: Problem
    groups: list[Group]
    counselors_busy: set[tuple[str, str]]
    led: defaultdict[str, int]
    rooms_busy: set[tuple[str, str]]
    patients_busy: set[tuple[str, str]]
    day_count: defaultdict[tuple[str, str], int]

    def busy(self, used: set[tuple[str, str]], who: str, block: str) -> bool:
        """In a group of this block or of one overlapping it."""
        return any((who, b) in used for b in self.problem.overlapping[block])

    def exhausted(self, cid: str, block: str) -> bool:
        """The counselor leads another group then, or one more would pass their max_hours."""
        c = self.problem.counselor_by_id[cid]
        minutes = self.problem.block_by_id[block].minutes
        return self.busy(self.counselors_busy, cid, block) or self.led[
            cid
        ] + minutes > hours_to_minutes(c.max_hours)

    def could_join(self, pid: str, block: str, got: dict[str, int]) -> bool:
        """The patient is still short of hours and free to take one more block then."""
        q = self.problem.patient_by_id[pid]
        day = self.problem.block_by_id[block].day
        short = got.get(pid, 0) < hours_to_minutes(q.min_hours)
        return (
            short
            and not self.busy(self.patients_busy, pid, block)
            and self.day_count[pid, day] < q.max_blocks_per_day
        )


def _occupancy(problem: Problem, solution: Solution) -> _Occupancy:
    """The schedule's occupancy, from its groups."""
    # Only groups naming a known block and room count (a hand-edited schedule may not be valid).
    groups = [
        g
        for g in solution.groups
        if g.block in problem.block_by_id and g.room in problem.room_by_id
    ]
    led: defaultdict[str, int] = defaultdict(int)
    for g in groups:
        led[g.counselor] += problem.block_by_id[g.block].minutes
    day_count: defaultdict[tuple[str, str], int] = defaultdict(int)
    for g in groups:
        for pid in g.patients:
            day_count[pid, problem.block_by_id[g.block].day] += 1
    return _Occupancy(
        problem=problem,
        groups=groups,
        counselors_busy={(g.counselor, g.block) for g in groups},
        led=led,
        rooms_busy={(g.room, g.block) for g in groups},
        patients_busy={(pid, g.block) for g in groups for pid in g.patients},
        day_count=day_count,
    )


# What kept a patient out of a usable block, in the order the sentence lists them.
_SCHEDULE_REASONS = (
    ("full", "groups at their times are full ({})"),
    ("no_staff", "every credentialed counselor is leading another group or out of hours ({})"),
    ("no_room", "every room is in use ({})"),
    (
        "few",
        "too few patients still short of hours are free then to reach the smallest group size ({})",
    ),
    (
        "traded",
        "a group then would take counselors, rooms or patients that keep others at their"
        " minimum ({})",
    ),
    ("day_cap", "already at max_blocks_per_day on those days ({})"),
)


def _from_schedule(
    problem: Problem, index: Index, solution: Solution, p: Patient, got: dict[str, int]
) -> str:
    """Which of the patient's usable blocks the schedule took from them, and how."""
    occupancy = _occupancy(problem, solution)
    mine = {g.block for g in occupancy.groups if p.id in g.patients}
    days: defaultdict[str, int] = defaultdict(int)
    for b in mine:
        days[problem.block_by_id[b].day] += 1
    reasons: defaultdict[str, set[str]] = defaultdict(set)
    for place, b, t in index.patient_options.get(p.id, ()):
        if b in mine:
            continue
        if days[problem.block_by_id[b].day] >= p.max_blocks_per_day:
            reasons["day_cap"].add(b)
            continue
        why = _blocked(occupancy, index, place, b, t, got)
        if why is not None:
            reasons[why].add(b)
    parts = [text.format(_names(reasons[key])) for key, text in _SCHEDULE_REASONS if reasons[key]]
    return "; ".join(parts) if parts else "the best schedule found leaves them short"


def _blocked(
    occupancy: _Occupancy, index: Index, place: str, b: str, t: str, got: dict[str, int]
) -> str | None:
    """Why the schedule has no seat of track ``t`` at ``place`` in block ``b`` (a key of
    ``_SCHEDULE_REASONS``), or None when a group there still has room."""
    problem = occupancy.problem
    here = [
        g
        for g in occupancy.groups
        if g.block == b and g.track == t and place_of(problem.room_by_id[g.room]) == place
    ]
    track = problem.track_by_id[t]
    if here:
        limits = [min(track.max_group, problem.room_by_id[g.room].capacity) for g in here]
        full = all(len(g.patients) >= cap for g, cap in zip(here, limits, strict=True))
        return "full" if full else None
    if all(occupancy.exhausted(c, b) for c in index.counselors_of[place, b, t]):
        return "no_staff"
    if all(
        occupancy.busy(occupancy.rooms_busy, r, b)
        for cap in index.capacities((place, b, t))
        for r in index.rooms[place, b][cap]
    ):
        return "no_room"
    if (
        sum(occupancy.could_join(q, b, got) for q in index.patients_of[place, b, t])
        < track.min_group
    ):
        return "few"
    return "traded"


def explain(problem: Problem, solution: Solution, index: Index | None = None) -> list[Shortfall]:
    """A :class:`Shortfall` for each patient scheduled below ``min_hours``, in problem order."""
    index = index or build_index(problem)
    got: defaultdict[str, int] = defaultdict(int)
    for g in solution.groups:
        block = problem.block_by_id.get(g.block)
        for pid in g.patients:
            got[pid] += block.minutes if block else 0
    out = []
    for p in problem.patients:
        short = hours_to_minutes(p.min_hours) - got[p.id]
        if short > 0:
            reason = _structural(problem, index, p) or _from_schedule(
                problem, index, solution, p, got
            )
            out.append(Shortfall(p.id, short / 60, reason))
    return out
