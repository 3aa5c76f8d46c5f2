"""The integer linear model shared by the CP-SAT solver and the HiGHS LP bound.

Variables (over the opportunities of :mod:`index`):

- ``y[p, o]`` 0/1: patient p attends a group of opportunity o = (place, block, track);
- ``m[o, k]`` integer: groups of o held in rooms of usable capacity k (rooms counted, not named);
- ``w[c, o]`` 0/1: counselor c leads one group of o;
- ``short[p]`` minutes below ``min_hours``; ``changed[p]`` 0/1 for objective 3.

Rows, citing iop-week/1 "Hard constraints": rooms of each capacity in use in a block at a place do
not exceed those free, over overlapping blocks too (4); one counselor per group, ``sum w = sum m``
(3); a counselor leads at most one group in a set of overlapping blocks and stays within
``max_hours`` (3); the patients of o fit the groups opened,
``min_group * groups <= patients <= sum k * m`` (2), which is exact because any such total can be
split into groups of sizes within each room's bounds; a patient attends at most one group in a
set of overlapping blocks,
``max_blocks_per_day`` a day and ``max_hours`` a week (5). Tracks, free blocks, places and
credentials are enforced by the opportunities themselves (1, 3, 5).

Objectives (format "Objective, in strict priority order"): total ``short`` (1), total groups (2),
changes from ``previous`` (3, as defined in :func:`validator.count_changes`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from openiop.domain.scheduling.index import Index, Opportunity, place_of
from openiop.domain.scheduling.model import Group, Solution, hours_to_minutes

Row = tuple[list[int], list[int], int | None, int | None]  # (variables, coefficients, lower, upper)
Terms = list[tuple[int, int]]


@dataclass
class Formulation:
    """Variables are numbered 0..n-1 with integer bounds ``lb``/``ub``; objectives are term lists."""

    index: Index
    lb: list[int] = field(default_factory=list)
    ub: list[int] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    y: dict[tuple[str, Opportunity], int] = field(default_factory=dict)
    m: dict[tuple[Opportunity, int], int] = field(default_factory=dict)
    w: dict[tuple[str, Opportunity], int] = field(default_factory=dict)
    short: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    shortfall: Terms = field(default_factory=list)
    groups: Terms = field(default_factory=list)
    changes: Terms = field(default_factory=list)
    changes_offset: int = 0

    def var(self, lb: int, ub: int) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        return len(self.lb) - 1

    def row(self, terms: Terms, lower: int | None, upper: int | None) -> None:
        self.rows.append(([v for v, _ in terms], [c for _, c in terms], lower, upper))


def formulate(index: Index) -> Formulation:
    """Build the model of :mod:`formulation`'s docstring for one (sub-)problem."""
    f = Formulation(index)
    _variables(f)
    _room_rows(f)
    _counselor_rows(f)
    _group_rows(f)
    _patient_rows(f)
    _changes(f)
    return f


def _variables(f: Formulation) -> None:
    """``w``, ``m`` and ``y`` for each opportunity; at most as many groups as rooms of that
    capacity, counselors, and patients to fill ``min_group``."""
    index = f.index
    tracks = index.problem.track_by_id
    for o in index.opportunities:
        for cid in index.counselors_of[o]:
            f.w[cid, o] = f.var(0, 1)
        track = tracks[o[2]]
        for cap in index.capacities(o):
            count = len(index.rooms[o[0], o[1]][cap])
            f.m[o, cap] = f.var(
                0,
                min(
                    count, len(index.counselors_of[o]), len(index.patients_of[o]) // track.min_group
                ),
            )
        for pid in index.patients_of[o]:
            f.y[pid, o] = f.var(0, 1)


# Overlapping blocks in one set beyond which only the set itself and each block get a room row.
_HALL_LIMIT = 6


def _room_rows(f: Formulation) -> None:
    """(4) rooms of one capacity at a place: the groups of any blocks of one set of
    overlapping blocks (``Problem.clash_sets``) fit the rooms free in at least one of them.
    Rows for every subset of the set are Hall's condition, so rooms can be named with no room
    in two overlapping blocks (exact when the sets do not chain across a day; the validator
    checks the named result)."""
    index = f.index
    uses: defaultdict[tuple[str, str, int], Terms] = defaultdict(list)
    for (o, cap), v in f.m.items():
        uses[o[0], o[1], cap].append((v, 1))
    kinds = sorted({(place, cap) for place, _, cap in uses})
    done: set[tuple[str, int, frozenset[str]]] = set()
    for clique in index.problem.clash_sets:
        for place, cap in kinds:
            present = [b for b in clique if (place, b, cap) in uses]
            if len(present) > _HALL_LIMIT:
                subsets = [*combinations(present, 1), tuple(present)]
            else:
                subsets = [c for n in range(1, len(present) + 1) for c in combinations(present, n)]
            for subset in subsets:
                key = (place, cap, frozenset(subset))
                if key in done:
                    continue
                done.add(key)
                terms = [t for b in subset for t in uses[place, b, cap]]
                free = len({r for b in subset for r in index.rooms[place, b][cap]})
                if sum(f.ub[v] for v, _ in terms) > free:
                    f.row(terms, None, free)


