"""End to end on a phone-sized headless Chromium: a co-occurring patient (substance use and
mental health) has ONE weekly requirement, shown in the same words on the treatment plan and
the week page; admitting another patient with too little availability shows a warning on the
admission page as the grid is filled in, and the admission still goes through.

The server's clock is frozen with time_machine (same process as the live server):
Wednesday 4 November 2026, noon in New York.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from openiop.care.plans.services import plan_create
from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import TrackFactory, build_world
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.intake.models import Admission
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NY = ZoneInfo("America/New_York")
WEEK = date(2026, 11, 2)
LABEL = "9 h a week (one requirement across both tracks)"


def test_one_requirement_on_plan_and_week_pages_and_the_admission_warning(
    live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=12)
    with time_machine.travel(datetime.combine(WEEK + timedelta(days=2), time(12), NY), tick=False):
        world = build_world()
        coco = enrolled_patient(world.track_a1, first_name="Coco", last_name="Occurring")
        mh = TrackFactory.create(
            program=world.program_a1, kind=TrackKind.MENTAL_HEALTH, name="MH A1"
        )
        Enrollment.objects.create(
            patient=coco, track=mh, starts_on=date(2026, 1, 1), required_weekly_hours=Decimal("9")
        )
        for offset in (0, 2, 4):
            assign(
                group_session(
                    track=world.track_a1,
                    counselor=world.counselor_a1,
                    day=WEEK + timedelta(days=offset),
                ),
                coco,
            )
        plan = plan_create(
            actor=world.counselor_a1,
            enrollment=Enrollment.objects.get(patient=coco, track=world.track_a1),
            review_on=WEEK + timedelta(days=30),
        )
        base = live_server.url

        with chromium_browser() as browser:
            context, page, errors = phone(browser)
            login(page, base, world.counselor_a1)

            # The plan: one requirement across both tracks, not 18 hours.
            page.goto(base + reverse("care:plan", args=[coco.pk, plan.pk]))
            assert page.get_by_text(f"Required: {LABEL}").is_visible()

            # The week page: the same words in the patient's row.
            page.goto(base + reverse("delivery:week") + "?week=2026-11-02")
            page.get_by_role("link", name=re.compile(r"^Every patient: ")).click()
            page.locator("#week-patients h3", has_text="Every patient").wait_for()
            row = page.locator("#hours tr", has_text="Occurring, Coco")
            assert LABEL in row.inner_text()
            assert "18" not in row.locator("td").nth(2).inner_text()

            # Admission with one free evening: the warning appears while filling the form.
            page.goto(base + reverse("intake:admit", args=[world.patient_a1.pk]))
            page.get_by_label("SUD A1 (ages 18-120)").check()
            page.get_by_label("Primary counselor").select_option(index=1)
            page.get_by_label("Mon evening", exact=True).check()
            warning = page.locator("#hours-warning")
            warning.get_by_text("holds only 3 h of group time a week").wait_for()
            assert "less than the 9 h required" in warning.inner_text()
            # No horizontal scrolling on a phone.
            assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
            # Two more evenings hold the 9 hours: the warning goes away.
            page.get_by_label("Wed evening", exact=True).check()
            page.get_by_label("Fri evening", exact=True).check()
            page.wait_for_function(
                "() => !document.querySelector('#hours-warning').textContent.trim()"
            )
            # Back to too little: admitting still works, and the warning follows it.
            page.get_by_label("Fri evening", exact=True).uncheck()
            warning.get_by_text("holds only 6 h").wait_for()
            page.get_by_label("Given on paper", exact=True).check()
            page.get_by_role("button", name="Admit", exact=True).click()
            page.wait_for_url("**/patients/*/intake/")
            assert page.get_by_text("The availability given holds only 6 h").is_visible()
            assert errors == [], errors
            context.close()

    assert Admission.objects.filter(patient=world.patient_a1).count() == 1
