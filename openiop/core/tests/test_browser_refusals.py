"""In headless Chromium on a phone: a role sees no link or button it would be refused, and a
refusal or an unknown record shows the branded page (site header, a plain reason, a way back)."""

from __future__ import annotations

from typing import Any

import pytest

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.models import AuditEvent
from openiop.core.testing import build_world
from openiop.delivery.tests.factories import enrolled_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buttons_follow_the_policy_and_refusals_are_branded_pages(live_server: Any) -> None:
    world = build_world()
    patient = enrolled_patient(world.track_a1, first_name="Rosa", last_name="Quintero")
    base = live_server.url
    with chromium_browser() as browser:
        context, page, errors = phone(browser)

        # Billing reads the patient list but may not register patients: no button for it.
        login(page, base, world.billing_a1)
        page.get_by_role("link", name="Patients", exact=True).click()
        page.wait_for_url("**/patients/")
        assert page.get_by_role("link", name="Register a patient").count() == 0
        # Typing the address anyway: the branded refusal, with the header and a way back.
        response = page.goto(f"{base}/patients/register/")
        assert response is not None and response.status == 403
        assert page.get_by_role("heading", name="You cannot do this").is_visible()
        assert page.get_by_role("link", name="OpenIOP").is_visible()  # the site header
        page.get_by_role("link", name="Back to the home page").click()
        page.wait_for_url(f"{base}/")
        # An unknown record: the branded 404, never a stack trace.
        response = page.goto(f"{base}/patients/{10**12}/")
        assert response is not None and response.status == 404
        assert page.get_by_role("heading", name="Not found").is_visible()
        assert "Traceback" not in page.content()
        page.get_by_role("button", name="Log out").click()

        # The front desk records leaves on the attendance tab but does not issue letters.
        login(page, base, world.frontdesk_a1)
        page.goto(f"{base}/patients/{patient.pk}/attendance/")
        assert page.get_by_role("link", name="Proof of attendance letter").count() == 0
        page.get_by_role("button", name="Log out").click()

        # A counselor of the program does see the letter.
        login(page, base, world.counselor_a1)
        page.goto(f"{base}/patients/{patient.pk}/attendance/")
        assert page.get_by_role("link", name="Proof of attendance letter").is_visible()
        # The only console errors are the two refused page loads themselves (no script errors).
        assert [e for e in errors if "Failed to load resource" not in e] == [], errors
        context.close()
    assert AuditEvent.objects.filter(action="denied", username="billing_a1").count() >= 2
