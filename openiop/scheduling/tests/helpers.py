"""A schedulable version of the test world: rooms, tracks, counselors with availability and
enrolled patients at sites A1, A2 (organization A) and B1 (organization B)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from openiop.accounts.models import User
from openiop.core.testing import (
    EnrollmentFactory,
    PatientFactory,
    RoomFactory,
    TrackFactory,
    World,
)
from openiop.organization.models import Room, Site, StaffAvailability, Track
from openiop.patients.models import Patient
from openiop.scheduling import runner, services
from openiop.scheduling.models import ScheduleWeek

WEEK = date(2026, 12, 7)  # a Monday in winter (EST: UTC-5)
SUMMER_WEEK = date(2027, 7, 5)  # a Monday in summer (EDT: UTC-4)
STARTED = date(2026, 11, 2)


def available_all_week(user: User, days: range = range(6)) -> None:
    profile = user.staff_profile  # type: ignore[attr-defined]
    StaffAvailability.objects.bulk_create(
        [StaffAvailability(staff=profile, weekday=d, start=time(8), end=time(22)) for d in days]
    )


def enrol(patient: Patient, track: Track, hours: str = "9", **extra: object) -> None:
    EnrollmentFactory.create(
        patient=patient,
        track=track,
        starts_on=extra.pop("starts_on", STARTED),
        required_weekly_hours=Decimal(hours),
        **extra,
    )


@dataclass
class Sched:
    world: World
    room_a1: Room
    room_a2: Room
    room_b1: Room
    virtual_a: Room
    track_a1: Track
    track_a2: Track
    track_b1: Track
    patients_a1: list[Patient] = field(default_factory=list)
    patients_a2: list[Patient] = field(default_factory=list)
    patients_b1: list[Patient] = field(default_factory=list)


def build_sched(world: World, *, a1: int = 6, a2: int = 3, b1: int = 3) -> Sched:
    """Site A1: `a1` patients in track_a1 (counselor_a1); site A2: `a2` patients in track_a2
    (counselor_a2); org B: `b1` patients (counselor_b1). Every counselor is free Mon-Sat
    08:00-22:00; patients are free in every block, so the optimum has no shortfall."""
    track_a2 = TrackFactory.create(program=world.program_a2, name="SUD A2")
    track_b1 = TrackFactory.create(program=world.program_b1, name="SUD B1")
    s = Sched(
        world=world,
        room_a1=RoomFactory.create(site=world.site_a1, name="Room 2", capacity=12),
        room_a2=RoomFactory.create(site=world.site_a2, name="Harbor room", capacity=12),
        room_b1=RoomFactory.create(site=world.site_b1, name="B room", capacity=12),
        virtual_a=Room.objects.create(
            organization=world.org_a, name="Telehealth A", capacity=12, virtual=True
        ),
        track_a1=world.track_a1,
        track_a2=track_a2,
        track_b1=track_b1,
    )
    for user, track in (
        (world.counselor_a1, s.track_a1),
        (world.counselor_a2, track_a2),
        (world.counselor_b1, track_b1),
    ):
        user.staff_profile.tracks.set([track])  # type: ignore[attr-defined]
        available_all_week(user)
    s.patients_a1 = [
        world.patient_a1,
        *PatientFactory.create_batch(a1 - 1, site=world.site_a1, program=world.program_a1),
    ]
    s.patients_a2 = [
        world.patient_a2,
        *PatientFactory.create_batch(a2 - 1, site=world.site_a2, program=world.program_a2),
    ]
    s.patients_b1 = [
        world.patient_b1,
        *PatientFactory.create_batch(b1 - 1, site=world.site_b1, program=world.program_b1),
    ]
    for p in s.patients_a1:
        enrol(p, s.track_a1)
    for p in s.patients_a2:
        enrol(p, track_a2)
    for p in s.patients_b1:
        enrol(p, track_b1)
    return s


def solved_week(world: World, week_start: date = WEEK, actor: User | None = None) -> ScheduleWeek:
    """Build and solve a week of organization A synchronously (no queue)."""
    actor = actor or world.admin_a
    week = services.week_build(actor=actor, organization=world.org_a, week_start=week_start)
    solved = runner.solve_now(week, time_limit=5, seed=0, workers=1)
    assert solved is not None and solved.status == "solved", solved and solved.error
    return solved


def greedy_solved(week: ScheduleWeek) -> ScheduleWeek:
    """Store the greedy schedule of a draft or queued week the way the solver stores its result.

    Unlike a CP-SAT solve, whose limit is wall-clock time, the greedy schedule is the same on
    any machine under any load, so a test may rely on its exact groups."""
    from openiop.domain.scheduling import parse_problem, solution_to_dict
    from openiop.domain.scheduling.greedy import greedy

    claimed = runner.claim(week.pk, only_if_queued=False)
    assert claimed is not None
    problem = parse_problem(claimed.problem)
    solution = solution_to_dict(greedy(problem, start=problem.previous))
    stored = services.week_solution_store(week_id=week.pk, solution=solution)
    assert stored is not None and stored.status == "solved", stored and stored.error
    return stored


def published_week(world: World, week_start: date = WEEK) -> ScheduleWeek:
    return services.week_publish(actor=world.admin_a, week=solved_week(world, week_start))


def groups_of(week: ScheduleWeek, patient: Patient) -> list[dict[str, object]]:
    ref = f"p{patient.pk}"
    return [g for g in week.solution["groups"] if ref in g["patients"]]


def site_of(site: Site) -> str:
    return f"s{site.pk}"


def find_moves(
    week: ScheduleWeek, patient: Patient
) -> tuple[list[tuple[str, str]], list[tuple[str, str, list[str]]]]:
    """Moves of ``patient`` to another group of their track, split by the domain validator
    into valid ones and invalid ones (with the validator's new errors)."""
    from openiop.domain.scheduling import parse_problem, parse_solution, validate
    from openiop.domain.scheduling.model import Group, Solution

    problem = parse_problem(week.problem)
    solution = parse_solution(week.solution)
    ref = f"p{patient.pk}"
    before = set(validate(problem, solution).errors)
    tracks = set(problem.patient_by_id[ref].tracks)
    valid: list[tuple[str, str]] = []
    invalid: list[tuple[str, str, list[str]]] = []
    for src in (g for g in solution.groups if ref in g.patients):
        for dst in solution.groups:
            if ref in dst.patients or dst.track not in tracks:
                continue
            groups = []
            for g in solution.groups:
                members = [p for p in g.patients if not (g.id == src.id and p == ref)]
                if g.id == dst.id:
                    members.append(ref)
                groups.append(Group(g.id, g.track, g.block, g.counselor, g.room, tuple(members)))
            errors = [
                e for e in validate(problem, Solution(tuple(groups))).errors if e not in before
            ]
            if errors:
                invalid.append((src.id, dst.id, errors))
            else:
                valid.append((src.id, dst.id))
    return valid, invalid
