"""End to end on a phone-sized headless Chromium, with the server's clock frozen by
time_machine (same process as the live server):

- a patient in an adolescent track is not flagged the day before their 18th birthday; on the
  birthday the chart, the care page and the group roster flag them; a counselor records the
  review and the flag goes while the enrolment stays as it is;
- a patient in two tracks is transferred to a higher level of care: every enrolment ends and
  their coming groups are cancelled; another patient leaves one track only and the page says
  the other track continues.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import EnrollmentFactory, PatientFactory, TrackFactory, build_world
from openiop.delivery.tests.factories import assign, group_session
from openiop.organization.models import TrackKind
from openiop.patients.models import AgeOutReview, Enrollment, EnrollmentStatus
from openiop.scheduling.models import SessionAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NY = ZoneInfo("America/New_York")


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=NY)


def _phone(browser: Any) -> tuple[Any, Any, list[str]]:
    context, page, errors = phone(browser)
    return context, page, errors


def _fits(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400, width


def test_an_adolescent_is_flagged_on_the_18th_birthday_and_a_review_clears_it(
    live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=11)  # the clock moves overnight
    birthday = date(2026, 6, 15)  # a Monday
    # The application's day is ``timezone.localdate()`` (settings.TIME_ZONE, UTC).
    eve = datetime.combine(birthday - timedelta(days=1), time(14, 0), tzinfo=UTC)
    with time_machine.travel(eve, tick=False) as clock:
        world = build_world()
        teens = TrackFactory.create(
            program=world.program_a1,
            name="Teens A1",
            kind=TrackKind.ADOLESCENTS,
            min_age=13,
            max_age=17,
            min_weekly_hours=Decimal("6"),
        )
        dani = PatientFactory.create(
            site=world.site_a1,
            program=world.program_a1,
            first_name="Dani",
            last_name="Ferreira",
            date_of_birth=date(2008, 6, 15),
        )
        enrollment = EnrollmentFactory.create(patient=dani, track=teens, starts_on=date(2026, 1, 5))
        group = group_session(
            track=teens, counselor=world.counselor_a1, day=birthday, start=time(15, 30)
        )
        assign(group, dani)
        base = live_server.url
        chart = f"{base}/patients/{dani.pk}/"

        with chromium_browser() as browser:
            context, page, errors = _phone(browser)
            login(page, base, world.counselor_a1)
            page.goto(chart)
            assert page.get_by_text("(age 17)").is_visible()
            assert page.get_by_text("Turned 18").count() == 0
            page.goto(f"{base}/care/")
            assert page.get_by_role("heading", name="Turned 18 in an adolescent track").count() == 0

            clock.move_to(eve + timedelta(hours=10, minutes=30))  # 00:30 on the 18th birthday
            page.goto(chart)
            assert page.get_by_text("(age 18)").is_visible()
            flag = page.get_by_text(
                "Turned 18 on 2026-06-15 while in the adolescent track Teens A1"
            )
            assert flag.is_visible()
            _fits(page)
            page.goto(f"{base}/delivery/sessions/{group.pk}/")
            assert page.get_by_text("Turned 18: track review due").is_visible()
            page.goto(f"{base}/care/")
            assert page.get_by_role(
                "heading", name="Turned 18 in an adolescent track (1)"
            ).is_visible()
            _fits(page)
            page.get_by_role("link", name="Review the track").click()
            page.wait_for_url("**/age-out/")
            assert page.get_by_text("the enrolment stays as it is").is_visible()
            page.get_by_label("What was decided").fill(
                "Stays in the teen group until school ends; adult track discussed with family."
            )
            page.get_by_role("button", name="Record the review").click()
            page.wait_for_url(chart)
            assert page.get_by_text("Review recorded. Teens A1 is unchanged.").is_visible()
            assert page.get_by_text("Turned 18 on").count() == 0
            page.goto(f"{base}/care/")
            assert page.get_by_role("heading", name="Turned 18 in an adolescent track").count() == 0
            assert errors == [], errors
            context.close()

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.track_id == teens.pk
    assert AgeOutReview.objects.get().enrollment_id == enrollment.pk


def test_a_transfer_up_ends_every_track_and_a_track_only_discharge_says_the_rest_continue(
    live_server: Any,
) -> None:
    today = date(2026, 11, 4)
    with time_machine.travel(at(today), tick=False):
        world = build_world()
        mh = TrackFactory.create(
            program=world.program_a1, name="Mental health A1", kind=TrackKind.MENTAL_HEALTH
        )
        alma = world.patient_a1
        sud = EnrollmentFactory.create(
            patient=alma, track=world.track_a1, starts_on=date(2026, 9, 1)
        )
        EnrollmentFactory.create(patient=alma, track=mh, starts_on=date(2026, 9, 8))
        coming = [
            group_session(
                track=world.track_a1, counselor=world.counselor_a1, day=today + timedelta(days=1)
            ),
            group_session(track=mh, counselor=world.counselor_a1, day=today + timedelta(days=2)),
        ]
        for s in coming:
            assign(s, alma)
        ines = PatientFactory.create(
            site=world.site_a1, program=world.program_a1, first_name="Ines", last_name="Rocha"
        )
        ines_sud = EnrollmentFactory.create(
            patient=ines, track=world.track_a1, starts_on=date(2026, 9, 1)
        )
        EnrollmentFactory.create(patient=ines, track=mh, starts_on=date(2026, 9, 1))
        base = live_server.url

        with chromium_browser() as browser:
            context, page, errors = _phone(browser)
            login(page, base, world.counselor_a1)

            page.goto(f"{base}/care/patients/{alma.pk}/enrollments/{sud.pk}/discharge/")
            page.get_by_label("Type of discharge").select_option(
                label="Transferred to a higher level of care"
            )
            assert page.get_by_label(
                "Treatment here ends: every track (SUD A1, Mental health A1) ends"
            ).is_checked()
            _fits(page)
            page.get_by_label("Summary").fill(
                "Daily use returned; needs residential care. Accepted at Riverside on 11/05."
            )
            page.get_by_label("Crisis plan").fill("Call 988; Riverside ED if unsafe.")
            page.get_by_role("button", name="Discharge and schedule follow-ups").click()
            page.wait_for_url("**/progress/")
            assert page.get_by_text(
                "Treatment here has ended: discharged from every track (SUD A1, Mental health A1)."
            ).is_visible()

            page.goto(f"{base}/care/patients/{ines.pk}/enrollments/{ines_sud.pk}/discharge/")
            page.get_by_label("Type of discharge").select_option(label="Completed the program")
            page.get_by_label("SUD A1 only: Mental health A1 continues").check()
            page.get_by_label("Summary").fill(
                "Completed the substance-use track; keeps working on mood in the other track."
            )
            page.get_by_label("Crisis plan").fill("Call 988; Riverside ED if unsafe.")
            page.get_by_role("button", name="Discharge and schedule follow-ups").click()
            page.wait_for_url("**/progress/")
            assert page.get_by_text(
                "Discharged from SUD A1 only. Mental health A1 continues."
            ).is_visible()
            assert page.get_by_role("heading", name="Mental health A1").is_visible()
            assert errors == [], errors
            context.close()

    assert not Enrollment.objects.filter(patient=alma, status=EnrollmentStatus.ACTIVE).exists()
    assert not SessionAssignment.objects.filter(patient=alma).exists()
    assert list(
        Enrollment.objects.filter(patient=ines, status=EnrollmentStatus.ACTIVE).values_list(
            "track_id", flat=True
        )
    ) == [mh.pk]