def _at_most_one_per_clash(f: Formulation, by_block: dict[str, Terms]) -> None:
    """One person's terms by block: at most one of them in each set of overlapping blocks
    (the rows "one group a block" of the format, widened to blocks that overlap in time)."""
    done: set[frozenset[str]] = set()
    for clique in f.index.problem.clash_sets:
        present = frozenset(b for b in clique if b in by_block)
        if present in done:
            continue
        done.add(present)
        terms = [t for b in clique if b in by_block for t in by_block[b]]
        if len(terms) > 1:
            f.row(terms, None, 1)


def _counselor_rows(f: Formulation) -> None:
    """(3) a counselor leads at most one group in any set of overlapping blocks and stays
    within ``max_hours``."""
    problem = f.index.problem
    blocks = problem.block_by_id
    by_counselor_block: defaultdict[str, defaultdict[str, Terms]] = defaultdict(
        lambda: defaultdict(list)
    )
    counselor_minutes: defaultdict[str, Terms] = defaultdict(list)
    for (cid, o), v in f.w.items():
        by_counselor_block[cid][o[1]].append((v, 1))
        counselor_minutes[cid].append((v, blocks[o[1]].minutes))
    for by_block in by_counselor_block.values():
        _at_most_one_per_clash(f, by_block)
    for c in problem.counselors:
        terms = counselor_minutes.get(c.id, [])
        limit = hours_to_minutes(c.max_hours)
        if sum(t for _, t in terms) > limit:
            f.row(terms, None, limit)


def _group_rows(f: Formulation) -> None:
    """(3) one counselor per group, and (2) the patients of an opportunity fit the groups
    opened: ``min_group * groups <= patients <= sum k * m``."""
    index = f.index
    tracks = index.problem.track_by_id
    for o in index.opportunities:
        track = tracks[o[2]]
        usable = index.capacities(o)
        groups = [(f.m[o, cap], 1) for cap in usable]
        attendees = [(f.y[pid, o], 1) for pid in index.patients_of[o]]
        f.row(
            [(f.w[cid, o], 1) for cid in index.counselors_of[o]] + [(v, -1) for v, _ in groups],
            0,
            0,
        )
        f.row(attendees + [(f.m[o, cap], -k) for cap, k in usable.items()], None, 0)
        f.row(attendees + [(v, -track.min_group) for v, _ in groups], 0, None)
        for v, _ in attendees:  # redundant, tightens the LP: nobody attends a group never opened
            f.row([(v, 1), *((g, -1) for g, _ in groups)], None, 0)
        f.groups.extend(groups)


def _patient_rows(f: Formulation) -> None:
    """(5) a patient attends at most one group in any set of overlapping blocks,
    ``max_blocks_per_day`` a day and ``max_hours`` a week; ``short`` is what they miss of
    ``min_hours`` (objective 1)."""
    index = f.index
    problem = index.problem
    blocks = problem.block_by_id
    for p in problem.patients:
        options = index.patient_options.get(p.id, ())
        by_block: defaultdict[str, Terms] = defaultdict(list)
        by_day: defaultdict[str, set[str]] = defaultdict(set)
        for o in options:
            by_block[o[1]].append((f.y[p.id, o], 1))
            by_day[blocks[o[1]].day].add(o[1])
        _at_most_one_per_clash(f, by_block)
        for day_blocks in by_day.values():
            if len(day_blocks) > p.max_blocks_per_day:
                f.row(
                    [t for b in sorted(day_blocks) for t in by_block[b]], None, p.max_blocks_per_day
                )
        hours = [(f.y[p.id, o], blocks[o[1]].minutes) for o in options]
        if sum(t for _, t in hours) > hours_to_minutes(p.max_hours):
            f.row(hours, None, hours_to_minutes(p.max_hours))
        need = hours_to_minutes(p.min_hours)
        f.short[p.id] = f.var(0, need)
        f.row([*hours, (f.short[p.id], 1)], need, None)
        f.shortfall.append((f.short[p.id], 1))


