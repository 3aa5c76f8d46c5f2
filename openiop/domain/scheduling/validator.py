"""An independent check of a solution against a problem (iop-week/1, "Hard constraints").

This module deliberately shares no code with the solvers beyond the parsed dataclasses: it reads
the groups as written and tests each numbered hard constraint of the format directly, so a bug in a
solver's model shows up here instead of being repeated. Each error starts with the number of the
constraint it breaks, e.g. ``[3] group g4: counselor c2 is not available in block tue-pm``.

Two rules extend the format's list (see :mod:`model`): blocks that overlap in time on one day
clash whatever their ids, so "one group a block" for counselors (3), rooms (4) and patients (5)
means one group in any set of overlapping blocks; a block keeping one site's hours is used only
in that site's rooms or virtual rooms (4); and a track listing its blocks meets only in them
(``[6]``).

It also measures the objective of the format ("Objective, in strict priority order"): total
shortfall hours (1), number of groups (2) and changes from ``previous`` (3, :func:`count_changes`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from openiop.domain.scheduling.model import (
    Block,
    Counselor,
    Group,
    Patient,
    Problem,
    Room,
    Solution,
    Track,
    hours_to_minutes,
)


@dataclass(frozen=True)
class Report:
    """What ``openiop schedule validate`` prints; ``valid`` is true when ``errors`` is empty."""

    errors: tuple[str, ...]
    shortfall_hours: float
    patients_meeting_minimum: int
    groups: int
    counselor_hours: dict[str, float]
    patient_hours: dict[str, float]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": list(self.errors),
            "shortfall_hours": self.shortfall_hours,
            "patients_meeting_minimum": self.patients_meeting_minimum,
            "groups": self.groups,
            "counselor_hours": self.counselor_hours,
        }


def validate(problem: Problem, solution: Solution) -> Report:
    """Check every hard constraint of iop-week/1 and measure shortfall, groups and hours."""
    errors = [
        f"[1] group id {gid!r} is used {count} times"
        for gid, count in Counter(g.id for g in solution.groups).items()
        if count > 1
    ]
    tally = _Tally()
    for g in solution.groups:
        errors += _group_errors(problem, g, tally)
    errors += _tally_errors(problem, tally)

    # Objective 1: the sum over patients of max(0, min_hours - hours scheduled).
    patient_minutes, counselor_minutes = tally.patient_minutes, tally.counselor_minutes
    short = [
        max(0, hours_to_minutes(p.min_hours) - patient_minutes[p.id]) for p in problem.patients
    ]
    return Report(
        errors=tuple(errors),
        shortfall_hours=sum(short) / 60,
        patients_meeting_minimum=sum(1 for s in short if s == 0),
        groups=len(solution.groups),
        counselor_hours={c.id: counselor_minutes[c.id] / 60 for c in problem.counselors},
        patient_hours={p.id: patient_minutes[p.id] / 60 for p in problem.patients},
    )


@dataclass
class _Tally:
    """Who is where, gathered group by group for the constraints that span groups: one group
    a block per counselor, room and patient, ``max_blocks_per_day`` and ``max_hours``."""

    counselor_minutes: Counter[str] = field(default_factory=Counter)
    patient_minutes: Counter[str] = field(default_factory=Counter)
    counselor_slots: defaultdict[tuple[str, str], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    room_slots: defaultdict[tuple[str, str], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    patient_slots: defaultdict[tuple[str, str], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    patient_days: defaultdict[tuple[str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )


def _group_errors(problem: Problem, g: Group, tally: _Tally) -> list[str]:
    """Constraints 1 to 5 as far as one group can break them, in that order; the group's
    counselor, room and patients go into ``tally``."""
    where = f"group {g.id}"
    errors = [f"[1] {where}: {m}" for m in _unknown_refs(problem, g)]
    track, block = problem.track_by_id.get(g.track), problem.block_by_id.get(g.block)
    counselor, room = problem.counselor_by_id.get(g.counselor), problem.room_by_id.get(g.room)
    patients = problem.patient_by_id
    members = [patients[p] for p in dict.fromkeys(g.patients) if p in patients]

    # Constraint 2: group size within the track's bounds and the room's capacity.
    size = len(g.patients)
    if track and not track.min_group <= size <= track.max_group:
        errors.append(
            f"[2] {where}: {size} patients, outside {track.id}'s {track.min_group}..{track.max_group}"
        )
    if room and size > room.capacity:
        errors.append(
            f"[2] {where}: {size} patients exceed room {room.id}'s capacity {room.capacity}"
        )

    if counselor:
        errors += _counselor_errors(where, counselor, track, block, room)
        if block:
            tally.counselor_slots[counselor.id, block.id].append(g.id)
            tally.counselor_minutes[counselor.id] += block.minutes

    # Constraint 4: the room is available and holds one group at a time.
    if room and block:
        if block.id not in room.blocks:
            errors.append(f"[4] {where}: room {room.id} is not available in block {block.id}")
        if block.site is not None and not room.virtual and room.site != block.site:
            errors.append(
                f"[4] {where}: block {block.id} keeps the hours of site {block.site},"
                f" room {room.id} is at {room.site}"
            )
        tally.room_slots[room.id, block.id].append(g.id)

    # Constraint 6 (extension): a track listing its blocks meets only in them.
    if track and block and not track.meets_in(block.id):
        errors.append(f"[6] {where}: track {track.id} does not meet in block {block.id}")

    for p in members:
        errors += _patient_errors(f"{where}: patient {p.id}", p, track, block, room)
        if block:
            tally.patient_slots[p.id, block.id].append(g.id)
            tally.patient_days[p.id, block.day].add(g.id)
            tally.patient_minutes[p.id] += block.minutes
    return errors


def _unknown_refs(problem: Problem, g: Group) -> list[str]:
    """Constraint 1: every group names a known track, block, counselor, room and patients,
    each patient once."""
    patients = problem.patient_by_id
    missing = [
        f"unknown {kind} {ref!r}"
        for kind, ref, known in (
            ("track", g.track, problem.track_by_id),
            ("block", g.block, problem.block_by_id),
            ("counselor", g.counselor, problem.counselor_by_id),
            ("room", g.room, problem.room_by_id),
        )
        if ref not in known
    ]
    missing += [f"unknown patient {p!r}" for p in dict.fromkeys(g.patients) if p not in patients]
    missing += [f"lists patient {p!r} twice" for p, n in Counter(g.patients).items() if n > 1]
    return missing


def _counselor_errors(
    where: str, counselor: Counselor, track: Track | None, block: Block | None, room: Room | None
) -> list[str]:
    """Constraint 3 for one group: its counselor is credentialed for the track, available in
    the block and at the room's site (one group a block is checked over all groups)."""
    errors = []
    if track and track.id not in counselor.tracks:
        errors.append(f"[3] {where}: counselor {counselor.id} is not credentialed for {track.id}")
    if block and block.id not in counselor.blocks:
        errors.append(f"[3] {where}: counselor {counselor.id} is not available in block {block.id}")
    if room and counselor.site is not None and not room.virtual and room.site != counselor.site:
        errors.append(
            f"[3] {where}: counselor {counselor.id} works at {counselor.site}, room {room.id} is at {room.site}"
        )
    return errors


