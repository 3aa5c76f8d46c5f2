"""Staff home: counts of today's sessions, unsigned notes, urgent safety tasks and patients at
risk this week, scoped to the user's sites and programs and shown only to roles that may read
what they count; the count of urgent safety tasks in the navigation; the patient search box in
the header. A fixed number of queries as the data grows."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.testing import TrackFactory, World, login
from openiop.delivery import services as delivery_services
from openiop.delivery import weekly
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.intake import services as intake_services
from openiop.intake.tests.helpers import PHQ9_ITEM9

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 4)  # a Wednesday
NOW = datetime.combine(DAY, time(12, 0), tzinfo=NY)

STAT = re.compile(r'id="stat-([a-z-]+)"[^>]*><span class="stat-n">(\d+)</span>')


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _populate(world: World, *, a1: int, a2: int, tag: str = "") -> None:
    """Today's evening group at each site of organization A with `a1` and `a2` patients
    (9 hours a week, only these 3 hours scheduled: at risk), a draft note by counselor_a1,
    an urgent safety task at A1; and the same at organization B (never counted for A)."""
    track_a2 = world.program_a2.tracks.first() or TrackFactory.create(program=world.program_a2)
    track_b1 = world.program_b1.tracks.first() or TrackFactory.create(program=world.program_b1)
    for track, counselor, n in (
        (world.track_a1, world.counselor_a1, a1),
        (track_a2, world.counselor_a2, a2),
        (track_b1, world.counselor_b1, 2),
    ):
        patients = [enrolled_patient(track, last_name=f"Dash{tag}{i}") for i in range(n)]
        assign(group_session(track=track, counselor=counselor, day=DAY), *patients)
        if track is world.track_a1:
            delivery_services.individual_note_save(
                actor=counselor,
                patient=patients[0],
                note_format="dap",
                service_date=DAY,
                duration_minutes=50,
                content={"data": "d", "assessment": "a", "plan": "p"},
            )
        intake_services.screening_record(
            actor=counselor, patient=patients[0], instrument_id="phq9", answers=PHQ9_ITEM9
        )


def _stats(client: Client) -> dict[str, int]:
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return {name: int(n) for name, n in STAT.findall(response.content.decode())}


@pytest.fixture
def populated(world: World, clock: Any) -> World:
    _populate(world, a1=3, a2=2)
    return world


def test_counselor_sees_the_counts_of_their_site_each_linking_to_its_list(
    client: Client, populated: World
) -> None:
    world = populated
    login(client, world.counselor_a1)
    assert _stats(client) == {"sessions": 1, "notes": 1, "safety": 1, "at-risk": 3}
    body = client.get(reverse("core:home")).content.decode()
    for stat, url in (
        ("sessions", reverse("delivery:today")),
        ("notes", reverse("delivery:today")),
        ("safety", reverse("intake:safety_tasks")),
        ("at-risk", reverse("delivery:week")),
    ):
        assert re.search(rf'class="stat[^"]*" id="stat-{stat}" href="{url}"', body), stat
    assert "3 patients at risk this week" in re.sub(r"<[^>]+>", "", body)


def test_the_at_risk_count_is_the_week_pages_list(client: Client, populated: World) -> None:
    world = populated
    login(client, world.counselor_a1)
    week = client.get(reverse("delivery:week")).content.decode()
    listed = re.search(r"Need action <span class=\"muted\">\((\d+)\)", week)
    assert listed is not None
    assert _stats(client)["at-risk"] == int(listed.group(1)) == 3
    report = weekly.week_report(world.counselor_a1, date(2026, 11, 2), as_of=NOW)
    assert len(report.at_risk) == 3
    for user in (world.counselor_a1, world.director_a, world.counselor_b1):
        whole = weekly.week_report(user, date(2026, 11, 2), as_of=NOW)
        counted = weekly.at_risk_count(user, date(2026, 11, 2), as_of=NOW)
        assert counted == len(whole.at_risk)


def test_a_user_of_another_site_does_not_see_the_counts_of_that_site(
    client: Client, populated: World
) -> None:
    world = populated
    login(client, world.counselor_a2)
    assert _stats(client) == {"sessions": 1, "notes": 0, "safety": 1, "at-risk": 2}
    login(client, world.counselor_b1)
    assert _stats(client) == {"sessions": 1, "notes": 0, "safety": 1, "at-risk": 2}
    login(client, world.director_b)
    assert _stats(client) == {"sessions": 1, "notes": 0, "safety": 1, "at-risk": 2}


def test_the_director_sees_the_whole_organization(client: Client, populated: World) -> None:
    login(client, populated.director_a)
    assert _stats(client) == {"sessions": 2, "notes": 0, "safety": 2, "at-risk": 5}


def test_counts_are_shown_only_to_roles_that_may_read_what_they_count(
    client: Client, populated: World
) -> None:
    world = populated
    login(client, world.frontdesk_a1)  # attendance, not notes or safety tasks
    assert _stats(client) == {"sessions": 1, "at-risk": 3}
    login(client, world.billing_a1)
    assert _stats(client) == {"sessions": 1, "at-risk": 3}
    login(client, world.intake_a1)  # safety tasks and attendance, not notes
    assert _stats(client) == {"sessions": 1, "safety": 1, "at-risk": 3}
    login(client, world.admin_a)  # none of these
    assert _stats(client) == {}
    body = client.get(reverse("core:home")).content.decode()
    assert "patients at your sites and programs" in body


@pytest.mark.parametrize("persona", ["counselor_a1", "director_a", "frontdesk_a1"])
def test_home_keeps_a_constant_number_of_queries_as_data_grows(
    client: Client, world: World, clock: Any, django_assert_num_queries: Any, persona: str
) -> None:
    _populate(world, a1=2, a2=1)
    login(client, getattr(world, persona))
    client.get(reverse("core:home"))  # warm up: the session's first request
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("core:home"))
    for i in range(4):
        _populate(world, a1=6, a2=5, tag=f"g{i}")
    with django_assert_num_queries(len(small)):
        response = client.get(reverse("core:home"))
    stats = {name: int(n) for name, n in STAT.findall(response.content.decode())}
    assert stats["sessions"] >= 5 and stats["at-risk"] >= 26


# --------------------------------------------------------------------------- navigation


def _safety_queries(queries: CaptureQueriesContext) -> int:
    return sum('FROM "intake_safetytask"' in q["sql"] for q in queries.captured_queries)


def test_nav_shows_the_count_of_urgent_safety_tasks_with_one_query(
    client: Client, populated: World
) -> None:
    login(client, populated.counselor_a1)
    client.get(reverse("patients:list"))
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("patients:list")).content.decode()
    assert (
        '<a href="/intake/safety-tasks/" aria-label="Safety tasks, 1 urgent open">'
        'Safety tasks <span class="nav-count">(1)</span></a>'
    ) in body
    assert _safety_queries(queries) == 1
    with CaptureQueriesContext(connection) as queries:  # the home page shares the count
        client.get(reverse("core:home"))
    assert _safety_queries(queries) == 1


def test_nav_count_is_scoped_and_absent_for_roles_without_safety_tasks(
    client: Client, populated: World
) -> None:
    world = populated
    login(client, world.director_a)
    assert "Safety tasks, 2 urgent open" in client.get(reverse("patients:list")).content.decode()
    login(client, world.frontdesk_a1)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("patients:list")).content.decode()
    assert "Safety tasks" not in body and _safety_queries(queries) == 0


def test_nav_without_open_tasks_shows_no_count(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    body = client.get(reverse("patients:list")).content.decode()
    assert '<a href="/intake/safety-tasks/">Safety tasks</a>' in body
    assert "nav-count" not in body


def test_htmx_fragments_do_not_count_safety_tasks(client: Client, populated: World) -> None:
    login(client, populated.counselor_a1)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("patients:list"), {"text": "Dash"}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200 and b"<header" not in response.content
    assert _safety_queries(queries) == 0


# --------------------------------------------------------------------------- header search


def test_header_search_posts_to_the_patient_search_and_finds_the_patient(
    client: Client, world: World
) -> None:
    login(client, world.frontdesk_a1)
    body = client.get(reverse("core:home")).content.decode()
    form = re.search(r'<form class="header-search" method="post" action="([^"]+)"', body)
    assert form is not None and form.group(1) == reverse("patients:list")
    assert 'role="search"' in body and 'name="text"' in body
    response = client.post(form.group(1), {"text": "Quintero"})
    assert response.status_code == 200
    assert "Quintero, Alma" in response.content.decode()
    assert "Okafor" not in response.content.decode()  # another site's patient


def test_header_search_does_not_find_patients_of_another_organization(
    client: Client, world: World
) -> None:
    login(client, world.counselor_b1)
    response = client.post(reverse("patients:list"), {"text": "Quintero"})
    assert response.status_code == 200 and "Quintero, Alma" not in response.content.decode()


def test_no_header_search_before_log_in(client: Client) -> None:
    body = client.get(reverse("accounts:login")).content.decode()
    assert "header-search" not in body and "nav-count" not in body
