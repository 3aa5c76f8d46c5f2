"""Large-neighbourhood search over places, for parts of a problem too large for one CP-SAT model.

A network's sites share counselors without a site and the virtual rooms, so a large network can
be one part (:func:`index.components`) with tens of thousands of variables. Instead of one model,
the search keeps a complete valid schedule and repeatedly re-solves a *neighbourhood*: the groups
of a few places (sites, or the virtual rooms), with every other group fixed. The neighbourhood is
itself an iop-week/1 problem (:func:`residual`): the rooms of those places, the patients and
counselors who could meet there with the blocks and hours their fixed groups already take
removed, and ``previous`` restricted to those places. Any valid schedule of it, added to the
fixed groups, is valid for the whole problem (the hard constraints of iop-week/1 are per group,
per block, per day and per week, and each of those is reduced by what the fixed groups use), and
its objective values add up, so a neighbourhood solved no worse than before (CP-SAT is hinted
with the current groups and keeps them unless it finds better) never makes the whole schedule
worse.

Neighbourhoods start from the place with the most shortfall not yet tried since the last
improvement (so shortfall goes first), then from places in a seeded random order, and take
further places at random until about ``target`` patients could meet in them. Each CP-SAT search
in a neighbourhood has a deterministic-time cap (``max_deterministic_time``) as well as the wall
clock, so with one worker, a seed and ``rounds`` the search is the same on any machine; under a
wall-clock limit alone, the number of rounds done depends on the machine's speed.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from openiop.domain.scheduling.index import VIRTUAL, Index, place_of
from openiop.domain.scheduling.model import Group, Problem, Solution, hours_to_minutes

DTIME_PER_SEARCH = 0.6  # CP-SAT deterministic time units per objective stage in a neighbourhood


class Schedule:
    """A complete schedule indexed for neighbourhoods: the groups of each patient, counselor,
    room and place, kept up to date as neighbourhoods are replaced."""

    def __init__(self, problem: Problem, index: Index, groups: Sequence[Group]) -> None:
        self.problem, self.index = problem, index
        self.minutes = {b.id: b.minutes for b in problem.blocks}
        self.days = {b.id: b.day for b in problem.blocks}
        self.place = {r.id: place_of(r) for r in problem.rooms}
        self.by_id: dict[str, Group] = {}
        self.of: defaultdict[str, set[str]] = defaultdict(set)  # "p:", "c:", "r:" or place
        self.attended: Counter[str] = Counter()  # patients' minutes
        self.site_patients: defaultdict[str, list[str]] = defaultdict(list)
        for p in problem.patients:
            if p.id in index.patient_options:
                self.site_patients[p.site].append(p.id)
        self.site_counselors: defaultdict[str | None, list[str]] = defaultdict(list)
        for c in problem.counselors:
            if c.id in index.counselor_options:
                self.site_counselors[c.site].append(c.id)
        for g in groups:
            self.add(g)

    def add(self, g: Group) -> None:
        self.by_id[g.id] = g
        for key in ("c:" + g.counselor, "r:" + g.room, self.place[g.room]):
            self.of[key].add(g.id)
        for pid in g.patients:
            self.of["p:" + pid].add(g.id)
            self.attended[pid] += self.minutes[g.block]

    def remove(self, gid: str) -> None:
        g = self.by_id.pop(gid)
        for key in ("c:" + g.counselor, "r:" + g.room, self.place[g.room]):
            self.of[key].discard(gid)
        for pid in g.patients:
            self.of["p:" + pid].discard(gid)
            self.attended[pid] -= self.minutes[g.block]

    def groups(self) -> list[Group]:
        return sorted(self.by_id.values(), key=lambda g: g.id)

    def shortfall_by_site(self) -> dict[str, int]:
        """Minutes short of ``min_hours``, counted at each patient's site."""
        short: Counter[str] = Counter()
        for p in self.problem.patients:
            missing = hours_to_minutes(p.min_hours) - self.attended[p.id]
            if missing > 0:
                short[p.site] += missing
        return dict(short)

    def freed(self, sites: set[str]) -> set[str]:
        """The groups a neighbourhood of ``sites`` re-schedules: those in rooms of the sites,
        and virtual groups with a patient or the counselor of the sites."""
        out: set[str] = set()
        for site in sites:
            out |= self.of[site]
            for pid in self.site_patients[site]:
                out |= {gid for gid in self.of["p:" + pid] if self._virtual(gid)}
            for cid in self.site_counselors[site]:
                out |= {gid for gid in self.of["c:" + cid] if self._virtual(gid)}
        return out

    def _virtual(self, gid: str) -> bool:
        return self.place[self.by_id[gid].room] == VIRTUAL

    def residual(self, sites: set[str]) -> tuple[Problem, list[Group]]:
        """The problem of re-scheduling the groups :meth:`freed` for ``sites`` with every other
        group fixed, and those groups (a valid schedule of it).

        Its patients are those of the sites and of the freed groups; its counselors those of
        the sites, those without a site and those of the freed groups (a counselor of another
        site keeps their groups); its rooms those of the sites and the virtual rooms. Each has
        the blocks, hours and blocks a day their fixed groups take removed.
        """
        problem = self.problem
        ids = self.freed(sites)
        inside = [self.by_id[gid] for gid in sorted(ids)]
        patient_ids = {pid for site in sites for pid in self.site_patients[site]}
        patient_ids |= {pid for g in inside for pid in g.patients}
        counselor_ids = {cid for site in sites for cid in self.site_counselors[site]}
        counselor_ids |= set(self.site_counselors[None]) | {g.counselor for g in inside}

        def fixed(key: str) -> list[Group]:
            return [self.by_id[gid] for gid in self.of[key] if gid not in ids]

        patients = []
        for pid in sorted(patient_ids):
            p = problem.patient_by_id[pid]
            kept = fixed("p:" + pid)
            taken = {g.block for g in kept}
            per_day = Counter(self.days[g.block] for g in kept)
            allowed = {day: p.max_blocks_per_day - per_day[day] for day in self.days.values()}
            free = tuple(b for b in p.blocks if b not in taken and allowed[self.days[b]] > 0)
            hours = sum(self.minutes[g.block] for g in kept) / 60
            patients.append(
                replace(
                    p,
                    blocks=free,
                    max_blocks_per_day=min(
                        (allowed[self.days[b]] for b in free), default=p.max_blocks_per_day
                    ),
                    min_hours=max(0.0, p.min_hours - hours),
                    max_hours=max(0.0, p.max_hours - hours),
                )
            )
        counselors = []
        for c in problem.counselors:
            if c.id in counselor_ids:
                kept = fixed("c:" + c.id)
                taken = {g.block for g in kept}
                counselors.append(
                    replace(
                        c,
                        blocks=tuple(b for b in c.blocks if b not in taken),
                        max_hours=max(
                            0.0, c.max_hours - sum(self.minutes[g.block] for g in kept) / 60
                        ),
                    )
                )
        rooms = []
        for r in problem.rooms:
            if self.place[r.id] in sites or self.place[r.id] == VIRTUAL:
                taken = {g.block for g in fixed("r:" + r.id)}
                rooms.append(replace(r, blocks=tuple(b for b in r.blocks if b not in taken)))
        previous = None
        if problem.previous is not None:
            previous = Solution(
                tuple(
                    g
                    for g in problem.previous.groups
                    if g.room in self.place
                    and (
                        self.place[g.room] in sites
                        or (
                            self.place[g.room] == VIRTUAL
                            and (
                                patient_ids.intersection(g.patients) or g.counselor in counselor_ids
                            )
                        )
                    )
                )
            )
        sub = replace(
            problem,
            rooms=tuple(rooms),
            counselors=tuple(counselors),
            patients=tuple(patients),
            previous=previous,
        )
        return sub, inside


