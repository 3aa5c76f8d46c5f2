"""An independent check of a solution against a problem (iop-week/1, "Hard constraints").

This module deliberately shares no code with the solvers beyond the parsed dataclasses: it reads
the groups as written and tests each numbered hard constraint of the format directly, so a bug in a
solver's model shows up here instead of being repeated. Each error starts with the number of the
constraint it breaks, e.g. ``[3] group g4: counselor c2 is not available in block tue-pm``.

It also measures the objective of the format ("Objective, in strict priority order"): total
shortfall hours (1), number of groups (2) and changes from ``previous`` (3, :func:`count_changes`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from openiop.domain.scheduling.model import Problem, Solution, hours_to_minutes


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
    errors: list[str] = []
    blocks, tracks = problem.block_by_id, problem.track_by_id
    rooms, counselors, patients = problem.room_by_id, problem.counselor_by_id, problem.patient_by_id
    counselor_minutes: Counter[str] = Counter()
    patient_minutes: Counter[str] = Counter()
    counselor_slots: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    room_slots: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    patient_slots: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    patient_days: defaultdict[tuple[str, str], set[str]] = defaultdict(set)

    for gid, count in Counter(g.id for g in solution.groups).items():
        if count > 1:
            errors.append(f"[1] group id {gid!r} is used {count} times")
    for g in solution.groups:
        where = f"group {g.id}"
        # Constraint 1: every group names a known track, block, counselor and room.
        missing = [
            f"unknown {kind} {ref!r}"
            for kind, ref, known in (
                ("track", g.track, tracks),
                ("block", g.block, blocks),
                ("counselor", g.counselor, counselors),
                ("room", g.room, rooms),
            )
            if ref not in known
        ]
        missing += [
            f"unknown patient {p!r}" for p in dict.fromkeys(g.patients) if p not in patients
        ]
        missing += [f"lists patient {p!r} twice" for p, n in Counter(g.patients).items() if n > 1]
        errors.extend(f"[1] {where}: {m}" for m in missing)
        track, block = tracks.get(g.track), blocks.get(g.block)
        counselor, room = counselors.get(g.counselor), rooms.get(g.room)
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

        # Constraint 3: counselor credentialed, available, at the right site, one group a block.
        if counselor:
            if track and track.id not in counselor.tracks:
                errors.append(
                    f"[3] {where}: counselor {counselor.id} is not credentialed for {track.id}"
                )
            if block and block.id not in counselor.blocks:
                errors.append(
                    f"[3] {where}: counselor {counselor.id} is not available in block {block.id}"
                )
            if (
                room
                and counselor.site is not None
                and not room.virtual
                and room.site != counselor.site
            ):
                errors.append(
                    f"[3] {where}: counselor {counselor.id} works at {counselor.site}, room {room.id} is at {room.site}"
                )
            if block:
                counselor_slots[counselor.id, block.id].append(g.id)
                counselor_minutes[counselor.id] += block.minutes

        # Constraint 4: the room is available and holds one group at a time.
        if room and block:
            if block.id not in room.blocks:
                errors.append(f"[4] {where}: room {room.id} is not available in block {block.id}")
            room_slots[room.id, block.id].append(g.id)

        # Constraint 5: each patient's tracks, free blocks, site or telehealth.
        for p in members:
            who = f"{where}: patient {p.id}"
            if track and track.id not in p.tracks:
                errors.append(f"[5] {who} is not in track {track.id}")
            if block:
                if block.id not in p.blocks:
                    errors.append(f"[5] {who} is not free in block {block.id}")
                patient_slots[p.id, block.id].append(g.id)
                patient_days[p.id, block.day].add(g.id)
                patient_minutes[p.id] += block.minutes
            if room and room.virtual and not p.telehealth_ok:
                errors.append(
                    f"[5] {who} is not cleared for telehealth (room {room.id} is virtual)"
                )
            if room and not room.virtual and room.site != p.site:
                errors.append(f"[5] {who} belongs to {p.site}, room {room.id} is at {room.site}")

    for (cid, bid), gids in counselor_slots.items():
        if len(gids) > 1:
            errors.append(
                f"[3] counselor {cid} leads {len(gids)} groups in block {bid}: {', '.join(gids)}"
            )
    for c in problem.counselors:
        if counselor_minutes[c.id] > hours_to_minutes(c.max_hours):
            errors.append(
                f"[3] counselor {c.id}: {counselor_minutes[c.id] / 60:g} h exceed max_hours {c.max_hours:g}"
            )
    for (rid, bid), gids in room_slots.items():
        if len(gids) > 1:
            errors.append(
                f"[4] room {rid} holds {len(gids)} groups in block {bid}: {', '.join(gids)}"
            )
    for (pid, bid), gids in patient_slots.items():
        if len(gids) > 1:
            errors.append(
                f"[5] patient {pid} is in {len(gids)} groups in block {bid}: {', '.join(gids)}"
            )
    for (pid, day), day_groups in patient_days.items():
        limit = patients[pid].max_blocks_per_day
        if len(day_groups) > limit:
            errors.append(
                f"[5] patient {pid} has {len(day_groups)} groups on {day}, max_blocks_per_day is {limit}"
            )
    for p in problem.patients:
        if patient_minutes[p.id] > hours_to_minutes(p.max_hours):
            errors.append(
                f"[5] patient {p.id}: {patient_minutes[p.id] / 60:g} h exceed max_hours {p.max_hours:g}"
            )

    # Objective 1: the sum over patients of max(0, min_hours - hours scheduled).
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
