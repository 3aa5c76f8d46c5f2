"""Schedule pages: weeks, build, review (grid, counselors, patients), progress, hand edits,
publish, re-solve, calendar links; refusals for other sites and organizations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openiop.core import tasks as core_tasks
from openiop.core.models import AuditEvent
from openiop.core.testing import PatientFactory, World, login
from openiop.core.testing_tasks import results
from openiop.scheduling import services
from openiop.scheduling.models import GroupSession, ScheduleWeek, WeekStatus
from openiop.scheduling.tasks import solve_week
from openiop.scheduling.tests.helpers import (
    WEEK,
    build_sched,
    enrol,
    find_moves,
    published_week,
    solved_week,
)

pytestmark = pytest.mark.django_db


def _with_cells(client: Client, body: str) -> str:
    """The grid page with the groups of each of its cells, which load on demand."""
    import html
    import re

    cells = re.findall(r'href="(/schedule/weeks/\d+/cell/\?[^"]+)"', body)
    return body + "".join(client.get(html.unescape(url)).content.decode() for url in cells)


def _denied(username: str, object_id: str | None = None) -> bool:
    events = AuditEvent.objects.filter(action="denied", username=username)
    if object_id is not None:
        events = events.filter(object_id=object_id)
    return events.exists()


def test_the_schedule_page_lists_weeks_and_offers_managers_a_build_form(
    client: Client, world: World
) -> None:
    build_sched(world)
    draft = solved_week(world)
    login(client, world.admin_a)
    body = client.get(reverse("scheduling:index")).content.decode()
    assert "Build and solve" in body and f"/schedule/weeks/{draft.pk}/" in body
    login(client, world.counselor_a1)
    body = client.get(reverse("scheduling:index")).content.decode()
    assert "Build and solve" not in body and f"/schedule/weeks/{draft.pk}/" not in body
    assert "No published schedule yet" in body


@time_machine.travel(datetime(2026, 12, 2, 15, 0, tzinfo=UTC), tick=False)
def test_building_queues_the_week_and_shows_its_progress(client: Client, world: World) -> None:
    build_sched(world)
    login(client, world.admin_a)
    response = client.post(reverse("scheduling:build"), {"week_start": WEEK.isoformat()})
    week = ScheduleWeek.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/weeks/{week.pk}/")
    assert week.status == WeekStatus.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Waiting for the solver" in page
    poll = client.get(reverse("scheduling:week_progress", args=[week.pk]), HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "HX-Refresh" not in poll
    ScheduleWeek.objects.filter(pk=week.pk).update(status=WeekStatus.SOLVED)
    poll = client.get(reverse("scheduling:week_progress", args=[week.pk]), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"


def test_polling_the_progress_changes_nothing_and_starts_no_task(
    client: Client, world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SCHEDULE_INLINE_FALLBACK = True  # even where the web process could run tasks
    kicks: list[bool] = []
    monkeypatch.setattr(core_tasks, "kick", lambda: kicks.append(True) or False)
    build_sched(world)
    week = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    services.week_solve_enqueue(actor=world.admin_a, week=week)  # no commit: no task yet
    before = ScheduleWeek.objects.values().get(pk=week.pk)
    login(client, world.admin_a)
    url = reverse("scheduling:week_progress", args=[week.pk])
    for _ in range(3):
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    assert ScheduleWeek.objects.values().get(pk=week.pk) == before
    assert DBTaskResult.objects.count() == 0 and kicks == []
    assert client.post(url).status_code == 405  # and it takes no POST either


def test_the_solve_post_enqueues_the_solve_task_after_its_commit(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scheduling:week_solve", args=[week.pk]))
    assert response.status_code == 302
    week.refresh_from_db()
    assert week.status == WeekStatus.QUEUED
    (task,) = results(solve_week)
    assert task.status == "READY" and task.args_kwargs["kwargs"] == {
        "week_id": week.pk,
        "attempt": 1,
    }


@time_machine.travel(datetime(2026, 12, 2, 15, 0, tzinfo=UTC), tick=True)
def test_a_week_queued_for_long_says_how_to_start_a_worker(client: Client, world: World) -> None:
    build_sched(world)
    week = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    services.week_solve_enqueue(actor=world.admin_a, week=week)
    login(client, world.admin_a)
    url = reverse("scheduling:week_progress", args=[week.pk])
    assert "openiop db_worker" not in client.get(url).content.decode()
    ScheduleWeek.objects.filter(pk=week.pk).update(queued_at=timezone.now() - timedelta(minutes=5))
    assert "openiop db_worker" in client.get(url).content.decode()


@time_machine.travel(datetime(2026, 12, 2, 15, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-12-08", "Choose a Monday"),
        ("2026-11-23", "That week is over"),
        ("2027-06-07", "at most 8 weeks"),
        ("not a date", "Enter a valid date"),
    ],
)
def test_a_bad_week_is_refused_on_the_form_and_nothing_is_saved(
    client: Client, world: World, value: str, message: str
) -> None:
    login(client, world.admin_a)
    response = client.post(reverse("scheduling:build"), {"week_start": value})
    assert response.status_code == 422 and message in response.content.decode()
    assert not ScheduleWeek.objects.exists()


def test_a_counselor_cannot_build_and_the_attempt_is_audited(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.post(reverse("scheduling:build"), {"week_start": WEEK.isoformat()})
    assert response.status_code == 403 and not ScheduleWeek.objects.exists()
    assert _denied("counselor_a1")


def test_the_grid_shows_each_group_by_site_day_and_block(client: Client, world: World) -> None:
    build_sched(world, a2=2)
    week = solved_week(world)
    login(client, world.admin_a)
    body = client.get(reverse("scheduling:week", args=[week.pk])).content.decode()
    assert "A1 · 3 groups" in body  # one table per site
    assert "SUD A1" not in body  # cells summarised: their groups load on demand
    body = _with_cells(client, body)
    assert "SUD A1" in body and "Counselor_A1" in body and "Room 2" in body
    assert "6 patients" in body and "Every hard rule holds" in body
    assert "Patients below their weekly minimum" in body
    assert "Okafor, Bruno" in body and "smallest group size" in body  # explained shortfall
    assert AuditEvent.objects.filter(
        action="query", username="admin_a", detail__contains=str(world.patient_a2.pk)
    ).exists()


def test_the_counselor_view_lists_each_counselors_groups_and_hours(
    client: Client, world: World
) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, world.director_a)
    body = client.get(reverse("scheduling:week_counselors", args=[week.pk])).content.decode()
    assert "Counselor_A1" in body and "9 h of at most 40 h" in body and "3 groups" in body


def test_the_patient_view_shows_hours_groups_and_coverage_and_is_audited(
    client: Client, world: World
) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, world.director_a)
    body = client.get(reverse("scheduling:week_patients", args=[week.pk])).content.decode()
    assert "Quintero, Alma" in body and "9 h scheduled of 9 h minimum" in body
    assert "0 of 7 topics so far" in body and "Move to" in body
    event = AuditEvent.objects.filter(action="query", username="director_a").last()
    assert event is not None and str(world.patient_a1.pk) in event.detail


def _capacity_week(world: World) -> ScheduleWeek:
    s = build_sched(world, a1=8)
    s.room_a1.capacity = 5
    s.room_a1.save()
    return solved_week(world)


def test_a_valid_hand_move_is_saved(client: Client, world: World) -> None:
    week = _capacity_week(world)
    login(client, world.admin_a)
    patient, move = next(
        (p, moves[0]) for p in world.site_a1.patients.all() if (moves := find_moves(week, p)[0])
    )
    response = client.post(
        reverse("scheduling:week_move", args=[week.pk]),
        {"patient": patient.pk, "from_group": move[0], "to_group": move[1]},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#p{patient.pk}")
    week.refresh_from_db()
    assert week.edits == 1
    assert (
        f"p{patient.pk}"
        in next(g for g in week.solution["groups"] if g["id"] == move[1])["patients"]
    )


def test_an_invalid_hand_move_is_refused_with_the_reason_and_nothing_saved(
    client: Client, world: World
) -> None:
    week = _capacity_week(world)
    before = week.solution
    source, target, _ = find_moves(week, world.patient_a1)[1][0]
    login(client, world.admin_a)
    response = client.post(
        reverse("scheduling:week_move", args=[week.pk]),
        {"patient": world.patient_a1.pk, "from_group": source, "to_group": target},
    )
    body = response.content.decode()
    assert response.status_code == 422 and "Refused, nothing was saved" in body
    assert "[2]" in body or "[5]" in body
    week.refresh_from_db()
    assert week.solution == before and week.edits == 0


def test_a_move_without_a_target_or_patient_is_a_form_error(client: Client, world: World) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, world.admin_a)
    url = reverse("scheduling:week_move", args=[week.pk])
    response = client.post(url, {"patient": world.patient_a1.pk})
    assert response.status_code == 422 and "Choose a group" in response.content.decode()
    response = client.post(url, {"patient": "x", "to_group": "g1"})
    assert response.status_code == 422


def test_publishing_from_the_page_creates_the_sessions(client: Client, world: World) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, world.admin_a)
    response = client.post(reverse("scheduling:week_publish", args=[week.pk]))
    assert response.status_code == 302
    assert GroupSession.objects.filter(week=week).count() == 6
    body = _with_cells(client, client.get(response["Location"]).content.decode())
    assert "Published" in body and "Coping skills" in body and "Re-solve from a day" in body
    again = client.post(reverse("scheduling:week_publish", args=[week.pk]))
    assert again.status_code == 422 and GroupSession.objects.filter(week=week).count() == 6


def test_a_counselor_sees_the_published_grid_of_their_own_site_only(
    client: Client, world: World
) -> None:
    build_sched(world)
    week = published_week(world)
    login(client, world.counselor_a2)
    body = _with_cells(
        client, client.get(reverse("scheduling:week", args=[week.pk])).content.decode()
    )
    assert "SUD A2" in body and "SUD A1" not in body
    patients = client.get(reverse("scheduling:week_patients", args=[week.pk])).content.decode()
    assert "Okafor, Bruno" in patients and "Quintero" not in patients
    assert "Move to" not in patients


def test_the_resolve_page_builds_a_new_revision(client: Client, world: World) -> None:
    build_sched(world)
    week = published_week(world)
    with time_machine.travel(datetime(2026, 12, 9, 8, 0, tzinfo=UTC), tick=False):
        login(client, world.admin_a)
        url = reverse("scheduling:week_resolve", args=[week.pk])
        assert "Counselor_A1" in client.get(url).content.decode()
        bad = client.post(url, {"first_day": "2026-12-07"})
        assert bad.status_code == 422 and "has begun" in bad.content.decode()
        response = client.post(url, {"first_day": "2026-12-10", "absent": [world.counselor_a2.pk]})
    assert response.status_code == 302
    new = ScheduleWeek.objects.get(parent=week)
    assert new.status == WeekStatus.QUEUED and new.starts_on.isoformat() == "2026-12-10"


# Refusals ---------------------------------------------------------------------------------


def _pages(week: ScheduleWeek) -> list[tuple[str, str]]:
    return [
        ("get", reverse("scheduling:week", args=[week.pk])),
        ("get", reverse("scheduling:week_counselors", args=[week.pk])),
        ("get", reverse("scheduling:week_patients", args=[week.pk])),
        ("get", reverse("scheduling:week_progress", args=[week.pk])),
        ("post", reverse("scheduling:week_solve", args=[week.pk])),
        ("post", reverse("scheduling:week_move", args=[week.pk])),
        ("post", reverse("scheduling:week_publish", args=[week.pk])),
        ("get", reverse("scheduling:week_resolve", args=[week.pk])),
    ]


@pytest.mark.parametrize("intruder", ["director_b", "admin_b", "counselor_b1"])
def test_another_organization_gets_404_on_every_week_page_and_it_is_audited(
    client: Client, world: World, intruder: str
) -> None:
    build_sched(world)
    week = published_week(world)
    login(client, getattr(world, intruder))
    for method, url in _pages(week):
        response = getattr(client, method)(url, {"patient": world.patient_a1.pk, "to_group": "x"})
        assert response.status_code == 404, url
        assert b"Quintero" not in response.content
    assert AuditEvent.objects.filter(
        action="denied", username=intruder, object_id=str(week.pk)
    ).count() == len(_pages(week))


def test_counselors_get_404_for_drafts_and_403_for_changes_audited(
    client: Client, world: World
) -> None:
    build_sched(world)
    draft = solved_week(world)
    login(client, world.counselor_a1)
    assert client.get(reverse("scheduling:week", args=[draft.pk])).status_code == 404
    assert _denied("counselor_a1", str(draft.pk))
    published = published_week(world, WEEK + timedelta(days=7))
    for name in ("week_solve", "week_publish", "week_move"):
        response = client.post(reverse(f"scheduling:{name}", args=[published.pk]))
        assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied", username="counselor_a1").count() == 4


def test_a_manager_cannot_move_a_patient_they_cannot_see(client: Client, world: World) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, world.admin_a)
    response = client.post(
        reverse("scheduling:week_move", args=[week.pk]),
        {"patient": world.patient_b1.pk, "to_group": week.solution["groups"][0]["id"]},
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", username="admin_a", object_id=str(world.patient_b1.pk)
    ).exists()


def test_patient_calendar_and_telehealth_of_another_site_are_refused_and_audited(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a2)
    for name in ("patient_calendar", "patient_telehealth"):
        response = client.post(
            reverse(f"scheduling:{name}", args=[world.patient_a1.pk]), {"action": "create"}
        )
        assert response.status_code == 404
    assert (
        AuditEvent.objects.filter(
            action="denied", username="counselor_a2", object_id=str(world.patient_a1.pk)
        ).count()
        == 2
    )
    login(client, world.billing_a1)  # may read, not change
    response = client.post(
        reverse("scheduling:patient_calendar", args=[world.patient_a1.pk]), {"action": "create"}
    )
    assert response.status_code == 403 and _denied("billing_a1")


# Query counts -----------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm up: session bookkeeping of the first request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("view", ["week", "week_counselors", "week_patients"])
def test_review_pages_run_a_constant_number_of_queries_as_the_week_grows(
    client: Client, world: World, view: str
) -> None:
    s = build_sched(world, a1=6, a2=3)
    small = published_week(world)
    login(client, world.director_a)
    before = _queries(client, reverse(f"scheduling:{view}", args=[small.pk]))
    for patient in PatientFactory.create_batch(30, site=world.site_a1, program=world.program_a1):
        enrol(patient, s.track_a1)
    for patient in PatientFactory.create_batch(15, site=world.site_a2, program=world.program_a2):
        enrol(patient, s.track_a2)
    large = published_week(world, WEEK + timedelta(days=7))
    assert len(large.problem["patients"]) == 54
    after = _queries(client, reverse(f"scheduling:{view}", args=[large.pk]))
    assert before == after, (before, after)


def test_the_weeks_list_runs_a_constant_number_of_queries(client: Client, world: World) -> None:
    from openiop.scheduling import services

    build_sched(world)
    login(client, world.admin_a)
    services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    one = _queries(client, reverse("scheduling:index"))
    for offset in range(1, 8):
        services.week_build(
            actor=world.admin_a,
            organization=world.org_a,
            week_start=WEEK + timedelta(days=7 * offset),
        )
    assert _queries(client, reverse("scheduling:index")) == one


def test_the_weeks_list_reads_no_problem_or_solution(client: Client, world: World) -> None:
    """The list shows dates, revisions and statuses; the weeks' JSON documents (megabytes each
    on a large program) stay in the database."""
    from openiop.scheduling import services

    build_sched(world)
    login(client, world.admin_a)
    first = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    client.get(reverse("scheduling:index"))
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(reverse("scheduling:index")).content.decode()
    assert f"Week of {first.week_start:%a} {first.week_start.day}" in body
    week_reads = [q["sql"] for q in ctx.captured_queries if "scheduling_scheduleweek" in q["sql"]]
    assert week_reads
    for sql in week_reads:
        assert '"problem"' not in sql and '"solution"' not in sql, sql
