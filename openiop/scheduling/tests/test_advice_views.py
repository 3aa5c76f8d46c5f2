"""The review page's "What would close the shortfall" panel: a POST for whoever may change the
week, naming counselors and rooms but no patient; refusals audited like every week page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.organization.models import StaffAvailability
from openiop.scheduling import services
from openiop.scheduling.models import ScheduleWeek
from openiop.scheduling.tests.helpers import WEEK, build_sched, greedy_solved

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _week(world: World, *, short: bool = True) -> ScheduleWeek:
    """Organization A's week, scheduled by the greedy solver (the same on any machine). With
    ``short``, the only counselor of site A1's track works on Mondays only, so its patients
    (9 h a week, one block a day) get 3 h."""
    build_sched(world)
    if short:
        profile = world.counselor_a1.staff_profile
        StaffAvailability.objects.filter(staff=profile).exclude(weekday=0).delete()
    week = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    return greedy_solved(week)


def _url(week: ScheduleWeek | int) -> str:
    return reverse("scheduling:week_advice", args=[getattr(week, "pk", week)])


def _denials(username: str) -> int:
    return AuditEvent.objects.filter(action="denied", username=username).count()


def test_the_director_is_offered_the_panel_and_gets_suggestions(
    client: Client, world: World
) -> None:
    week = _week(world)
    assert week.solution["stats"]["shortfall_hours"] > 0
    login(client, world.director_a)
    page = client.get(reverse("scheduling:week", args=[week.pk])).content.decode()
    assert "What would close the shortfall" in page and "Suggest changes" in page
    events = AuditEvent.objects.count()
    response = client.post(_url(week), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<section id="advice"') and "Suggestions only" in body
    assert "Counselor hours." in body and world.counselor_a1.display_name in body
    assert "Add Tuesday morning (3 h) to counselor" in body  # blocks and people by name
    before = week.solution["stats"]["shortfall_hours"]  # 6 patients 6 h short: one more day
    assert f"Shortfall {before:g} h → {before / 2:g} h; helps 6 of 6 patients" in body
    for patient in world.site_a1.patients.all():  # counts only, never a patient
        assert patient.last_name not in body
    assert f"c{world.counselor_a1.pk}" not in body  # ids are shown as names
    assert AuditEvent.objects.count() == events  # no patient read: nothing to audit
    week.refresh_from_db()
    assert week.edits == 0  # a what-if changes nothing


def test_without_htmx_the_panel_comes_as_a_page(client: Client, world: World) -> None:
    week = _week(world)
    login(client, world.admin_a)
    body = client.post(_url(week)).content.decode()
    assert "<html" in body and "What would close the shortfall" in body
    assert reverse("scheduling:week", args=[week.pk]) in body


def test_a_week_without_shortfall_says_so(client: Client, world: World) -> None:
    week = _week(world, short=False)
    assert week.solution["stats"]["shortfall_hours"] == 0
    login(client, world.director_a)
    page = client.get(reverse("scheduling:week", args=[week.pk])).content.decode()
    assert "Suggest changes" not in page
    body = client.post(_url(week), **HTMX).content.decode()
    assert "Every patient reaches their weekly minimum: there is nothing to close." in body


def test_a_week_without_a_schedule_is_refused_in_place(client: Client, world: World) -> None:
    build_sched(world)
    draft = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    login(client, world.director_a)
    response = client.post(_url(draft), **HTMX)
    assert response.status_code == 422 and "solve it first" in response.content.decode()


def test_a_counselor_is_refused_with_403_and_it_is_audited(client: Client, world: World) -> None:
    week = services.week_publish(actor=world.admin_a, week=_week(world))
    login(client, world.counselor_a1)
    page = client.get(reverse("scheduling:week", args=[week.pk])).content.decode()
    assert "Suggest changes" not in page and "What would close" not in page
    before = _denials("counselor_a1")
    response = client.post(_url(week), **HTMX)
    assert response.status_code == 403
    assert _denials("counselor_a1") == before + 1


@pytest.mark.parametrize("intruder", ["director_b", "admin_b"])
def test_another_organization_gets_404_and_it_is_audited(
    client: Client, world: World, intruder: str
) -> None:
    week = _week(world)
    login(client, getattr(world, intruder))
    response = client.post(_url(week), **HTMX)
    assert response.status_code == 404
    assert "Quintero" not in response.content.decode()
    assert (
        AuditEvent.objects.filter(
            action="denied", username=intruder, object_id=str(week.pk)
        ).count()
        == 1
    )


def test_an_unknown_or_oversized_week_id_is_an_audited_404(client: Client, world: World) -> None:
    _week(world)
    login(client, world.director_a)
    assert client.post(_url(987654321), **HTMX).status_code == 404
    huge = reverse("scheduling:week_advice", args=[1]).replace("/1/", "/" + "9" * 20 + "/")
    assert client.post(huge, **HTMX).status_code == 404
    assert _denials("director_a") == 2
    assert client.post("/schedule/weeks/abc/advice/", **HTMX).status_code == 404


def test_asking_by_get_is_not_allowed(client: Client, world: World) -> None:
    week = _week(world)
    login(client, world.director_a)
    assert client.get(_url(week)).status_code == 405