def _changes(f: Formulation) -> None:
    """Objective 3 terms, only when the problem carries ``previous``."""
    problem, index = f.index.problem, f.index
    previous = problem.previous
    if previous is None:
        return
    before: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    for g in previous.groups:
        for pid in g.patients:
            before[pid].add((g.block, g.track))
    for pid, slots in sorted(before.items()):
        if pid not in problem.patient_by_id:
            continue
        options: defaultdict[tuple[str, str], Terms] = defaultdict(list)
        for o in index.patient_options.get(pid, ()):
            options[o[1], o[2]].append((f.y[pid, o], 1))
        lost = any(slot not in options for slot in slots)
        changed = f.changed[pid] = f.var(1 if lost else 0, 1)
        for slot, terms in options.items():
            if slot in slots:
                f.row([(changed, 1), *terms], 1, None)
            else:
                f.row([(changed, 1), *((v, -1) for v, _ in terms)], 0, None)
        f.changes.append((changed, 1))
    for g in previous.groups:
        room = problem.room_by_id.get(g.room)
        kept = [
            v
            for (cid, o), v in f.w.items()
            if cid == g.counselor
            and o[1:] == (g.block, g.track)
            and (room is None or o[0] == place_of(room))
        ]
        f.changes_offset += 1
        f.changes.extend((v, -1) for v in kept)


def values_from(f: Formulation, solution: Solution) -> list[int]:
    """Variable values describing ``solution`` (a hint); parts outside the model are dropped."""
    problem, index = f.index.problem, f.index
    values = list(f.lb)
    for g in solution.groups:
        room = problem.room_by_id.get(g.room)
        track = problem.track_by_id.get(g.track)
        if room is None or track is None:
            continue
        o = (place_of(room), g.block, g.track)
        if (o, room.capacity) in f.m and (g.counselor, o) in f.w:
            values[f.m[o, room.capacity]] += 1
            values[f.w[g.counselor, o]] = 1
            for pid in g.patients:
                if (pid, o) in f.y:
                    values[f.y[pid, o]] = 1
    blocks = problem.block_by_id
    for p in problem.patients:
        got = sum(
            blocks[o[1]].minutes * values[f.y[p.id, o]] for o in index.patient_options.get(p.id, ())
        )
        values[f.short[p.id]] = max(0, hours_to_minutes(p.min_hours) - got)
    _hint_changes(f, values)
    return values


def _hint_changes(f: Formulation, values: list[int]) -> None:
    before: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    if f.index.problem.previous is not None:
        for g in f.index.problem.previous.groups:
            for pid in g.patients:
                before[pid].add((g.block, g.track))
    for pid, v in f.changed.items():
        now = {(o[1], o[2]) for o in f.index.patient_options.get(pid, ()) if values[f.y[pid, o]]}
        values[v] = max(f.lb[v], int(now != before[pid]))


def solution_from(f: Formulation, values: list[int]) -> list[Group]:
    """Name rooms, pair them with counselors and split attendees into groups of valid sizes.

    Patients whose previous group in the same block and track had a counselor stay with that
    counselor when the sizes allow (continuity of care, objective 3).
    """
    problem, index = f.index.problem, f.index
    earlier: dict[tuple[str, str, str], str] = {}
    if problem.previous is not None:
        for g in problem.previous.groups:
            for pid in g.patients:
                earlier[pid, g.block, g.track] = g.counselor
    taken: set[tuple[str, str]] = set()
    groups: list[Group] = []
    for o in index.opportunities:
        place, block, track_id = o
        track = problem.track_by_id[track_id]
        rooms: list[tuple[str, int]] = []
        for cap, k in index.capacities(o).items():
            clash = problem.overlapping[block]
            free = [
                name
                for name in index.rooms[place, block][cap]
                if not any((name, b) in taken for b in clash)
            ]
            for name in free[: values[f.m[o, cap]]]:
                taken.add((name, block))
                rooms.append((name, k))
        counselors = [cid for cid in index.counselors_of[o] if values[f.w[cid, o]]]
        attendees = [pid for pid in index.patients_of[o] if values[f.y[pid, o]]]
        if not rooms:
            continue
        sizes = [track.min_group] * len(rooms)
        spare = len(attendees) - sum(sizes)
        while spare > 0:
            i = min(
                (i for i in range(len(rooms)) if sizes[i] < rooms[i][1]),
                key=lambda i: (sizes[i], i),
            )
            sizes[i] += 1
            spare -= 1
        members: list[list[str]] = [[] for _ in rooms]
        placed: set[str] = set()
        for i, cid in enumerate(counselors):
            for pid in attendees:
                if (
                    len(members[i]) < sizes[i]
                    and earlier.get((pid, block, track_id)) == cid
                    and pid not in placed
                ):
                    members[i].append(pid)
                    placed.add(pid)
        rest = iter(pid for pid in attendees if pid not in placed)
        for i in range(len(rooms)):
            members[i].extend(next(rest) for _ in range(sizes[i] - len(members[i])))
        for (room, _), cid, pids in zip(rooms, counselors, members, strict=True):
            groups.append(Group(f"{block}:{room}", track_id, block, cid, room, tuple(sorted(pids))))
    return groups
