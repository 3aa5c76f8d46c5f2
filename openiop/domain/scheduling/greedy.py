"""A simple greedy baseline, also the warm start of the CP-SAT solver.

Repeatedly open the group that covers the most still-missing patient minutes (a lazy priority
queue: a group's value only falls as patients fill up and counselors and rooms are taken), led by
the least flexible free counselor, in the smallest free room that holds its members. Patients
furthest below ``min_hours`` and with the fewest options join first. Every step checks the hard
constraints of iop-week/1 (sections "Hard constraints" 1-5), so the result is always valid, but
it optimises neither shortfall nor group count: it is the floor the CP-SAT solver must beat.

With ``start`` (e.g. last week's schedule, format key ``previous``) its groups are replayed first,
dropping members and groups that are no longer possible.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter

from openiop.domain.scheduling.index import Index, Opportunity, build_index, place_of
from openiop.domain.scheduling.model import Group, Problem, Solution, hours_to_minutes


class _State:
    """Resources used so far; every check here is one clause of a hard constraint."""

    def __init__(self, index: Index) -> None:
        self.index = index
        problem = index.problem
        self.blocks = problem.block_by_id
        self.overlapping = problem.overlapping
        self.busy: set[tuple[str, str, str]] = set()  # ("c", "r" or "p", id, block)
        self.per_day: Counter[tuple[str, str]] = Counter()
        self.minutes: Counter[str] = Counter()  # patients
        self.led: Counter[str] = Counter()  # counselors' minutes
        self.groups: list[Group] = []
        self.need = {p.id: hours_to_minutes(p.min_hours) for p in problem.patients}
        self.patient_cap = {p.id: hours_to_minutes(p.max_hours) for p in problem.patients}
        self.counselor_cap = {c.id: hours_to_minutes(c.max_hours) for c in problem.counselors}

    def taken(self, kind: str, who: str, block: str) -> bool:
        """Busy in this block or in one overlapping it (blocks clash by time, not by id)."""
        return any((kind, who, b) in self.busy for b in self.overlapping[block])

    def can_join(self, pid: str, block: str) -> bool:
        """Constraint 5: free, one group in overlapping blocks, max_blocks_per_day, max_hours."""
        b = self.blocks[block]
        p = self.index.problem.patient_by_id[pid]
        return (
            not self.taken("p", pid, block)
            and self.per_day[pid, b.day] < p.max_blocks_per_day
            and self.minutes[pid] + b.minutes <= self.patient_cap[pid]
        )

    def can_lead(self, cid: str, block: str) -> bool:
        """Constraint 3: one group in overlapping blocks and within max_hours."""
        return (
            not self.taken("c", cid, block)
            and self.led[cid] + self.blocks[block].minutes <= self.counselor_cap[cid]
        )

    def free_rooms(self, o: Opportunity) -> list[tuple[int, str]]:
        """Constraint 4: (usable size, room) free in the block at the place, smallest first."""
        return sorted(
            (k, name)
            for cap, k in self.index.capacities(o).items()
            for name in self.index.rooms[o[0], o[1]][cap]
            if not self.taken("r", name, o[1])
        )

    def open(self, o: Opportunity, counselor: str, room: str, members: list[str]) -> None:
        _, block, track = o
        b = self.blocks[block]
        self.busy.update({("c", counselor, block), ("r", room, block)})
        self.led[counselor] += b.minutes
        for pid in members:
            self.busy.add(("p", pid, block))
            self.per_day[pid, b.day] += 1
            self.minutes[pid] += b.minutes
            self.need[pid] -= b.minutes
        self.groups.append(
            Group(f"{block}:{room}", track, block, counselor, room, tuple(sorted(members)))
        )

    def plan(self, o: Opportunity) -> tuple[int, str, str, list[str]] | None:
        """The best group to open for ``o`` now: (value in minutes, counselor, room, members)."""
        _, block, track_id = o
        track = self.index.problem.track_by_id[track_id]
        counselors = [c for c in self.index.counselors_of[o] if self.can_lead(c, block)]
        rooms = self.free_rooms(o)
        if not counselors or not rooms:
            return None
        counselor = min(counselors, key=lambda c: (len(self.index.counselor_options[c]), c))
        joinable = [p for p in self.index.patients_of[o] if self.can_join(p, block)]
        options = self.index.patient_options
        needy = sorted(
            (p for p in joinable if self.need[p] > 0),
            key=lambda p: (-self.need[p], len(options[p]), p),
        )
        members = needy[: rooms[-1][0]]
        value = sum(min(self.need[p], self.blocks[block].minutes) for p in members)
        if len(members) < track.min_group:
            members += [p for p in joinable if self.need[p] <= 0][: track.min_group - len(members)]
        if value <= 0 or len(members) < track.min_group:
            return None
        room = next(name for k, name in rooms if k >= len(members))
        return value, counselor, room, members


def greedy(problem: Problem, start: Solution | None = None, index: Index | None = None) -> Solution:
    """A valid schedule built greedily; see the module docstring."""
    began = time.perf_counter()
    index = index or build_index(problem)
    state = _State(index)
    for g in start.groups if start else ():
        room = problem.room_by_id.get(g.room)
        track = problem.track_by_id.get(g.track)
        if room is None or track is None:
            continue
        o = (place_of(room), g.block, g.track)
        if g.counselor not in index.counselors_of.get(o, ()) or not state.can_lead(
            g.counselor, g.block
        ):
            continue
        size = {name: k for k, name in state.free_rooms(o)}.get(room.id, 0)
        eligible = set(index.patients_of[o])
        members = [
            p for p in dict.fromkeys(g.patients) if p in eligible and state.can_join(p, g.block)
        ][:size]
        if size and len(members) >= track.min_group:
            state.open(o, g.counselor, room.id, members)

    heap: list[tuple[int, int, Opportunity]] = []
    for i, o in enumerate(index.opportunities):
        plan = state.plan(o)
        if plan:
            heap.append((-plan[0], i, o))
    heapq.heapify(heap)
    while heap:
        _, i, o = heapq.heappop(heap)
        plan = state.plan(o)
        if plan is None:
            continue
        if heap and -plan[0] > heap[0][0]:  # its value fell below the next best: look again later
            heapq.heappush(heap, (-plan[0], i, o))
            continue
        state.open(o, plan[1], plan[2], plan[3])
        heapq.heappush(heap, (-plan[0], i, o))  # another group of o may still be worth opening
    short = sum(max(0, n) for n in state.need.values()) / 60
    stats = {
        "solver": "greedy",
        "seconds": round(time.perf_counter() - began, 3),
        "status": "FEASIBLE",
        "shortfall_hours": short,
    }
    return Solution(tuple(sorted(state.groups, key=lambda g: g.id)), stats)