def _patient_errors(
    who: str, p: Patient, track: Track | None, block: Block | None, room: Room | None
) -> list[str]:
    """Constraint 5 for one member of a group: in the track, free in the block, and at the
    room's site or cleared for telehealth in a virtual room."""
    errors = []
    if track and track.id not in p.tracks:
        errors.append(f"[5] {who} is not in track {track.id}")
    if block and block.id not in p.blocks:
        errors.append(f"[5] {who} is not free in block {block.id}")
    if room and room.virtual and not p.telehealth_ok:
        errors.append(f"[5] {who} is not cleared for telehealth (room {room.id} is virtual)")
    if room and not room.virtual and room.site != p.site:
        errors.append(f"[5] {who} belongs to {p.site}, room {room.id} is at {room.site}")
    return errors


def _tally_errors(problem: Problem, tally: _Tally) -> list[str]:
    """Constraints 3 to 5 across groups: nobody and no room in two groups of one block, and
    no counselor or patient over ``max_hours`` or a patient over ``max_blocks_per_day``."""
    errors: list[str] = []
    for (cid, bid), gids in tally.counselor_slots.items():
        if len(gids) > 1:
            errors.append(
                f"[3] counselor {cid} leads {len(gids)} groups in block {bid}: {', '.join(gids)}"
            )
    for c in problem.counselors:
        minutes = tally.counselor_minutes[c.id]
        if minutes > hours_to_minutes(c.max_hours):
            errors.append(
                f"[3] counselor {c.id}: {minutes / 60:g} h exceed max_hours {c.max_hours:g}"
            )
    for (rid, bid), gids in tally.room_slots.items():
        if len(gids) > 1:
            errors.append(
                f"[4] room {rid} holds {len(gids)} groups in block {bid}: {', '.join(gids)}"
            )
    for (pid, bid), gids in tally.patient_slots.items():
        if len(gids) > 1:
            errors.append(
                f"[5] patient {pid} is in {len(gids)} groups in block {bid}: {', '.join(gids)}"
            )
    errors += _overlap_errors(problem, tally)
    for (pid, day), day_groups in tally.patient_days.items():
        limit = problem.patient_by_id[pid].max_blocks_per_day
        if len(day_groups) > limit:
            errors.append(
                f"[5] patient {pid} has {len(day_groups)} groups on {day}, max_blocks_per_day is {limit}"
            )
    for p in problem.patients:
        minutes = tally.patient_minutes[p.id]
        if minutes > hours_to_minutes(p.max_hours):
            errors.append(
                f"[5] patient {p.id}: {minutes / 60:g} h exceed max_hours {p.max_hours:g}"
            )
    return errors


