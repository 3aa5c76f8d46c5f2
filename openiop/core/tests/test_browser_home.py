"""End to end on a phone-sized headless Chromium: a counselor's home shows today's sessions,
unsigned notes, urgent safety tasks and patients at risk this week; the navigation shows the
count of urgent safety tasks; the header's search box finds a patient without the name in the
address; the intake coordinator who raised the safety task sees who it is assigned to.

The clock is frozen with time_machine (same process as the live server): Wednesday
4 November 2026, noon in New York."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import build_world
from openiop.delivery import services as delivery_services
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.intake import services as intake_services
from openiop.intake.models import SafetyTask
from openiop.intake.tests.helpers import PHQ9_ITEM9

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NY = ZoneInfo("America/New_York")
WED = date(2026, 11, 4)


def _no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_dashboard_nav_count_header_search_and_the_raisers_view_of_the_assignee(
    live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=12)
    with time_machine.travel(datetime.combine(WED, time(12, 0), tzinfo=NY), tick=False):
        world = build_world()
        patients = [
            enrolled_patient(world.track_a1, first_name=f, last_name=last)
            for f, last in (("Ana", "Arriaga"), ("Ben", "Bastos"), ("Cy", "Castell"))
        ]
        assign(
            group_session(track=world.track_a1, counselor=world.counselor_a1, day=WED), *patients
        )
        delivery_services.individual_note_save(
            actor=world.counselor_a1,
            patient=patients[0],
            note_format="dap",
            service_date=WED,
            duration_minutes=50,
            content={"data": "d", "assessment": "a", "plan": "p"},
        )
        # The intake coordinator screens; the urgent task opens unassigned.
        screening = intake_services.screening_record(
            actor=world.intake_a1,
            patient=world.patient_a1,
            instrument_id="phq9",
            answers=PHQ9_ITEM9,
        )
        task = SafetyTask.objects.get(screening=screening)
        assert task.assigned_to is None
        base = live_server.url

        with chromium_browser() as browser:
            context, page, errors = phone(browser)

            # 1. The counselor's home: four counts, each a link; the count in the navigation.
            login(page, base, world.counselor_a1)
            assert page.get_by_role("link", name="1 session today").is_visible()
            assert page.get_by_role("link", name="1 unsigned note").is_visible()
            assert page.get_by_role("link", name="1 urgent safety task").is_visible()
            assert page.get_by_role("link", name="3 patients at risk this week").is_visible()
            nav = page.get_by_role("navigation", name="Main")
            safety = nav.get_by_role("link", name="Safety tasks, 1 urgent open")
            assert safety.is_visible() and safety.inner_text() == "Safety tasks (1)"
            assert _no_sideways_scroll(page)

            page.get_by_role("link", name="3 patients at risk this week").click()
            page.wait_for_url("**/delivery/week/")
            assert page.get_by_role("heading", name="Patients at risk").is_visible()
            assert page.locator(".risk-list").get_by_role("link", name="Arriaga, Ana").is_visible()

            # 2. The header's search box finds a patient; the name never enters the address.
            search = page.get_by_role("search", name="Patient search")
            assert search.is_visible()
            search.get_by_label("Find a patient").fill("quintero")
            search.get_by_role("button", name="Find").click()
            page.wait_for_load_state()
            assert page.get_by_role("link", name="Quintero, Alma").is_visible()
            assert page.url == f"{base}/patients/"
            assert _no_sideways_scroll(page)

            # 3. The counselor takes the task from its page.
            safety.click()
            page.get_by_role("link", name="Quintero, Alma").click()
            page.get_by_label("Assign to").select_option(str(world.counselor_a1.pk))
            page.get_by_role("button", name="Assign").click()
            page.wait_for_url("**/intake/safety-tasks/")
            page.get_by_role("button", name="Log out").click()
            page.wait_for_url("**/accounts/login/")

            # 4. The intake coordinator who raised it sees who it is assigned to.
            login(page, base, world.intake_a1)
            assert page.get_by_role("link", name="1 urgent safety task").is_visible()
            assert page.get_by_role("link", name="1 unsigned note").count() == 0
            page.get_by_role("link", name="1 urgent safety task").click()
            page.wait_for_url("**/intake/safety-tasks/")
            row = page.get_by_role("row", name="Quintero, Alma")
            assert row.get_by_role("cell", name="Counselor_A1").is_visible()
            assert row.get_by_role("cell", name="You", exact=True).is_visible()
            row.get_by_role("link", name="Quintero, Alma").click()
            page.wait_for_url(f"**/intake/safety-tasks/{task.pk}/")
            assert page.locator("dl.facts").get_by_text("Counselor_A1").is_visible()
            assert _no_sideways_scroll(page)

            assert "quintero" not in page.url.lower()
            assert errors == [], errors
            context.close()

    task.refresh_from_db()
    assert task.assigned_to == world.counselor_a1
