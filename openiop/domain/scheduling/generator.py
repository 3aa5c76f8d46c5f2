"""Seeded, realistic iop-week/1 instances, optionally with a planted zero-shortfall schedule.

The week has morning, afternoon and evening blocks of 3 hours Monday to Friday and two on Saturday
(IOP sessions "often in the evening, at weekends or at other flexible times": common IOP practice).
Tracks are adult-sud, alcohol, mental-health, adolescent and eating-disorder; adults need 9 hours
a week and adolescents 6 (ASAM level 2.1, 9-19 h adults / 6-19 h adolescents; SAMHSA 2021), with at
most 15 and 12. Some adults in a substance track are also in mental-health (co-occurring
disorders), a quarter accept telehealth (by default), and a fifth may attend two blocks a day.

With ``plant=True`` the generator first builds a schedule: each track's patients at a place are cut
into cohorts that meet on distinct days, each meeting given a free counselor and room (hired or
built when none is free). Every patient's free blocks, every counselor's and room's availability
then include those meetings plus random extra blocks, so the planted schedule is valid and has zero
shortfall: the optimum is zero, and the planted group count bounds the optimum from above.
With ``plant=False`` the same staff and rooms are kept but patients' free blocks are drawn at
random (two to seven of them), so some patients cannot reach their minimum.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from openiop.domain.scheduling.index import VIRTUAL
from openiop.domain.scheduling.model import (
    Block,
    Counselor,
    Group,
    Patient,
    Problem,
    Room,
    Solution,
    Track,
)

WEEK_START = date(2026, 12, 7)
SLOTS = {"am": ("09:00", "12:00"), "pm": ("13:00", "16:00"), "ev": ("18:00", "21:00")}
BLOCKS = tuple(
    Block(f"{day}-{slot}", day, *SLOTS[slot])
    for day in ("mon", "tue", "wed", "thu", "fri", "sat")
    for slot in (("am", "pm") if day == "sat" else ("am", "pm", "ev"))
)
TRACKS = (
    Track("adult-sud", 3, 12),
    Track("alcohol", 3, 12),
    Track("mental-health", 3, 10),
    Track("adolescent", 3, 10),
    Track("eating-disorder", 3, 8),
)
SHARE = (0.35, 0.2, 0.25, 0.1, 0.1)
# When patients are free: working adults in the evening and on Saturday, others in the day.
KINDS = {
    "day": tuple(b.id for b in BLOCKS if b.day != "sat" and not b.id.endswith("ev")),
    "evening": tuple(b.id for b in BLOCKS if b.day == "sat" or b.id.endswith("ev")),
    "flexible": tuple(b.id for b in BLOCKS),
    "after-school": tuple(b.id for b in BLOCKS if b.day == "sat" or b.id.endswith("ev")),
}


@dataclass(frozen=True)
class Generated:
    """A generated problem and, when planted, a valid zero-shortfall schedule for it."""

    problem: Problem
    planted: Solution | None


@dataclass
class _Draft:
    """A patient, a counselor or a room being drawn; ``used`` are its planted blocks."""

    id: str
    place: str | None
    tracks: list[str] = field(default_factory=list)
    kind: str = "flexible"
    hours: int = 0  # min_hours for patients, max_hours for counselors, capacity for rooms
    telehealth_ok: bool = False
    used: set[str] = field(default_factory=set)


@dataclass
class _Staff:
    """Counselors hired and rooms built while planting."""

    rng: random.Random
    homes: list[str] | None = None  # sites of counselors hired for virtual rooms (None: any)
    counselors: list[_Draft] = field(default_factory=list)
    rooms: list[_Draft] = field(default_factory=list)

    def counselor(self, place: str, block: str, track: str, create: bool) -> _Draft | None:
        """Constraint 3: credentialed, free, with hours left, at the place's site (any for virtual)."""
        fits = [
            c
            for c in self.counselors
            if track in c.tracks
            and block not in c.used
            and 3 * len(c.used) + 3 <= c.hours
            and (c.place in (None, place) or place == VIRTUAL)
        ]
        if fits:
            return max(fits, key=lambda c: (len(c.used), c.id))
        if not create:
            return None
        others = [t.id for t in TRACKS if t.id not in (track, "adolescent")]
        tracks = [track, *self.rng.sample(others, self.rng.choice((0, 1, 1, 2)))]
        site = place if place != VIRTUAL else self.rng.choice(self.homes) if self.homes else None
        hired = _Draft(
            f"c{len(self.counselors) + 1:03d}",
            site,
            sorted(tracks),
            hours=self.rng.choice((24, 30, 36)),
        )
        self.counselors.append(hired)
        return hired

    def room(self, place: str, block: str, size: int, create: bool) -> _Draft | None:
        """Constraint 4: free in the block and large enough (constraint 2); smallest first."""
        fits = [
            r for r in self.rooms if r.place == place and block not in r.used and r.hours >= size
        ]
        if fits:
            return min(fits, key=lambda r: (r.hours, r.id))
        if not create:
            return None
        number = sum(1 for r in self.rooms if r.place == place) + 1
        name = f"tele-{number}" if place == VIRTUAL else f"{place}-r{number}"
        built = _Draft(name, place, hours=max(size, self.rng.choice((8, 10, 12, 14))))
        self.rooms.append(built)
        return built


