"""Where groups could meet: the options the greedy, CP-SAT and LP models choose among.

An *opportunity* is a (place, block, track) triple: a group of that track could meet in that
block at that place, where a place is a site or :data:`VIRTUAL` (all virtual rooms, which have no
site, format ``rooms[].virtual``). It exists only when the hard constraints of iop-week/1 leave room
for it: a room of the place free in the block holding at least ``min_group`` (constraint 2, 4; a
block keeping one site's hours only at that site or virtual), a track meeting in that block
(``tracks[].blocks``), a counselor credentialed, free, at the right site and with hours left for
one block (constraint 3), and at least ``min_group`` patients of the track free then at that place
(constraint 5). Overlapping blocks are separate opportunities; the models and the greedy keep
each counselor, room and patient to one of them (:attr:`model.Problem.clash_sets`).

Rooms of one place that are free in a block differ only by capacity there, so they are counted
by capacity instead of named (removing symmetry from the models). :func:`components` splits a
problem into independent sub-problems: places are linked when a counselor or a patient could be
in groups at both, e.g. a counselor with no fixed site or a telehealth patient.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from openiop.domain.scheduling.model import DAYS, Problem, Room, hours_to_minutes

VIRTUAL = "(virtual)"
Opportunity = tuple[str, str, str]  # (place, block, track)


def place_of(room: Room) -> str:
    """The place a room belongs to: its site, or VIRTUAL for a telehealth room."""
    return VIRTUAL if room.virtual or room.site is None else room.site


@dataclass(frozen=True)
class Index:
    """The options of one problem; built by :func:`build_index`."""

    problem: Problem
    opportunities: tuple[Opportunity, ...]
    rooms: dict[tuple[str, str], dict[int, tuple[str, ...]]]  # (place, block) -> capacity -> rooms
    patient_options: dict[str, tuple[Opportunity, ...]]
    counselor_options: dict[str, tuple[Opportunity, ...]]
    patients_of: dict[Opportunity, tuple[str, ...]]
    counselors_of: dict[Opportunity, tuple[str, ...]]

    def capacities(self, opp: Opportunity) -> dict[int, int]:
        """Room capacity -> usable group size (capped at max_group), for rooms free for ``opp``.

        Only rooms holding at least ``min_group`` count (constraint 2).
        """
        place, block, track_id = opp
        track = self.problem.track_by_id[track_id]
        return {
            cap: min(cap, track.max_group)
            for cap in self.rooms.get((place, block), {})
            if cap >= track.min_group
        }


def build_index(problem: Problem) -> Index:
    """Every opportunity the hard constraints allow, and who could take part in each."""
    tracks = problem.track_by_id
    rooms = _rooms_by_capacity(problem)
    counselors_of = _counselors_of(problem, rooms)
    patients_of = _patients_of(problem, counselors_of)
    # In time order, so rooms named in this order never need a room a later block took.
    order = {b.id: (DAYS.index(b.day), b.start_minute, i) for i, b in enumerate(problem.blocks)}
    opportunities = tuple(
        sorted(
            (o for o, ps in patients_of.items() if len(ps) >= tracks[o[2]].min_group),
            key=lambda o: (order[o[1]], o[0], o[2]),
        )
    )
    patient_options: defaultdict[str, list[Opportunity]] = defaultdict(list)
    counselor_options: defaultdict[str, list[Opportunity]] = defaultdict(list)
    for o in opportunities:
        for pid in patients_of[o]:
            patient_options[pid].append(o)
        for cid in counselors_of[o]:
            counselor_options[cid].append(o)
    return Index(
        problem=problem,
        opportunities=opportunities,
        rooms=rooms,
        patient_options={k: tuple(v) for k, v in patient_options.items()},
        counselor_options={k: tuple(v) for k, v in counselor_options.items()},
        patients_of={o: tuple(patients_of[o]) for o in opportunities},
        counselors_of={o: tuple(counselors_of[o]) for o in opportunities},
    )


def _rooms_by_capacity(problem: Problem) -> dict[tuple[str, str], dict[int, tuple[str, ...]]]:
    """The rooms open at each (place, block), grouped by capacity (smallest first), ids sorted."""
    by_capacity: defaultdict[tuple[str, str], defaultdict[int, list[str]]] = defaultdict(
        lambda: defaultdict(list)
    )
    blocks = problem.block_by_id
    for room in sorted(problem.rooms, key=lambda r: r.id):
        for b in room.blocks:
            site = blocks[b].site
            if site is None or room.virtual or room.site == site:
                by_capacity[place_of(room), b][room.capacity].append(room.id)
    return {
        key: {cap: tuple(ids) for cap, ids in sorted(caps.items())}
        for key, caps in by_capacity.items()
    }


def _counselors_of(
    problem: Problem, rooms: dict[tuple[str, str], dict[int, tuple[str, ...]]]
) -> defaultdict[Opportunity, list[str]]:
    """Counselors who may lead each (place, block, track): credentialed for the track, free
    in the block within ``max_hours``, at their site or a virtual room (any place without a
    site), where a room can hold ``min_group`` (hard constraints 2 to 4)."""
    blocks, tracks = problem.block_by_id, problem.track_by_id
    places = {place_of(r) for r in problem.rooms}

    def has_room(opp: Opportunity) -> bool:
        place, block, track = opp
        return any(cap >= tracks[track].min_group for cap in rooms.get((place, block), {}))

    counselors_of: defaultdict[Opportunity, list[str]] = defaultdict(list)
    for c in problem.counselors:
        where = sorted(places) if c.site is None else [p for p in (c.site, VIRTUAL) if p in places]
        for b in c.blocks:
            if blocks[b].minutes > hours_to_minutes(c.max_hours):
                continue
            for t in c.tracks:
                if not tracks[t].meets_in(b):
                    continue
                for place in where:
                    if has_room((place, b, t)):
                        counselors_of[place, b, t].append(c.id)
    return counselors_of


def _patients_of(
    problem: Problem, counselors_of: defaultdict[Opportunity, list[str]]
) -> defaultdict[Opportunity, list[str]]:
    """Patients who could attend each (place, block, track) a counselor could lead: in the
    track, free in the block within ``max_hours``, at their site or, when ``telehealth_ok``,
    a virtual room (hard constraint 5)."""
    blocks = problem.block_by_id
    patients_of: defaultdict[Opportunity, list[str]] = defaultdict(list)
    for p in problem.patients:
        where = [p.site, VIRTUAL] if p.telehealth_ok else [p.site]
        for b in p.blocks:
            if blocks[b].minutes > hours_to_minutes(p.max_hours):
                continue
            for t in p.tracks:
                for place in where:
                    if (place, b, t) in counselors_of:
                        patients_of[place, b, t].append(p.id)
    return patients_of


def components(index: Index) -> list[Problem]:
    """Split into sub-problems that share no counselor, patient or room; largest first.

    Patients and counselors without any opportunity are left out: nothing can be scheduled for
    them, so they change no decision (they still count in the validator's shortfall).
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for options in (*index.patient_options.values(), *index.counselor_options.values()):
        for other in options[1:]:
            parent[find(other[0])] = find(options[0][0])
    problem = index.problem
    parts = []
    for root in dict.fromkeys(find(o[0]) for o in index.opportunities):
        patients = tuple(
            p
            for p in problem.patients
            if p.id in index.patient_options and find(index.patient_options[p.id][0][0]) == root
        )
        counselors = tuple(
            c
            for c in problem.counselors
            if c.id in index.counselor_options and find(index.counselor_options[c.id][0][0]) == root
        )
        rooms = tuple(r for r in problem.rooms if find(place_of(r)) == root)
        parts.append(replace(problem, rooms=rooms, counselors=counselors, patients=patients))
    return sorted(
        parts, key=lambda part: (-len(part.patients), part.patients[0].id if part.patients else "")
    )
