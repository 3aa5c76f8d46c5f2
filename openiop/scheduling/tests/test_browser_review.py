"""On a phone-sized headless Chromium: the administrator solves a week again after a new
admission and the new patient is in it; the patient list is searched; a refused hand move
shows its reason in the patient's row, in view where the Move button was.

The server's clock is frozen (time_machine, same process as the live server) on Tuesday
1 December 2026; for the solve the button queues, the test stores the greedy schedule as the
solver stores its result (no background worker, and no CP-SAT whose limit is wall-clock time),
so the groups, and so the refused move, do not depend on the machine's speed or load."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import PatientFactory, build_world
from openiop.scheduling.models import ScheduleWeek, WeekStatus
from openiop.scheduling.tests.helpers import (
    STARTED,
    build_sched,
    enrol,
    find_moves,
    greedy_solved,
    solved_week,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _in_view(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                return r.top >= 0 && r.bottom <= window.innerHeight; }""",
            selector,
        )
    )


def test_solve_again_search_and_a_refused_move_in_place(live_server: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        s = build_sched(world, a1=8)
        s.room_a1.capacity = 5
        s.room_a1.save()
        week = solved_week(world)
        newcomer = PatientFactory.create(
            site=world.site_a1, program=world.program_a1, first_name="Nadia", last_name="Newland"
        )
        enrol(newcomer, s.track_a1, starts_on=STARTED)
        base = live_server.url

        with chromium_browser() as browser:
            context, page, errors = phone(browser)
            login(page, base, world.admin_a)
            page.goto(f"{base}/schedule/weeks/{week.pk}/")
            assert page.get_by_text(
                "patients admitted or discharged since it was built"
            ).is_visible()

            page.get_by_role("button", name=re.compile("Solve again with today's patients")).click()
            page.get_by_text("1 patient added since the last build").wait_for()
            week.refresh_from_db()
            assert week.status == WeekStatus.QUEUED
            assert f"p{newcomer.pk}" in {p["id"] for p in week.problem["patients"]}
            solved = greedy_solved(week)
            assert solved.status == WeekStatus.SOLVED
            page.get_by_text("Every hard rule holds").wait_for()  # the page reloads by itself

            page.get_by_role("link", name="Patients", exact=True).nth(1).click()
            page.wait_for_url(f"**/schedule/weeks/{week.pk}/patients/")
            page.wait_for_load_state("load")  # htmx listens only once its deferred script ran
            search = page.get_by_label("Find a patient (name or record number)")
            search.fill("newl")
            page.get_by_text("1 patient matches").wait_for()
            rows = page.locator("#patient-list .patient-row")
            assert rows.count() == 1 and "Newland, Nadia" in rows.first.inner_text()
            assert "newl" not in page.url.lower()
            search.fill("")
            page.locator("#patient-list .patient-row").nth(8).wait_for()

            week = ScheduleWeek.objects.get(pk=week.pk)
            patient, (source, target, _) = next(
                (p, bad[0]) for p in reversed(s.patients_a1) if (bad := find_moves(week, p)[1])
            )
            row = page.locator(f"#p{patient.pk}")
            row.get_by_label("From group").select_option(source)
            row.get_by_label("Move to").select_option(target)
            row.get_by_role("button", name="Move").scroll_into_view_if_needed()
            row.get_by_role("button", name="Move").click()
            alert = page.locator(f"#p{patient.pk} .alert")
            alert.wait_for()
            assert "Refused, nothing was saved" in alert.inner_text()
            assert _in_view(page, f"#p{patient.pk} .alert")
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
            week.refresh_from_db()
            assert week.edits == 0
            assert [e for e in errors if "status of 422" not in e] == [], errors
            context.close()