def _patients(
    rng: random.Random, n: int, sites: int, telehealth: float, linked: int | None = None
) -> list[_Draft]:
    out = []
    for i in range(n):
        track = rng.choices(TRACKS, weights=SHARE)[0].id
        tracks = [track]
        if track in ("adult-sud", "alcohol") and rng.random() < 0.15:
            tracks.append("mental-health")
        young = track == "adolescent"
        kind = (
            "after-school" if young else rng.choices(("day", "evening", "flexible"), (4, 4, 2))[0]
        )
        site = rng.randrange(sites)
        draft = _Draft(f"p{i + 1:04d}", f"site{site}", tracks, kind, 6 if young else 9)
        draft.telehealth_ok = rng.random() < telehealth and (linked is None or site < linked)
        out.append(draft)
    return out


def _pools(rng: random.Random, patients: list[_Draft]) -> dict[tuple[str, str], list[_Draft]]:
    """Patients by (place, first track); a pool below min_group merges into the track's largest.

    A track with fewer patients than its min_group in all (small instances) cannot be planted:
    its patients move to the largest track.
    """
    minimum = {t.id: t.min_group for t in TRACKS}
    counts = Counter(p.tracks[0] for p in patients)
    largest = max(sorted(counts), key=lambda t: counts[t])
    pools: defaultdict[tuple[str, str], list[_Draft]] = defaultdict(list)
    for p in patients:
        if counts[p.tracks[0]] < minimum[p.tracks[0]]:
            p.tracks = [largest, *(t for t in p.tracks[1:] if t != largest)]
        virtual = p.telehealth_ok and rng.random() < 0.5
        pools[VIRTUAL if virtual else str(p.place), p.tracks[0]].append(p)
    for key in sorted(pools, key=lambda k: (len(pools[k]), k)):
        if not pools[key] or len(pools[key]) >= minimum[key[1]]:
            continue
        others = [k for k in pools if k[1] == key[1] and k != key and pools[k]]
        if not others:
            continue
        # Only telehealth patients join virtual rooms: prefer a site; a patient otherwise alone
        # in their track accepts telehealth.
        target = max(others, key=lambda k: (k[0] != VIRTUAL, len(pools[k]), k))
        for p in pools.pop(key):
            if target[0] == VIRTUAL:
                p.telehealth_ok = True
            else:
                p.place = target[0]
            pools[target].append(p)
    return {k: v for k, v in pools.items() if len(v) >= minimum[k[1]]}