def _overlap_errors(problem: Problem, tally: _Tally) -> list[str]:
    """Constraints 3 to 5 across blocks: a counselor, room or patient in groups of two
    different blocks whose times overlap on the same day (whatever the blocks' ids)."""
    blocks = problem.block_by_id
    errors: list[str] = []
    for number, kind, slots, verb in (
        (3, "counselor", tally.counselor_slots, "leads groups"),
        (4, "room", tally.room_slots, "holds groups"),
        (5, "patient", tally.patient_slots, "is in groups"),
    ):
        by_who: defaultdict[str, list[tuple[Block, list[str]]]] = defaultdict(list)
        for (who, bid), gids in slots.items():
            by_who[who].append((blocks[bid], gids))
        for who, used in by_who.items():
            used.sort(key=lambda item: (item[0].day, item[0].start_minute, item[0].id))
            for i, (first, first_groups) in enumerate(used):
                for second, second_groups in used[i + 1 :]:
                    if first.overlaps(second):
                        errors.append(
                            f"[{number}] {kind} {who} {verb} in blocks {first.describe()} and"
                            f" {second.describe()}, which overlap:"
                            f" {', '.join([*first_groups, *second_groups])}"
                        )
    return errors


def count_changes(problem: Problem, solution: Solution) -> int:
    """Objective 3: changes from ``problem.previous``.

    A patient counts once when their set of (block, track) differs from the previous one; only
    patients present in both weeks count (a new admission has nothing to keep). A previous group
    counts once when no group of the same track, block and place (its room's site, or virtual) is
    led by the same counselor (continuity of care).
    """
    previous = problem.previous
    if previous is None:
        return 0

    def place(room_id: str) -> str | None:
        room = problem.room_by_id.get(room_id)
        return None if room is None else ("virtual" if room.virtual else room.site)

    def slots(sol: Solution) -> defaultdict[str, set[tuple[str, str]]]:
        out: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
        for g in sol.groups:
            for p in g.patients:
                out[p].add((g.block, g.track))
        return out

    before, after = slots(previous), slots(solution)
    changed = sum(1 for p in problem.patients if p.id in before and before[p.id] != after[p.id])
    led = {(g.track, g.block, g.counselor, place(g.room)) for g in solution.groups}
    led_anywhere = {(g.track, g.block, g.counselor) for g in solution.groups}
    for g in previous.groups:
        where = place(g.room)
        kept = (
            (g.track, g.block, g.counselor) in led_anywhere
            if where is None
            else (g.track, g.block, g.counselor, where) in led
        )
        changed += not kept
    return changed
