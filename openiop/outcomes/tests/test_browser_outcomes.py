"""The clinical director reads the outcomes dashboard, follows the 30-day retention figure to
the patients behind it, opens one of them and downloads her discharge summary as a PDF: in
headless system Chromium, on a phone, with axe-core on each page.

The PDF's text (read back with pypdf) holds her own part of a signed group note and nothing
of the other attendee's part. The server's clock is frozen (time_machine, same process as
the live server).
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from openiop.care.discharge.services import discharge_record
from openiop.core.browser import accessibility_violations, chromium_browser, login, phone
from openiop.core.models import AuditEvent
from openiop.core.testing import PASSWORD, PatientFactory, build_world
from openiop.delivery import services as delivery_services
from openiop.delivery.tests.factories import assign, group_session
from openiop.outcomes.tests.test_selectors import admit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 12, 7)  # the dashboard's default period: June to November 2026
GROUP_DAY = date(2026, 10, 14)


def _accessible(page: Any, where: str) -> None:
    problems = accessibility_violations(page)
    assert problems == [], f"{where}: {problems}"


def test_director_follows_retention_to_a_patient_and_downloads_her_discharge_summary(
    live_server: Any,
) -> None:
    with time_machine.travel(datetime.combine(TODAY, time(10, 0), tzinfo=NY), tick=False):
        world = build_world()
        dana = PatientFactory.create(
            organization=world.org_a, site=world.site_a1, first_name="Dana", last_name="Whitfield"
        )
        ezra = PatientFactory.create(
            organization=world.org_a, site=world.site_a1, first_name="Ezra", last_name="Blackwood"
        )
        _, (dana_enrollment,) = admit(world, dana, date(2026, 9, 1))
        admit(world, ezra, date(2026, 11, 20))  # admitted too late for day 30 to have come
        session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=GROUP_DAY)
        assign(session, dana, ezra)
        for patient in (dana, ezra):
            delivery_services.attendance_check_in(
                actor=world.counselor_a1,
                session=session,
                patient=patient,
                at=datetime.combine(GROUP_DAY, time(18), tzinfo=NY),
            )
        note = delivery_services.group_note_save(
            actor=world.counselor_a1,
            session=session,
            content={
                "topic": "Relapse triggers",
                "interventions": "CBT chain analysis",
                "summary": "The group mapped high-risk situations.",
            },
            sections={
                dana.pk: {
                    "participation": "active",
                    "response": "Named her triggers.",
                    "progress": "Dana drafted her relapse prevention plan",
                },
                ezra.pk: {
                    "participation": "minimal",
                    "response": "Quiet.",
                    "progress": "Ezra disclosed a lapse last weekend",
                },
            },
        )
        delivery_services.note_sign(actor=world.counselor_a1, note=note, password=PASSWORD)
        discharge_record(
            actor=world.counselor_a1,
            enrollment=dana_enrollment,
            kind="completed",
            discharged_on=date(2026, 11, 25),
            summary="Completed all phases of the program.",
            crisis_plan="Call her sponsor, then 988.",
            next_provider="Dr. Okoro, outpatient counselling",
        )

        with chromium_browser() as browser:
            base = live_server.url
            context, page, errors = phone(browser)
            login(page, base, world.director_a)

            # 1. The dashboard: the 30-day retention figure counts Dana (1 of 1).
            page.get_by_role("link", name="Outcomes").first.click()
            page.wait_for_url("**/outcomes/")
            card = page.locator("#figure-retention_30")
            assert "Still in treatment at 30 days" in card.inner_text()
            assert "1 of 1" in card.inner_text(), card.inner_text()
            assert "Dana" not in page.locator("main").inner_text()  # figures only
            _accessible(page, "dashboard")
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

            # 2. The patients behind it.
            card.get_by_role("link", name="Patients behind this figure").click()
            page.wait_for_url("**/outcomes/retention_30/patients/**")
            listed = page.locator("main").inner_text()
            assert "Whitfield, Dana" in listed and "Blackwood" not in listed, listed
            _accessible(page, "patients behind the figure")

            # 3. Her chart, her printable records, the discharge summary.
            page.get_by_role("link", name="Whitfield, Dana").click()
            page.get_by_role("link", name="Print or download records").click()
            page.get_by_role("link", name="Discharge summary", exact=False).first.click()
            _accessible(page, "print form")
            with page.expect_download() as caught:
                page.get_by_role("button", name="Download the PDF").click()
            download = caught.value
            assert download.suggested_filename == "discharge-2026-12-07.pdf"
            with open(download.path(), "rb") as handle:
                reader = PdfReader(io.BytesIO(handle.read()))
            text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
            assert "Discharge summary of 2026-11-25" in text
            assert "Dana drafted her relapse prevention plan" in text
            assert (
                "Ezra" not in text and "Blackwood" not in text and "lapse last weekend" not in text
            )
            assert "42 CFR 2.32" in text
            assert errors == [], errors
            context.close()

        printed = AuditEvent.objects.filter(action="print", patient_id_value=dana.pk)
        assert printed.count() == 1
