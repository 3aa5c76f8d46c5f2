"""End to end in headless Chromium on a phone-sized screen: the program
administrator builds next week's schedule, sees the grid, moves one patient by hand (an invalid
move is refused with the reason), publishes, and the patient's calendar feed shows the sessions.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import icalendar
import pytest
import recurring_ical_events
from django.utils import timezone

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.models import AuditEvent
from openiop.core.testing import build_world
from openiop.patients.models import Enrollment
from openiop.scheduling.blocks import monday_of
from openiop.scheduling.models import GroupSession, ScheduleWeek, WeekStatus
from openiop.scheduling.tests.helpers import build_sched, find_moves

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_administrator_builds_reviews_edits_publishes_and_the_feed_shows_sessions(
    live_server: Any, settings: Any
) -> None:
    settings.SCHEDULE_INLINE_FALLBACK = True  # no worker runs: the web process solves
    world = build_world()
    s = build_sched(world, a1=8)
    s.room_a1.capacity = 5  # groups of at most 5: several groups, some full
    s.room_a1.save()
    Enrollment.objects.update(starts_on=date(2020, 1, 6))
    next_monday = monday_of(timezone.localdate()) + timedelta(days=7)
    base = live_server.url
    with chromium_browser() as browser:
        context, page, errors = phone(browser)
        login(page, base, world.admin_a)

        page.get_by_role("link", name="Schedule", exact=True).click()
        page.get_by_label("Week starting (a Monday)").fill(next_monday.isoformat())
        page.get_by_role("button", name="Build and solve").click()
        page.wait_for_url(re.compile(r".*/schedule/weeks/\d+/$"))
        # The solve runs in the background (no worker: the web process's fallback thread);
        # the page polls every 2 s and reloads when it is done.
        try:
            page.get_by_text("Every hard rule holds").wait_for(timeout=90_000)
        finally:
            week = ScheduleWeek.objects.get(week_start=next_monday)
            print("week after the wait:", week.status, week.progress, week.error)
        assert week.status == WeekStatus.SOLVED
        assert page.get_by_text(re.compile(r"A1 · \d+ groups")).is_visible()
        # A cell shows counts; its groups (track, counselor, members) load when asked for.
        page.get_by_role("link", name=re.compile(r"^Show the group")).first.click()
        page.get_by_text("SUD A1").first.wait_for()
        assert _fits_the_screen(page)

        patient, (good_from, good_to) = next(
            (p, moves[0]) for p in s.patients_a1 if (moves := find_moves(week, p)[0])
        )
        bad_from, bad_to, _ = find_moves(week, patient)[1][0]
        page.get_by_role("link", name="Patients", exact=True).nth(1).click()
        row = page.locator(f"#p{patient.pk}")
        row.get_by_label("From group").select_option(bad_from)
        row.get_by_label("Move to").select_option(bad_to)
        row.get_by_role("button", name="Move").click()
        alert = page.locator(f"#p{patient.pk} .alert")
        alert.wait_for()
        assert "Refused, nothing was saved" in alert.inner_text()
        assert re.search(r"\[[25]\]", alert.inner_text())  # the validator's numbered rule
        week.refresh_from_db()
        assert week.edits == 0

        row = page.locator(f"#p{patient.pk}")
        row.get_by_label("From group").select_option(good_from)
        row.get_by_label("Move to").select_option(good_to)
        row.get_by_role("button", name="Move").click()
        page.get_by_text("moved.").wait_for()
        week.refresh_from_db()
        assert week.edits == 1
        assert _fits_the_screen(page)

        page.get_by_role("link", name="Grid").click()
        page.get_by_role("button", name="Publish").click()
        page.get_by_text("Published: the group sessions").wait_for()
        sessions = GroupSession.objects.filter(week=week, assignments__patient=patient)
        assert sessions.count() == 3

        page.goto(f"{base}/patients/{patient.pk}/schedule/")
        page.get_by_role("button", name="Create a calendar link").click()
        url = page.get_by_label("Calendar address").input_value()
        assert "/public/calendar/" in url
        feed = context.request.get(url)
        assert feed.status == 200
        calendar = icalendar.Calendar.from_ical(feed.body())
        events = recurring_ical_events.of(calendar).between(
            next_monday, next_monday + timedelta(days=7)
        )
        assert len(events) == 3
        assert {str(e["SUMMARY"]) for e in events} == {"Group session"}
        starts = sorted(e["DTSTART"].dt for e in events)
        assert starts == sorted(s.starts_at.astimezone(starts[0].tzinfo) for s in sessions)
        # No CSP violations or script errors (the refused move's 422 page is expected).
        assert [e for e in errors if "status of 422" not in e] == [], errors
        local = page.evaluate("() => Object.keys(localStorage)")
        assert local == []
        context.close()
    assert AuditEvent.objects.filter(action="change", patient_id_value=patient.pk).exists()
