"""Calendar feeds (RFC 5545, parsed with icalendar and recurring-ical-events), private
revocable links, and the chart's Schedule tab."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.scheduling import services
from openiop.scheduling.models import CalendarToken
from openiop.scheduling.tests.helpers import build_sched, published_week

pytestmark = pytest.mark.django_db
SUNDAY = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)


def _events(body: bytes, start: date, end: date) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return list(recurring_ical_events.of(calendar).between(start, end))


def test_a_patients_feed_lists_their_sessions_in_local_time_with_no_health_detail(
    client: Client, world: World
) -> None:
    s = build_sched(world)
    week = published_week(world)
    with time_machine.travel(SUNDAY, tick=False):
        token, raw = services.calendar_token_create(
            actor=world.counselor_a1, patient=world.patient_a1
        )
        response = client.get(f"/public/calendar/{raw}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "no-store"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    events = _events(response.content, date(2026, 12, 7), date(2026, 12, 14))
    assert len(events) == 3
    for event in events:
        assert str(event["SUMMARY"]) == "Group session"
        assert str(event["LOCATION"]) == "Room 2, A1"
        start = event["DTSTART"].dt
        assert start.tzinfo == ZoneInfo("America/New_York") and start.hour in (9, 13, 18)
        assert (event["DTEND"].dt - start).total_seconds() == 3 * 3600
    text = response.content.decode()
    for secret in (
        s.track_a1.name,
        world.program_a1.name,
        "Quintero",
        world.counselor_a1.display_name,
        "Coping",
        "Relapse",
        "IOP",
        "OpenIOP",
        "openiop",
    ):
        assert secret not in text, secret
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in str(
        list(CalendarToken.objects.values_list("token_hash", flat=True))
    )
    assert week.status == "published"
    assert AuditEvent.objects.filter(
        action="export", patient_id_value=world.patient_a1.pk, object_id=str(token.pk)
    ).exists()


def test_a_counselors_feed_lists_the_groups_they_lead(client: Client, world: World) -> None:
    build_sched(world)
    published_week(world)
    with time_machine.travel(SUNDAY, tick=False):
        login(client, world.counselor_a2)
        page = client.post(reverse("scheduling:calendars"), {"action": "create"})
        url = page.context["created"]
        assert "/public/calendar/" in url and url in page.content.decode()
        client.logout()
        feed = client.get(url.replace("http://testserver", ""))
    events = _events(feed.content, date(2026, 12, 7), date(2026, 12, 14))
    assert len(events) == 3 and {str(e["LOCATION"]) for e in events} == {"Harbor room, A2"}


def test_revoked_and_unknown_links_answer_404(client: Client, world: World) -> None:
    build_sched(world)
    published_week(world)
    token, raw = services.calendar_token_create(actor=world.counselor_a1, patient=world.patient_a1)
    services.calendar_token_revoke(actor=world.counselor_a1, token=token)
    assert client.get(f"/public/calendar/{raw}.ics").status_code == 404
    assert AuditEvent.objects.filter(action="denied", object_id=str(token.pk)).exists()
    assert client.get("/public/calendar/" + "A" * 43 + ".ics").status_code == 404
    assert client.get("/public/calendar/short.ics").status_code == 404


def test_a_new_link_replaces_the_old_one(client: Client, world: World) -> None:
    first, old = services.calendar_token_create(actor=world.director_a, patient=world.patient_a1)
    second, new = services.calendar_token_create(actor=world.director_a, patient=world.patient_a1)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert client.get(f"/public/calendar/{old}.ics").status_code == 404
    assert client.get(f"/public/calendar/{new}.ics").status_code == 200


def test_staff_revoke_their_own_link_from_the_calendar_page(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = client.post(reverse("scheduling:calendars"), {"action": "create"}).context["created"]
    response = client.post(reverse("scheduling:calendars"), {"action": "revoke"})
    assert response.status_code == 302
    assert client.get(url.replace("http://testserver", "")).status_code == 404
    bad = client.post(reverse("scheduling:calendars"), {"action": "nonsense"})
    assert bad.status_code == 422


def test_the_chart_tab_shows_sessions_hours_coverage_and_link_controls(
    client: Client, world: World
) -> None:
    build_sched(world)
    published_week(world)
    with time_machine.travel(TUESDAY, tick=False):
        login(client, world.counselor_a1)
        url = reverse("patients:chart_tab", args=[world.patient_a1.pk, "schedule"])
        body = client.get(url).content.decode()
        assert "Week of Mon 7 Dec 2026" in body and "9 h scheduled of 9 h required" in body
        assert "Room 2, A1" in body and "America/New_York" in body
        hours = re.findall(r", (\d\d):00\u2013", body)  # local wall-clock times, not UTC
        assert len(hours) == 3 and set(hours) <= {"09", "13", "18"}
        assert "Coping skills" in body and "topics covered so far" in body
        assert "Create a calendar link" in body and "not those attended" in body
        created = client.post(
            reverse("scheduling:patient_calendar", args=[world.patient_a1.pk]),
            {"action": "create"},
        )
        assert created.status_code == 200 and "/public/calendar/" in created.content.decode()
        assert "Active since" in client.get(url).content.decode()
        client.post(
            reverse("scheduling:patient_calendar", args=[world.patient_a1.pk]),
            {"action": "revoke"},
        )
    assert not CalendarToken.objects.filter(revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(
        action="change", patient_id_value=world.patient_a1.pk, fields=["calendar_link"]
    ).exists()


def test_the_chart_tab_of_another_sites_patient_is_refused(client: Client, world: World) -> None:
    login(client, world.counselor_a2)
    url = reverse("patients:chart_tab", args=[world.patient_a1.pk, "schedule"])
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", username="counselor_a2", object_id=str(world.patient_a1.pk)
    ).exists()


def test_telehealth_can_be_allowed_from_the_chart(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.post(
        reverse("scheduling:patient_telehealth", args=[world.patient_a1.pk]),
        {"telehealth_ok": "on"},
    )
    assert response.status_code == 302
    assert world.patient_a1.schedule_preference.telehealth_ok is True  # type: ignore[attr-defined]
