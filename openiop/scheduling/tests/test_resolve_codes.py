"""A re-solve that keeps a group keeps its session row and so its check-in code; a patient
whose group (and code) changes is named on the week, never changed silently.

The clock is frozen on Wednesday 9 December 2026 08:00 UTC; solves use a fixed time limit,
seed and one worker, and most tests publish a hand-made solution so no result depends on the
solver's speed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from openiop.core.testing import PatientFactory, World, login
from openiop.delivery import codes
from openiop.patients.models import EnrollmentStatus
from openiop.scheduling import runner, services
from openiop.scheduling.blocks import block_label
from openiop.scheduling.models import (
    GroupSession,
    ScheduleWeek,
    SessionAssignment,
    SessionStatus,
    WeekStatus,
)
from openiop.scheduling.tests.helpers import (
    WEEK,
    build_sched,
    enrol,
    find_moves,
    published_week,
)

pytestmark = pytest.mark.django_db

WEDNESDAY = WEEK + timedelta(days=2)
NOW = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
LATER = r"^(wed|thu|fri|sat)"


def _codes(week_start: Any = WEEK) -> dict[int, str]:
    sessions = GroupSession.objects.filter(
        week__week_start=week_start, status=SessionStatus.SCHEDULED, block_id__regex=LATER
    )
    return {s.pk: codes.session_code(s) for s in sessions}


def _members() -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for session_id, patient_id in SessionAssignment.objects.filter(
        session__status=SessionStatus.SCHEDULED
    ).values_list("session_id", "patient_id"):
        out.setdefault(session_id, set()).add(patient_id)
    return out


def _resolved_as_before(world: World, first: ScheduleWeek) -> ScheduleWeek:
    """A re-solve from Wednesday whose solution is the published one (nothing changed)."""
    new = services.week_resolve(actor=world.admin_a, week=first, first_day=WEDNESDAY)
    ScheduleWeek.objects.filter(pk=new.pk).update(
        status=WeekStatus.SOLVED,
        solution={"format": first.solution["format"], **new.problem["previous"], "stats": {}},
    )
    new.refresh_from_db()
    return new


def test_an_unchanged_resolve_keeps_every_session_and_code(world: World) -> None:
    build_sched(world, a1=9)
    first = published_week(world)
    before, members = _codes(), _members()
    with time_machine.travel(NOW, tick=False):
        new = _resolved_as_before(world, first)
        assert services.planned_code_changes(new) == []
        services.week_publish(actor=world.admin_a, week=new)
    assert before and _codes() == before
    assert _members() == members
    assert set(GroupSession.objects.filter(pk__in=before).values_list("week", flat=True)) == {
        new.pk
    }
    assert not [n for n in ScheduleWeek.objects.get(pk=new.pk).notes if n["kind"] == "code_change"]


def test_a_moved_patient_is_named_and_only_their_code_changes(world: World) -> None:
    s = build_sched(world, a1=8)
    s.room_a1.capacity = 5  # several groups a day, some with room for one more
    s.room_a1.save()
    first = published_week(world)
    before = _codes()
    with time_machine.travel(NOW, tick=False):
        new = _resolved_as_before(world, first)
        later = {g["id"] for g in new.solution["groups"]}
        patient, (src, dst) = next(
            (p, move)
            for p in s.patients_a1
            for move in find_moves(new, p)[0]
            if move[0] in later and move[1] in later
        )
        block = next(g["block"] for g in new.solution["groups"] if g["id"] == src)
        services.week_move_patient(
            actor=world.admin_a, week=new, patient=patient, from_group=src, to_group=dst
        )
        new.refresh_from_db()
        planned = services.planned_code_changes(new)
        assert [n["ref"] for n in planned] == [f"p{patient.pk}"]
        assert planned[0]["text"].startswith(f"{block}: ")

        client = login(Client(), world.admin_a)
        page = client.get(f"/schedule/weeks/{new.pk}/")
        assert "Publishing changes these patients" in page.content.decode()
        assert f"{patient.last_name}, {patient.first_name}" in page.content.decode()

        published = client.post(f"/schedule/weeks/{new.pk}/publish/", follow=True)
        body = published.content.decode()
        assert "1 patient changed group: the check-in code they were given changes." in body
        assert "Patients whose group changed" in body
        assert f"<strong>{patient.last_name}, {patient.first_name}</strong>: " in body
        assert f"{block_label(block)}: " in body and f"{block}:" not in body  # names, no ids

    assert _codes() == before  # every session is kept: same rows, same codes
    notes = [n for n in ScheduleWeek.objects.get(pk=new.pk).notes if n["kind"] == "code_change"]
    assert notes == planned
    now_in = set(
        GroupSession.objects.filter(
            status=SessionStatus.SCHEDULED, assignments__patient=patient, block_id__regex=LATER
        ).values_list("pk", flat=True)
    )
    assert now_in and now_in <= set(before)
    assert now_in != {pk for pk, ids in _members().items() if patient.pk in ids} - now_in


def test_a_dissolved_group_is_cancelled_and_its_patients_are_told(world: World) -> None:
    build_sched(world, a1=9)
    first = published_week(world)
    with time_machine.travel(NOW, tick=False):
        new = _resolved_as_before(world, first)
        dropped = new.solution["groups"][0]
        solution = dict(new.solution)
        solution["groups"] = new.solution["groups"][1:]
        ScheduleWeek.objects.filter(pk=new.pk).update(solution=solution)
        new.refresh_from_db()
        gone = GroupSession.objects.get(
            status=SessionStatus.SCHEDULED,
            block_id=dropped["block"],
            room_id=int(dropped["room"][1:]),
            track_id=int(dropped["track"][1:]),
        )
        services.week_publish(actor=world.admin_a, week=new)
    gone.refresh_from_db()
    assert gone.status == SessionStatus.CANCELLED
    notes = [n for n in ScheduleWeek.objects.get(pk=new.pk).notes if n["kind"] == "code_change"]
    assert {n["ref"] for n in notes} == {f"{p}" for p in dropped["patients"]}
    assert all("no longer works" in n["text"] for n in notes)


def test_a_solved_resolve_keeps_surviving_sessions_and_names_every_change(world: World) -> None:
    s = build_sched(world, a1=9)
    first = published_week(world)
    before, members = _codes(), _members()
    leaver = s.patients_a1[-1]
    with time_machine.travel(NOW, tick=False):
        leaver.enrollments.update(status=EnrollmentStatus.DISCHARGED)
        newcomer = PatientFactory.create(site=world.site_a1, program=world.program_a1)
        enrol(newcomer, s.track_a1, starts_on=WEDNESDAY)
        new = services.week_resolve(actor=world.admin_a, week=first, first_day=WEDNESDAY)
        solved = runner.solve_now(new, time_limit=5, seed=0, workers=1)
        assert solved is not None and solved.status == WeekStatus.SOLVED
        services.week_publish(actor=world.admin_a, week=solved)
    after = _members()
    # Any answer the solver reaches within its (wall-clock) limit: the newcomer is in exactly
    # the groups the solved week gives them, and, being new, has no code to change.
    in_solution = sum(f"p{newcomer.pk}" in g["patients"] for g in solved.solution["groups"])
    assert sum(newcomer.pk in ids for ids in after.values()) == in_solution
    notes = [n for n in ScheduleWeek.objects.get(pk=new.pk).notes if n["kind"] == "code_change"]
    told = {(n["ref"], n["text"].split(":")[0]) for n in notes}
    for pk, code in before.items():
        session = GroupSession.objects.get(pk=pk)
        if session.status == SessionStatus.SCHEDULED:
            assert codes.session_code(session) == code  # a kept group keeps its code
        for pid in members.get(pk, set()):
            if pid not in after.get(pk, set()) or session.status != SessionStatus.SCHEDULED:
                assert (f"p{pid}", session.block_id) in told
    assert not [n for n in notes if n["ref"] == f"p{newcomer.pk}"]
    left = [pk for pk in before if leaver.pk in members.get(pk, set())]
    assert left and all(
        (f"p{leaver.pk}", GroupSession.objects.get(pk=pk).block_id) in told for pk in left
    )
