"""End to end on a phone-sized headless Chromium: a counselor opens
today's group, checks in three patients (one late, one leaving early), writes the group note
with individual sections and signs it; each patient's chart shows it with only their own
section; the week page shows the right hours; an amendment keeps the signed original.

The server's clock is moved with time_machine (same process as the live server), so the
check-ins happen at exact times: Wednesday 4 November 2026, group 18:00-21:00 New York.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import PASSWORD, build_world
from openiop.delivery import signing
from openiop.delivery.models import AttendanceRecord, Note, NoteAmendment, NoteStatus
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NY = ZoneInfo("America/New_York")
WED = date(2026, 11, 4)


def at(hour: int, minute: int = 0, day: date = WED) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def _row_text(page: Any, name: str) -> str:
    return str(page.locator("#hours tr", has_text=name).inner_text())


def test_counselor_runs_a_group_from_check_in_to_signed_note_and_hours(
    live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=12)  # the test moves the clock by hours
    with time_machine.travel(at(17, 50), tick=False) as clock:
        world = build_world()
        ana = enrolled_patient(world.track_a1, first_name="Ana", last_name="Arriaga")
        ben = enrolled_patient(world.track_a1, first_name="Ben", last_name="Bastos")
        cy = enrolled_patient(world.track_a1, first_name="Cy", last_name="Castell")
        monday = group_session(
            track=world.track_a1, counselor=world.counselor_a1, day=date(2026, 11, 2)
        )
        assign(monday, ana, ben, cy)
        for p in (ana, ben, cy):  # Monday: all three attended the whole 3 hours
            AttendanceRecord.objects.create(
                session=monday,
                patient=p,
                status="present",
                updated_at=at(21, 0, monday.starts_at.date()),
            )
        group = group_session(
            track=world.track_a1,
            counselor=world.counselor_a1,
            day=WED,
            topic="Coping with cravings",
        )
        assign(group, ana, ben, cy)
        base = live_server.url

        with chromium_browser() as browser:
            context, page, errors = phone(browser)
            login(page, base, world.counselor_a1)

            page.get_by_role("link", name="Today", exact=True).click()
            page.wait_for_url("**/delivery/today/")
            page.get_by_role("link", name="18:00\u201321:00 SUD A1").click()
            page.wait_for_url(f"**/delivery/sessions/{group.pk}/")
            assert page.get_by_label("Session code").is_visible()
            # No horizontal scrolling on a phone.
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

            clock.move_to(at(18, 0))
            for person in ("Ana Arriaga", "Ben Bastos"):
                page.get_by_role("button", name=f"Check in {person}").click()
                page.get_by_role("button", name=f"Check out {person}").wait_for()
            clock.move_to(at(18, 20))
            page.get_by_role("button", name="Check in Cy Castell").click()
            page.get_by_role("button", name="Check out Cy Castell").wait_for()
            assert "Late" in page.locator(f"#row-{cy.pk}").inner_text()
            clock.move_to(at(20, 0))
            page.get_by_role("button", name="Check out Ben Bastos").click()
            page.locator(f"#row-{ben.pk}", has_text="Left early").wait_for()
            assert "Present" in page.locator(f"#row-{ana.pk}").inner_text()

            clock.move_to(at(21, 5))
            page.reload()
            page.get_by_role("link", name="Write the group note").click()
            page.get_by_label("Interventions").fill("CBT: urge surfing and coping cards")
            page.get_by_label("Group summary").fill("Members practised urge surfing together.")
            for p in (ana, ben, cy):
                page.locator(f"#id_s{p.pk}-participation").select_option("active")
                page.locator(f"#id_s{p.pk}-response").fill(f"{p.first_name} engaged well")
                page.locator(f"#id_s{p.pk}-progress").fill(f"{p.first_name} met goal 1")
            page.get_by_role("button", name="Save draft").click()
            page.wait_for_url("**/delivery/notes/*/")
            page.get_by_label("Your password (to sign)").fill(PASSWORD)
            page.get_by_role("button", name="Sign the note").click()
            page.get_by_text("signed content verified").wait_for()
            note = Note.objects.get(session=group)
            assert note.status == NoteStatus.SIGNED
            original = note.signed_hash

            for p in (ana, ben, cy):
                page.goto(f"{base}/patients/{p.pk}/notes/")
                text = page.locator("main").inner_text()
                assert "Members practised urge surfing together." in text
                assert f"{p.first_name} engaged well" in text
                others = {"Ana", "Ben", "Cy"} - {p.first_name}
                assert not any(f"{o} engaged well" in text for o in others)

            page.goto(f"{base}/delivery/week/?week=2026-11-04")
            # Every patient's row loads on demand (htmx) from the count of the list.
            page.get_by_role("link", name=re.compile(r"^Every patient: ")).click()
            page.locator("#week-patients h3", has_text="Every patient").wait_for()
            # Monday 3 h each; Wednesday: Ana 3 h, Ben 18:00-20:00, Cy from 18:20.
            ana_row = _row_text(page, "Arriaga, Ana")
            assert "9 h a week" in ana_row and "6.0" in ana_row  # required, then attended
            assert "5.0" in _row_text(page, "Bastos, Ben")
            assert "5.7" in _row_text(page, "Castell, Cy")

            page.goto(f"{base}/delivery/notes/{note.pk}/")
            page.get_by_text("Add an amendment").click()
            page.get_by_label("Amends").select_option(label="Section of Castell, Cy")
            page.get_by_label("Reason for the amendment").fill("Late entry")
            page.locator("#id_text").fill("Cy also shared a relapse plan.")
            page.locator("form[action$='/amend/']").get_by_label("Your password (to sign)").fill(
                PASSWORD
            )
            page.get_by_role("button", name="Sign the amendment").click()
            page.get_by_text("Cy also shared a relapse plan.").wait_for()
            assert page.get_by_text("signed content verified").is_visible()

            local, session = page.evaluate(
                "() => [Object.entries(localStorage), Object.entries(sessionStorage)]"
            )
            stored = " ".join(v for _, v in [*local, *session]).lower()
            assert "arriaga" not in stored and "castell" not in stored
            assert errors == [], errors
            context.close()

    note.refresh_from_db()
    assert note.signed_hash == original == signing.stored_note_digest(note)
    assert NoteAmendment.objects.get(note=note).section_patient_id == cy.pk
    records = {r.patient_id: r for r in AttendanceRecord.objects.filter(session=group)}
    assert records[cy.pk].status == "late" and records[ben.pk].status == "left_early"
    assert records[ana.pk].check_in_at == at(18, 0).astimezone(UTC)
