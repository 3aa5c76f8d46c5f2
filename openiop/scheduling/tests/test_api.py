"""REST API of the schedule: contract, bad input, refusals (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.scheduling.models import GroupSession, ScheduleWeek, WeekStatus
from openiop.scheduling.tests.helpers import WEEK, build_sched, find_moves, solved_week

pytestmark = pytest.mark.django_db
BASE = "/api/v1/schedule/weeks/"


def test_a_manager_builds_a_week_and_gets_201_with_the_queued_week(
    client: Client, world: World
) -> None:
    build_sched(world)
    login(client, world.director_a)
    response = client.post(BASE, {"week_start": "2026-12-07"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["week_start"] == "2026-12-07"
    assert body["patients"] == 9 and body["revision"] == 1
    listed = client.get(BASE).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "week_start"),
        ({"week_start": "2026-12-08"}, "week_start"),
        ({"week_start": "x"}, "week_start"),
    ],
)
def test_bad_build_input_answers_400_naming_the_field(
    client: Client, world: World, payload: dict[str, str], field: str
) -> None:
    login(client, world.admin_a)
    response = client.post(BASE, payload, content_type="application/json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not ScheduleWeek.objects.exists()


def test_the_review_lists_groups_validator_status_and_visible_patients(
    client: Client, world: World
) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, world.admin_a)
    body = client.get(f"{BASE}{week.pk}/").json()
    assert body["valid"] is True and body["validator_errors"] == [] and body["groups"] == 6
    group = next(g for g in body["group_list"] if g["site_name"] == "A1")
    assert group["track_name"] == "SUD A1" and group["patient_count"] == 6
    assert world.patient_a1.pk in group["patients"]
    assert AuditEvent.objects.filter(action="query", username="admin_a").exists()


def test_moves_are_applied_or_refused_with_the_validators_reasons(
    client: Client, world: World
) -> None:
    s = build_sched(world, a1=8)
    s.room_a1.capacity = 5
    s.room_a1.save()
    week = solved_week(world)
    login(client, world.admin_a)
    source, target, _ = find_moves(week, world.patient_a1)[1][0]
    refused = client.post(
        f"{BASE}{week.pk}/moves",
        {"patient": world.patient_a1.pk, "from_group": source, "to_group": target},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["errors"]["to_group"]
    patient, move = next((p, moves[0]) for p in s.patients_a1 if (moves := find_moves(week, p)[0]))
    done = client.post(
        f"{BASE}{week.pk}/moves",
        {"patient": patient.pk, "from_group": move[0], "to_group": move[1]},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["edits"] == 1
    empty = client.post(
        f"{BASE}{week.pk}/moves", {"patient": patient.pk}, content_type="application/json"
    )
    assert empty.status_code == 400 and "to_group" in empty.json()["errors"]


def test_publish_creates_the_sessions(client: Client, world: World) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, world.admin_a)
    response = client.post(f"{BASE}{week.pk}/publish")
    assert response.status_code == 200 and response.json()["status"] == WeekStatus.PUBLISHED
    assert GroupSession.objects.filter(week=week).count() == 6
    assert client.post(f"{BASE}{week.pk}/publish").status_code == 400


@pytest.mark.parametrize("intruder", ["director_b", "admin_b"])
def test_another_organization_gets_404_and_it_is_audited(
    client: Client, world: World, intruder: str
) -> None:
    build_sched(world)
    week = solved_week(world)
    login(client, getattr(world, intruder))
    assert client.get(BASE).json()["count"] == 0
    calls = [
        client.get(f"{BASE}{week.pk}/"),
        client.post(
            f"{BASE}{week.pk}/moves",
            {"patient": world.patient_a1.pk, "to_group": "x"},
            content_type="application/json",
        ),
        client.post(f"{BASE}{week.pk}/publish"),
    ]
    assert [c.status_code for c in calls] == [404, 404, 404]
    assert (
        AuditEvent.objects.filter(
            action="denied", username=intruder, object_id=str(week.pk)
        ).count()
        == 3
    )


def test_counselors_may_not_build_or_change_and_are_audited(client: Client, world: World) -> None:
    build_sched(world)
    week = solved_week(world, WEEK + timedelta(days=7))
    login(client, world.counselor_a1)
    assert (
        client.post(BASE, {"week_start": "2026-12-07"}, content_type="application/json").status_code
        == 403
    )
    assert client.get(f"{BASE}{week.pk}/").status_code == 404  # drafts are managers' only
    assert AuditEvent.objects.filter(action="denied", username="counselor_a1").count() == 2