def residual(
    problem: Problem, index: Index, groups: Sequence[Group], sites: set[str]
) -> tuple[Problem, list[Group]]:
    """:meth:`Schedule.residual` of ``groups``."""
    return Schedule(problem, index, groups).residual(sites)


def improve(
    problem: Problem,
    index: Index,
    start: Solution,
    *,
    stages: list[str],
    until: float,
    workers: int = 1,
    seed: int = 0,
    rounds: int | None = None,
    target: int = 400,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Solution, list[dict[str, Any]]]:
    """Large-neighbourhood search (module docstring) from ``start`` until the wall-clock time
    ``until`` (``time.perf_counter``) or ``rounds`` neighbourhoods; returns the schedule and one
    log entry per neighbourhood."""
    from openiop.domain.scheduling.cpsat import _Part  # cpsat calls this module

    rng = random.Random(seed)
    state = Schedule(problem, index, start.groups)
    size = {site: len(pids) for site, pids in state.site_patients.items()}
    sites = sorted({r.site for r in problem.rooms if r.site is not None and not r.virtual})
    tried: set[str] = set()
    order: list[str] = []
    log: list[dict[str, Any]] = []
    done = 0
    while (rounds is None or done < rounds) and time.perf_counter() < until:
        short = {k: v for k, v in state.shortfall_by_site().items() if k not in tried}
        if short:  # the site with the most shortfall not tried since the last improvement
            first = max(sorted(short), key=lambda k: short[k])
            tried.add(first)
        else:
            if not order:
                order = sites[:]
                rng.shuffle(order)
            first = order.pop()
        chosen = {first}
        others = [site for site in sites if site != first]
        rng.shuffle(others)
        total = size.get(first, 0)
        for other in others:
            if total + size.get(other, 0) > target:
                break
            chosen.add(other)
            total += size.get(other, 0)
        began = time.perf_counter()
        sub, inside = state.residual(chosen)
        part = _Part(sub, Solution(tuple(inside)), workers, seed + done)
        part.dtime, part.lp_cut = DTIME_PER_SEARCH, False
        before = [part.value(part.objective(name)[0]) for name in stages]
        for i, name in enumerate(stages):
            left = until - time.perf_counter()
            part.stage(name, time.perf_counter() + max(0.05, left / (len(stages) - i)))
        after = [part.value(part.objective(name)[0]) for name in stages]
        if after < before:
            for g in inside:
                state.remove(g.id)
            for g in part.groups():
                state.add(g)
            tried.clear()
        entry = {
            "objective": "neighbourhood",
            "sites": len(chosen),
            "patients": len(sub.patients),
            "before": before,
            "after": after,
            "seconds": round(time.perf_counter() - began, 3),
            "at": time.perf_counter(),
        }
        log.append(entry)
        if progress is not None:
            progress(entry)
        done += 1
    return Solution(tuple(state.groups())), log
