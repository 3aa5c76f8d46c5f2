"""On a phone-sized headless Chromium: a counselor taps "Check in" too early and reads the
server's reason in the patient's row, where they tapped; a refusal that is not a form
(a session they may not open) shows its reason next to the button, not a silent no-op.

The server's clock is frozen with time_machine (same process as the live server):
Wednesday 4 November 2026, group 18:00-21:00 New York, the counselor at 17:00.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openiop.core.browser import chromium_browser, login
from openiop.core.testing import build_world
from openiop.delivery.models import AttendanceRecord
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NY = ZoneInfo("America/New_York")
WED = date(2026, 11, 4)


def _console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_an_early_check_in_shows_the_servers_reason_in_the_row(
    live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=12)  # the test moves the clock by an hour
    with time_machine.travel(datetime.combine(WED, time(17, 0), tzinfo=NY), tick=False) as clock:
        world = build_world()
        ana = enrolled_patient(world.track_a1, first_name="Ana", last_name="Arriaga")
        ben = enrolled_patient(world.track_a1, first_name="Ben", last_name="Bastos")
        group = group_session(track=world.track_a1, counselor=world.counselor_a1, day=WED)
        assign(group, ana, ben)

        with chromium_browser() as browser:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            errors = _console_errors(page)
            login(page, live_server.url, world.counselor_a1)
            page.goto(f"{live_server.url}/delivery/sessions/{group.pk}/")

            page.get_by_role("button", name="Check in Ana Arriaga").click()
            row = page.locator(f"#row-{ana.pk}")
            row.get_by_role("alert").wait_for()
            assert "Check-in opens 30 minutes before the start." in row.inner_text()
            assert page.locator(f"#row-{ben.pk} [role=alert]").count() == 0
            assert not AttendanceRecord.objects.filter(session=group).exists()
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

            # At the start the same button works, and the reason goes away.
            clock.move_to(datetime.combine(WED, time(18, 0), tzinfo=NY))
            page.get_by_role("button", name="Check in Ana Arriaga").click()
            page.get_by_role("button", name="Check out Ana Arriaga").wait_for()
            assert page.locator(f"#row-{ana.pk} [role=alert]").count() == 0
            assert AttendanceRecord.objects.get(session=group, patient=ana).check_in_at

            # The browser reports the 422 itself; nothing else may fail (CSP, scripts).
            assert [e for e in errors if "status of 422" not in e] == [], errors
            context.close()


def test_a_refusal_without_a_form_shows_its_reason_next_to_the_button(
    live_server: Any,
) -> None:
    with time_machine.travel(datetime.combine(WED, time(18, 5), tzinfo=NY), tick=False):
        world = build_world()
        ana = enrolled_patient(world.track_a1, first_name="Ana", last_name="Arriaga")
        group = group_session(track=world.track_a1, counselor=world.counselor_a1, day=WED)
        assign(group, ana)

        with chromium_browser() as browser:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            errors = _console_errors(page)
            login(page, live_server.url, world.counselor_a1)
            page.goto(f"{live_server.url}/delivery/sessions/{group.pk}/")
            # Meanwhile the patient is taken off the roster: the server says so in plain words.
            group.assignments.filter(patient=ana).delete()
            page.get_by_role("button", name="Check in Ana Arriaga").click()
            alert = page.locator(f"#row-{ana.pk} form [role=alert]")
            alert.wait_for()
            assert alert.inner_text() == (
                "This patient is not on this roster any more: reload the page."
            )
            # Then the session itself goes: the server's whole "not found" page is summed up
            # in the same place, and the page stays as it was.
            group.delete()
            page.get_by_role("button", name="Check in Ana Arriaga").click()
            page.locator(f"#row-{ana.pk} form [role=alert]", has_text="Not found.").wait_for()
            assert "belongs to a site or program you do not work with" in alert.inner_text()
            assert page.locator("[role=alert]").count() == 1
            assert [e for e in errors if "status of 404" not in e] == [], errors
            context.close()
