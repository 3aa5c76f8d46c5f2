"""End to end in headless Chromium: log in with password and TOTP, register a patient,
find them, open the chart; a counselor of another site is refused."""

from __future__ import annotations

from typing import Any

import pytest

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.models import AuditEvent
from openiop.core.testing import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_registers_finds_and_opens_a_patient_and_other_site_is_refused(
    live_server: Any,
) -> None:
    world = build_world()
    base = live_server.url
    with chromium_browser() as browser:
        context, page, errors = phone(browser)
        login(page, base, world.counselor_a1)
        assert page.get_by_role("heading", name="Welcome").is_visible()

        page.get_by_role("link", name="Register a patient").click()
        page.get_by_label("Site").select_option(label="A1")
        page.get_by_label("First name").fill("Marisol")
        page.get_by_label("Last name").fill("Ferreira")
        page.get_by_label("Date of birth").fill("1987-09-21")
        page.get_by_label("Preferred language").fill("Portuguese")
        page.get_by_label("Emergency contact name").fill("Tiago Ferreira")
        page.get_by_label("Emergency contact phone").fill("508-555-0177")
        page.get_by_role("button", name="Register").click()
        page.wait_for_url("**/patients/*/")
        assert page.get_by_role("heading", name="Ferreira, Marisol").is_visible()
        chart_url = page.url

        page.get_by_role("link", name="Patients", exact=True).click()
        page.get_by_label("Name or record number").fill("ferreira")
        page.get_by_role("button", name="Search").click()
        page.get_by_text("1 match.").wait_for()
        assert "ferreira" not in page.url.lower()  # search is a POST: no PHI in the URL
        page.get_by_role("link", name="Ferreira, Marisol").click()
        page.wait_for_url(chart_url)
        page.get_by_role("link", name="Contacts").click()
        assert page.get_by_text("Tiago Ferreira").is_visible()

        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/accounts/login/")
        local, session = page.evaluate(
            "() => [Object.entries(localStorage), Object.entries(sessionStorage)]"
        )
        # Nothing in localStorage; htmx keeps only the current path (ids, never PHI) per tab.
        assert local == []
        assert [key for key, _ in session] in ([], ["htmx-current-path-for-history"])
        stored = " ".join(value for _, value in session).lower()
        assert "ferreira" not in stored and "1987" not in stored
        page.goto(chart_url)
        assert page.url.endswith("/accounts/login/")
        assert errors == [], errors  # no CSP violations or script errors

        login(page, base, world.counselor_a2)
        response = page.goto(chart_url)
        assert response is not None and response.status == 404
        assert "Ferreira" not in page.content()
        context.close()
    assert AuditEvent.objects.filter(action="denied", username="counselor_a2").exists()
    assert AuditEvent.objects.filter(action="view", username="counselor_a1").exists()
