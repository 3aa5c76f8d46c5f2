"""End to end on a phone-sized headless Chromium, with the clock frozen: the patient list
and the chart header show where a patient is in treatment now, from their open enrolments:
both tracks of a patient in two, "Not enrolled" for a patient registered for a program but
not admitted, never the program of the referral."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import (
    EnrollmentFactory,
    PatientFactory,
    ProgramFactory,
    TrackFactory,
    build_world,
)
from openiop.organization.models import TrackKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_list_and_chart_label_patients_by_their_open_enrolments(live_server: Any) -> None:
    with time_machine.travel(datetime(2026, 11, 4, 17, 0, tzinfo=UTC), tick=False):
        world = build_world()
        day = ProgramFactory.create(site=world.site_a1, name="Day IOP A1")
        mh = TrackFactory.create(program=day, name="Mental health", kind=TrackKind.MENTAL_HEALTH)
        alma = world.patient_a1  # referred to Evening IOP A1, admitted to two tracks
        EnrollmentFactory.create(patient=alma, track=world.track_a1, starts_on=date(2026, 10, 5))
        EnrollmentFactory.create(patient=alma, track=mh, starts_on=date(2026, 10, 5))
        noe = PatientFactory.create(
            site=world.site_a1, program=world.program_a1, first_name="Noe", last_name="Zubiri"
        )
        base = live_server.url
        with chromium_browser() as browser:
            context, page, errors = phone(browser)
            login(page, base, world.counselor_a1)
            page.get_by_role("link", name="Patients", exact=True).click()
            page.wait_for_url("**/patients/")
            row = page.get_by_role("row", name="Quintero, Alma")
            assert "Day IOP A1: Mental health; Evening IOP A1: SUD A1" in row.inner_text()
            other = page.get_by_role("row", name="Zubiri, Noe")
            assert "Not enrolled" in other.inner_text()
            assert "Evening IOP A1" not in other.inner_text()
            page.get_by_role("link", name="Zubiri, Noe").click()
            page.wait_for_url(f"**/patients/{noe.pk}/")
            header = page.locator("main p.muted").first.inner_text()
            assert "Not enrolled" in header and "Evening IOP A1" not in header
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 400, width
            assert errors == [], errors
            context.close()