def _plant(
    rng: random.Random, pools: dict[tuple[str, str], list[_Draft]], staff: _Staff
) -> list[Group]:
    """Cut each pool into cohorts meeting on distinct days; hire and build where nothing is free."""
    groups: list[Group] = []
    for (place, track_id), members in sorted(pools.items()):
        track = next(t for t in TRACKS if t.id == track_id)
        count = math.ceil(
            len(members) / rng.randint(max(track.min_group, 6), min(track.max_group, 12))
        )
        members.sort(key=lambda p: (p.kind, p.id))
        for c in range(count):
            cohort = members[c * len(members) // count : (c + 1) * len(members) // count]
            by_day: defaultdict[str, list[str]] = defaultdict(list)
            for b in KINDS[Counter(p.kind for p in cohort).most_common(1)[0][0]]:
                by_day[b[:3]].append(b)
            meetings = min(len(by_day), math.ceil(max(p.hours for p in cohort) / 3))
            for _ in range(40):  # prefer blocks where staff and a room are already free
                choice = [rng.choice(by_day[d]) for d in rng.sample(sorted(by_day), meetings)]
                if all(
                    staff.counselor(place, b, track_id, False)
                    and staff.room(place, b, len(cohort), False)
                    for b in choice
                ):
                    break
            for b in choice:
                counselor = staff.counselor(place, b, track_id, True)
                room = staff.room(place, b, len(cohort), True)
                assert counselor is not None and room is not None
                counselor.used.add(b)
                room.used.add(b)
                ids = tuple(sorted(p.id for p in cohort))
                groups.append(Group(f"{b}:{room.id}", track_id, b, counselor.id, room.id, ids))
                for p in cohort:
                    p.used.add(b)
    return groups


def generate(
    patients: int,
    seed: int,
    sites: int | None = None,
    plant: bool = True,
    telehealth: float = 0.25,
    linked_sites: int | None = None,
) -> Generated:
    """An instance with ``patients`` patients at ``sites`` sites (default one per 100 patients).

    ``telehealth`` is the share of patients who accept it; at 0 there are no virtual rooms and no
    counselor without a site, so each site is an independent part of the problem. With
    ``linked_sites`` only patients of the first that many sites accept telehealth, and the
    counselors hired for virtual rooms work at one of those sites instead of at any site: a
    network whose virtual groups mix patients of some sites only (the others are still linked,
    since any counselor may lead a virtual group, so the network is one part of the problem).
    """
    rng = random.Random(seed)
    count = sites or max(1, round(patients / 100))
    people = _patients(rng, patients, count, telehealth, linked_sites)
    staff = _Staff(rng, None if linked_sites is None else [f"site{i}" for i in range(linked_sites)])
    groups = _plant(rng, _pools(rng, people), staff)
    order = [b.id for b in BLOCKS]

    def free(used: set[str], pool: tuple[str, ...], chance: float) -> tuple[str, ...]:
        return tuple(b for b in order if b in used or (b in pool and rng.random() < chance))

    everything = KINDS["flexible"]
    rooms = tuple(
        Room(
            r.id,
            None if r.place == VIRTUAL else r.place,
            r.hours,
            free(r.used, everything, 0.7),
            r.place == VIRTUAL,
        )
        for r in staff.rooms
    )
    counselors = tuple(
        Counselor(c.id, tuple(c.tracks), free(c.used, everything, 0.35), float(c.hours), c.place)
        for c in staff.counselors
    )
    patient_list = []
    for p in people:
        if plant:
            blocks = free(p.used, KINDS[p.kind], 0.35)
        else:
            chosen = set(rng.sample(KINDS[p.kind], rng.randint(2, 7)))
            blocks = tuple(b for b in order if b in chosen)
        young = p.kind == "after-school"
        patient_list.append(
            Patient(
                p.id,
                str(p.place),
                tuple(p.tracks),
                float(p.hours),
                12.0 if young else 15.0,
                blocks,
                2 if rng.random() < 0.2 else 1,
                p.telehealth_ok,
            )
        )
    problem = Problem(WEEK_START, BLOCKS, TRACKS, rooms, counselors, tuple(patient_list))
    solution = (
        Solution(tuple(sorted(groups, key=lambda g: g.id)), {"solver": "planted"})
        if plant
        else None
    )
    return Generated(problem, solution)


def perturb(
    problem: Problem, previous: Solution, share: float, seed: int
) -> tuple[Problem, set[str]]:
    """A mid-week change: ``share`` of the patients (drawn with ``seed``) get new free times.

    Each drawn patient loses about half of the blocks ``previous`` scheduled them in (at least
    one) and gains as many other blocks of the week at random; the result carries ``previous``
    so that a re-solve can stay close to it. Returns the problem and the ids of the drawn
    patients (the others' free times are unchanged).
    """
    rng = random.Random(seed)
    used: defaultdict[str, set[str]] = defaultdict(set)
    for g in previous.groups:
        for pid in g.patients:
            used[pid].add(g.block)
    order = [b.id for b in problem.blocks]
    drawn = set(
        rng.sample(sorted(p.id for p in problem.patients), round(share * len(problem.patients)))
    )
    patients = []
    for p in problem.patients:
        if p.id in drawn:
            mine = sorted(used[p.id]) or list(p.blocks)
            lost = set(rng.sample(mine, max(1, len(mine) // 2))) if mine else set()
            others = [b for b in order if b not in p.blocks]
            gained = set(rng.sample(others, min(len(lost), len(others))))
            blocks = tuple(b for b in order if (b in p.blocks and b not in lost) or b in gained)
            p = replace(p, blocks=blocks)
        patients.append(p)
    return replace(problem, patients=tuple(patients), previous=previous), drawn
