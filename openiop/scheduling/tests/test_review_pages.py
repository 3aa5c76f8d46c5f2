"""Review pages: "Solve" rebuilds the week from today's enrolments; a hand move sent by htmx
answers in place (the row with its reason, or the list with the move); the patient list is
searched by a POST with the same number of queries whatever the week holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.testing import PatientFactory, World, login
from openiop.patients.models import EnrollmentStatus
from openiop.scheduling import services
from openiop.scheduling.models import ScheduleWeek, WeekStatus
from openiop.scheduling.tests.helpers import STARTED, build_sched, enrol, find_moves, solved_week

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


def _capacity_week(world: World) -> ScheduleWeek:
    s = build_sched(world, a1=8)
    s.room_a1.capacity = 5
    s.room_a1.save()
    return solved_week(world)


def test_solving_again_rebuilds_from_todays_enrolments(client: Client, world: World) -> None:
    s = build_sched(world)
    week = solved_week(world)
    newcomer = PatientFactory.create(site=world.site_a1, program=world.program_a1)
    enrol(newcomer, s.track_a1, starts_on=STARTED)
    s.patients_a1[-1].enrollments.update(status=EnrollmentStatus.DISCHARGED)
    login(client, world.admin_a)
    page = client.get(reverse("scheduling:week", args=[week.pk])).content.decode()
    assert "Solve again with today's patients" in page and "admitted or discharged" in page
    response = client.post(reverse("scheduling:week_solve", args=[week.pk]), follow=True)
    body = response.content.decode()
    assert "1 patient added since the last build, 1 patient left out." in body
    week.refresh_from_db()
    ids = {p["id"] for p in week.problem["patients"]}
    assert f"p{newcomer.pk}" in ids and f"p{s.patients_a1[-1].pk}" not in ids
    assert week.status == WeekStatus.QUEUED and week.solution == {} and week.edits == 0


def test_a_resolve_revision_rebuilds_with_its_first_day_and_absent_counselors(
    world: World,
) -> None:
    build_sched(world)
    first = services.week_publish(actor=world.admin_a, week=solved_week(world))
    with time_machine.travel(datetime(2026, 12, 9, 8, 0, tzinfo=UTC), tick=False):
        new = services.week_resolve(
            actor=world.admin_a,
            week=first,
            first_day=first.week_start.replace(day=10),
            absent=[world.counselor_a2],
        )
        problem = new.problem
        again = services.week_solve_enqueue(actor=world.admin_a, week=new, rebuild=True)
    assert again.problem == problem and again.starts_on == new.starts_on


def test_a_refused_htmx_move_answers_the_row_with_its_reason(client: Client, world: World) -> None:
    week = _capacity_week(world)
    source, target, _ = find_moves(week, world.patient_a1)[1][0]
    login(client, world.admin_a)
    response = client.post(
        reverse("scheduling:week_move", args=[week.pk]),
        {"patient": world.patient_a1.pk, "from_group": source, "to_group": target, "page": "1"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert body.startswith(f'<section class="card patient-row" id="p{world.patient_a1.pk}"')
    assert "Refused, nothing was saved" in body and body.count("patient-row") == 1
    week.refresh_from_db()
    assert week.edits == 0


def test_an_htmx_move_without_a_patient_answers_a_plain_reason(
    client: Client, world: World
) -> None:
    week = _capacity_week(world)
    login(client, world.admin_a)
    response = client.post(
        reverse("scheduling:week_move", args=[week.pk]), {"patient": "x", "to_group": "g1"}, **HTMX
    )
    assert response.status_code == 422 and response["Content-Type"].startswith("text/plain")
    assert response.content.decode()


def test_a_valid_htmx_move_answers_the_whole_list_with_the_move(
    client: Client, world: World
) -> None:
    week = _capacity_week(world)
    patient, move = next(
        (p, moves[0]) for p in world.site_a1.patients.all() if (moves := find_moves(week, p)[0])
    )
    login(client, world.admin_a)
    response = client.post(
        reverse("scheduling:week_move", args=[week.pk]),
        {"patient": patient.pk, "from_group": move[0], "to_group": move[1], "q": ""},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#patient-list"
    assert body.startswith('<div id="patient-list">') and "moved." in body
    week.refresh_from_db()
    assert week.edits == 1


def test_the_patient_search_is_a_post_with_constant_queries(client: Client, world: World) -> None:
    s = build_sched(world, a1=4)
    week = solved_week(world)
    login(client, world.admin_a)
    url = reverse("scheduling:week_patients", args=[week.pk])
    target = s.patients_a1[1]
    response = client.post(url, {"q": f"  {target.last_name.upper()} "}, **HTMX)
    body = response.content.decode()
    assert body.startswith('<div id="patient-list">')
    assert f'id="p{target.pk}"' in body and body.count('class="card patient-row"') == len(
        [p for p in s.patients_a1 + s.patients_a2 if target.last_name in p.last_name]
    )
    by_record = client.post(url, {"q": target.mrn}).content.decode()
    assert f'id="p{target.pk}"' in by_record and "<html" in by_record  # no htmx: the page
    assert target.last_name not in response.request["PATH_INFO"]

    def queries(q: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.post(url, {"q": q}, **HTMX)
        return len(ctx.captured_queries)

    few = queries(target.last_name)
    for _ in range(6):
        extra = PatientFactory.create(site=world.site_a1, program=world.program_a1)
        enrol(extra, s.track_a1, starts_on=STARTED)
    bigger = solved_week(world)
    url = reverse("scheduling:week_patients", args=[bigger.pk])
    assert queries(target.last_name) == few
    nobody = client.post(url, {"q": "zzz-nobody"}, **HTMX).content.decode()
    assert "No patient of this week matches" in nobody
