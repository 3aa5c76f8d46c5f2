"""End to end on a phone-sized screen in headless Chromium: an anonymous visitor opens the site's
root and gets the public front door (crisis numbers, find a program, the self-check, costs),
sees a full program offered as a waiting list, tries the self-check with no answers and is told
what is missing, searches for evening groups and gets exactly the programs whose published
groups meet in the evening, opens one program's page with its group days and times and
directions, and asks to join the full program's waiting list."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import time_machine

from openiop.core.browser import chromium_browser
from openiop.core.testing import build_world
from openiop.locator import services
from openiop.locator.tests.factories import adolescent_program, published_group
from openiop.organization.models import Program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # a Wednesday
MONDAY = date(2026, 3, 9)
PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_visitor_walks_in_through_the_public_front_door(live_server: Any) -> None:
    with time_machine.travel(NOW, tick=True):
        world = build_world()
        # Evening IOP A1 meets on Monday and Thursday at 18:00; A2 in the afternoon.
        published_group(world.track_a1, day=MONDAY, start=time(18))
        published_group(world.track_a1, day=date(2026, 3, 12), start=time(18))
        adolescent_program(world.program_a2, evening=False, week_of=MONDAY)
        full = Program.objects.create(site=world.site_a1, name="Teen IOP Full")
        adolescent_program(full, enrolled=3, max_group=3, evening=False, week_of=MONDAY)
        services.directory_publish(actor=None, organization=world.org_a)
        _walk(live_server.url)


def _walk(base: str) -> None:
    with chromium_browser() as browser:
        context = browser.new_context(viewport=PHONE)  # type: ignore[attr-defined]
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        # The root is the public home, not the staff log-in.
        page.goto(f"{base}/")
        assert page.url == f"{base}/"
        page.get_by_role("heading", name="In crisis now?").wait_for()
        crisis = page.locator("#crisis").inner_text()
        assert "Call or text 988 (Suicide & Crisis Lifeline)" in crisis
        assert "In an emergency call 911" in crisis
        assert page.get_by_role("link", name="Estimate the cost").is_visible()
        _no_sideways_scroll(page)

        full_card = page.locator("li.locator-card", has_text="Teen IOP Full")
        full_text = full_card.inner_text()
        assert "Full: waiting list open" in full_text
        assert "Accepting new patients" not in full_text and "0 openings" not in full_text

        # The self-check from the public pages: an empty submit names what is missing.
        page.get_by_role("link", name="Take the self-check").click()
        page.wait_for_url("**/public/self-check/")
        page.get_by_role("button", name="See the result").click()
        page.get_by_text("Please answer every question marked below.").wait_for()
        assert page.get_by_text("Choose who you are asking for.").is_visible()
        assert page.locator("#result").count() == 0
        _no_sideways_scroll(page)

        # Evening groups: the filter keeps exactly the programs labelled evening.
        page.get_by_role("link", name="Home").click()
        page.wait_for_url(f"{base}/")
        page.get_by_label("ZIP code").fill("01608")
        page.get_by_label("Evening groups").check()
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/public/locator/?zip=01608*")
        cards = page.locator("li.locator-card")
        cards.first.wait_for()
        assert cards.count() == 1
        card_text = cards.first.inner_text()
        assert "Evening IOP A1" in card_text and "Evening groups" in card_text
        assert "from the published group schedule" in card_text
        assert page.get_by_text("Evening IOP A2").count() == 0
        _no_sideways_scroll(page)

        # The program's page: tracks, group days and times, openings, directions.
        cards.first.get_by_role("link", name="Details and directions").click()
        page.wait_for_url("**/public/programs/*/")
        page.get_by_role("heading", name="Groups").wait_for()
        track = page.locator("[data-track]", has_text="SUD A1").inner_text()
        assert "Mon, Thu" in track and "6:00 pm to 9:00 pm" in track
        assert page.get_by_text("12 openings of 12 places").is_visible()
        assert page.get_by_role("heading", name="Directions").is_visible()
        assert page.get_by_role("link", name="Open this address in a map").is_visible()
        _no_sideways_scroll(page)

        # The full program: its referral says the request joins the waiting list.
        page.goto(f"{base}/")
        full_card = page.locator("li.locator-card", has_text="Teen IOP Full")
        full_card.get_by_role("link", name="Join the waiting list").click()
        page.wait_for_url("**/public/referral/?facility=*")
        assert page.get_by_text("This program is full right now.").is_visible()
        _no_sideways_scroll(page)

        # The empty self-check is answered 422 on purpose; anything else is a real error.
        errors = [e for e in errors if "status of 422" not in e]
        assert errors == [], errors  # no CSP violations or script errors
        context.close()
