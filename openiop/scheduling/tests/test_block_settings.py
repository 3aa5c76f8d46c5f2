"""The week's problem from the organization's scheduling settings: room hours, a site's own
hours for a part of the day, and a track's meeting days and parts of the day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openiop.core.testing import World
from openiop.domain.scheduling import parse_problem, parse_solution, validate
from openiop.intake.models import PatientAvailability
from openiop.organization.models import RoomAvailability
from openiop.scheduling import services
from openiop.scheduling.models import GroupSession, ScheduleWeek
from openiop.scheduling.tests.helpers import WEEK, Sched, build_sched, solved_week

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _before_the_week() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False):
        yield


def _build(world: World) -> ScheduleWeek:
    return services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)


def _by_id(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in entries}


def _evening_a2(s: Sched) -> str:
    site = s.world.site_a2
    site.evening_start, site.evening_end = time(17, 30), time(20, 30)
    site.full_clean()
    site.save()
    return f"s{site.pk}"


def test_rooms_keep_their_hours_and_rooms_without_hours_are_said_to_be_open(
    world: World,
) -> None:
    s = build_sched(world)
    RoomAvailability.objects.create(room=s.room_a1, weekday=0, start=time(8), end=time(12, 30))
    RoomAvailability.objects.create(room=s.room_a1, weekday=2, start=time(17), end=time(21))
    week = _build(world)
    rooms = _by_id(week.problem["rooms"])
    assert rooms[f"r{s.room_a1.pk}"]["blocks"] == ["mon-am", "wed-ev"]
    assert len(rooms[f"r{s.room_a2.pk}"]["blocks"]) == 18
    notes = [n["text"] for n in week.notes if n["kind"] == "assumption"]
    assert (
        "No hours recorded for Harbor room, Telehealth A: treated as open whenever groups meet."
        in notes
    )


def test_a_sites_own_evening_makes_its_own_blocks_used_only_there(world: World) -> None:
    s = build_sched(world)
    a2 = _evening_a2(s)
    PatientAvailability.objects.create(
        patient=world.patient_a2, weekday=1, start=time(18), end=time(21)
    )  # the intake grid's "Tuesday evening"
    problem = _build(world).problem
    blocks = _by_id(problem["blocks"])
    assert blocks[f"tue-ev-{a2}"] == {
        "id": f"tue-ev-{a2}",
        "day": "tue",
        "start": "17:30",
        "end": "20:30",
        "site": a2,
    }
    assert "tue-ev" in blocks  # site A1 keeps the standard evening
    rooms = _by_id(problem["rooms"])
    assert f"tue-ev-{a2}" in rooms[f"r{s.room_a2.pk}"]["blocks"]
    assert "tue-ev" not in rooms[f"r{s.room_a2.pk}"]["blocks"]
    assert f"tue-ev-{a2}" not in rooms[f"r{s.room_a1.pk}"]["blocks"]
    assert {"tue-ev", f"tue-ev-{a2}"} <= set(rooms[f"r{s.virtual_a.pk}"]["blocks"])
    patient = _by_id(problem["patients"])[f"p{world.patient_a2.pk}"]
    assert patient["blocks"] == [f"tue-ev-{a2}", "tue-ev"]  # its site's evening, whatever its hours
    parsed = parse_problem(problem)
    assert parsed.overlapping["tue-ev"] == {"tue-ev", f"tue-ev-{a2}"}


def test_a_site_keeping_the_standard_hours_adds_no_block(world: World) -> None:
    s = build_sched(world)
    site = s.world.site_a2
    site.evening_start, site.evening_end = time(18), time(21)
    site.save()
    assert len(_build(world).problem["blocks"]) == 18


def test_a_tracks_days_and_parts_of_the_day_become_its_blocks(world: World) -> None:
    s = build_sched(world)
    a2 = _evening_a2(s)
    s.track_a2.meeting_days = [0, 2]
    s.track_a2.meeting_parts = ["ev"]
    s.track_a2.save()
    tracks = _by_id(_build(world).problem["tracks"])
    assert tracks[f"t{s.track_a2.pk}"]["blocks"] == [  # in time order: 17:30 before 18:00
        f"mon-ev-{a2}",
        "mon-ev",
        f"wed-ev-{a2}",
        "wed-ev",
    ]
    assert "blocks" not in tracks[f"t{s.track_a1.pk}"]  # no days or parts: any block


def test_the_solved_and_published_week_keeps_every_setting(world: World) -> None:
    s = build_sched(world)
    a2 = _evening_a2(s)
    s.track_a2.meeting_parts = ["ev"]
    s.track_a2.save()
    s.track_a1.meeting_days = [0, 2, 4]
    s.track_a1.save()
    for day in range(6):
        RoomAvailability.objects.create(room=s.room_a1, weekday=day, start=time(8), end=time(17))
    week = solved_week(world)
    problem, solution = parse_problem(week.problem), parse_solution(week.solution)
    report = validate(problem, solution)
    assert report.valid, report.errors
    assert report.shortfall_hours == 0
    a1, a2_track = f"t{s.track_a1.pk}", f"t{s.track_a2.pk}"
    for g in solution.groups:
        block = problem.block_by_id[g.block]
        if g.track == a1:
            assert block.day in ("mon", "wed", "fri") and block.end_minute <= 17 * 60
        if g.track == a2_track:
            assert g.block.startswith(("mon-ev", "tue-ev", "wed-ev", "thu-ev", "fri-ev", "sat-ev"))
            if g.room == f"r{s.room_a2.pk}":
                assert block.site == a2
    services.week_publish(actor=world.admin_a, week=week)
    own = GroupSession.objects.filter(block_id__endswith=f"-{a2}", room=s.room_a2)
    assert own.exists()
    zone = ZoneInfo(world.site_a2.timezone)
    assert {
        (x.starts_at.astimezone(zone).time(), x.ends_at.astimezone(zone).time()) for x in own
    } == {(time(17, 30), time(20, 30))}
