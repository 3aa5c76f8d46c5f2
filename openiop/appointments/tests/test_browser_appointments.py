"""End to end on a phone-sized headless Chromium: the prescriber sees a patient for medication
management, records a dose change in the medication note and signs it; the patient's counselor
finds today's group and the patient's video individual session on Today, checks the patient in
to the video session with the state they are in, writes the note and signs it; the chart shows
the medication change and both signed notes.

The server's clock is moved with time_machine (same process as the live server): Wednesday
4 November 2026, New York.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openiop.appointments import services
from openiop.appointments.models import Appointment, AppointmentKind, Credential
from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import PASSWORD, build_world
from openiop.delivery.models import NoteStatus
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WED = date(2026, 11, 4)


def _at(zone: ZoneInfo, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(WED, time(hour, minute), tzinfo=zone)


def test_prescriber_and_counselor_hold_their_appointments_and_sign_the_notes(
    live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=12)  # the test moves the clock by hours
    with time_machine.travel(datetime(2026, 11, 4, 18, 0, tzinfo=UTC), tick=False) as clock:
        world = build_world()
        w = world
        ana = enrolled_patient(w.track_a1, first_name="Ana", last_name="Arriaga")
        zone = ZoneInfo(ana.site.timezone)
        group = group_session(track=w.track_a1, counselor=w.counselor_a1, day=WED)
        assign(group, ana)
        for kind, minutes, credential in (
            (AppointmentKind.INDIVIDUAL, 60, Credential.COUNSELOR),
            (AppointmentKind.MEDICATION, 30, Credential.PRESCRIBER),
        ):
            services.appointment_type_save(
                actor=w.director_a,
                program=w.program_a1,
                track=None,
                kind=kind,
                minutes=minutes,
                credential=credential,
                every_weeks=1,
                counts_toward_hours=kind == AppointmentKind.INDIVIDUAL,
                signed_in=False,
            )
        prescriber = w.counselor_a2
        profile = prescriber.staff_profile
        profile.prescriber = True
        profile.save()
        profile.sites.add(w.site_a1)
        profile.programs.add(w.program_a1)
        services.video_service_save(
            actor=w.director_a,
            name="Clinic video",
            url_template="https://meet.example.org/v-{key}",
            signed_in=False,
        )
        from openiop.appointments.models import TelehealthConsent

        TelehealthConsent.objects.create(
            patient=ana,
            method="written",
            recorded_at=datetime(2026, 11, 1, tzinfo=UTC),
            recorded_by=w.director_a,
        )
        medication = services.appointment_book(
            actor=w.director_a,
            patient=ana,
            kind=AppointmentKind.MEDICATION,
            staff=prescriber,
            starts_at=_at(zone, 14),
            signed_in=False,
        )
        individual = services.appointment_book(
            actor=w.director_a,
            patient=ana,
            kind=AppointmentKind.INDIVIDUAL,
            staff=w.counselor_a1,
            starts_at=_at(zone, 16),
            telehealth=True,
            signed_in=False,
        )
        base = live_server.url

        clock.move_to(_at(zone, 13, 55))
        with chromium_browser() as browser:
            # The prescriber's visit.
            context, page, errors = phone(browser)
            login(page, base, prescriber)
            page.get_by_role("link", name="Today", exact=True).click()
            page.get_by_role("link", name="14:00\u201314:30 Medication management").click()
            page.wait_for_url(f"**/appointments/{medication.pk}/")
            page.get_by_role("button", name="Check in", exact=True).click()
            page.locator("#attendance", has_text="Attended").wait_for()
            clock.move_to(_at(zone, 14, 35))
            page.get_by_role("link", name="Write the medication management note").click()
            page.get_by_label("Subjective").fill("Cravings in the evenings; sleeping 6 hours.")
            page.get_by_label("Objective").fill("Calm, alert.")
            page.get_by_label("Current medications").fill("buprenorphine/naloxone 8/2 mg daily")
            page.get_by_label("Medication changes").fill(
                "Increase buprenorphine/naloxone to 12/3 mg daily"
            )
            page.get_by_label("Plan").fill("Review in two weeks.")
            page.get_by_role("button", name="Save draft").click()
            page.wait_for_url("**/delivery/notes/*/")
            page.get_by_label("Your password (to sign)").fill(PASSWORD)
            page.get_by_role("button", name="Sign the note").click()
            page.get_by_text("signed content verified").wait_for()
            assert errors == [], errors
            context.close()

            # The counselor's afternoon: Today, the video session, its note.
            clock.move_to(_at(zone, 15, 55))
            context, page, errors = phone(browser)
            login(page, base, w.counselor_a1)
            page.get_by_role("link", name="Today", exact=True).click()
            page.wait_for_url("**/delivery/today/")
            assert page.get_by_role("link", name="18:00\u201321:00 SUD A1").is_visible()
            page.get_by_role("link", name="16:00\u201317:00 Individual counselling").click()
            page.wait_for_url(f"**/appointments/{individual.pk}/")
            join = page.get_by_role("link", name="Join the Clinic video")
            assert "meet.example.org/v-" in (join.get_attribute("href") or "")
            page.get_by_role("button", name="Check in (video)").click()
            page.get_by_text("Say which state the patient is in").wait_for()  # no state yet
            assert [e for e in errors if "422" not in e] == []  # the refusal, shown in place
            errors.clear()
            page.get_by_label("State the patient is in").fill("NY")
            page.get_by_role("button", name="Check in (video)").click()
            page.locator("#attendance", has_text="the patient was in NY").wait_for()
            clock.move_to(_at(zone, 17, 0))
            page.get_by_role("button", name="Check out").click()
            page.locator("#attendance", has_text="out 17:00").wait_for()
            page.get_by_role("button", name="Write the note").click()
            page.get_by_label("Data").fill("Reviewed the week and the evening cravings.")
            page.get_by_label("Assessment").fill("Engaged; uses urge surfing.")
            page.get_by_label("Plan").fill("Coping card for evenings; next week same time.")
            page.get_by_role("button", name="Save draft").click()
            page.wait_for_url("**/delivery/notes/*/")
            page.get_by_label("Your password (to sign)").fill(PASSWORD)
            page.get_by_role("button", name="Sign the note").click()
            page.get_by_text("signed content verified").wait_for()

            # The chart: the medication change, both appointments.
            page.goto(f"{base}/patients/{ana.pk}/appointments/")
            main = page.locator("main")
            main.get_by_text("Increase buprenorphine/naloxone to 12/3 mg daily").wait_for()
            text = main.inner_text()
            assert "Medication management" in text and "Individual counselling" in text
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
            local, session = page.evaluate(
                "() => [Object.entries(localStorage), Object.entries(sessionStorage)]"
            )
            assert "arriaga" not in " ".join(v for _, v in [*local, *session]).lower()
            assert errors == [], errors
            context.close()

    done = {a.kind: a for a in Appointment.objects.select_related("note")}
    video = done[AppointmentKind.INDIVIDUAL]
    assert video.attendance == "present" and video.modality == "video"
    assert video.patient_state == "NY" and video.check_out_at == _at(zone, 17).astimezone(UTC)
    assert video.note is not None and video.note.status == NoteStatus.SIGNED
    med = done[AppointmentKind.MEDICATION]
    assert med.note is not None and med.note.format == "med"
    assert med.note.content["changes"].startswith("Increase")
