"""The patient's progress page: measures in plain words with reliable change, attendance
against the weekly requirement, the signed plan's goals, the last two weeks of check-ins;
nothing of another patient, a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openiop.care.models import Goal
from openiop.care.tests.factories import measure, signed_plan
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login
from openiop.delivery.models import AttendanceRecord
from openiop.delivery.tests.factories import assign, group_session
from openiop.patients.models import Enrollment, Patient
from openiop.portal.models import AccountKind, DailyCheckIn
from openiop.portal.tests.helpers import make_portal_account, portal_login
from openiop.portal.tests.test_daily import NOW, admitted, family_consent, signed_in

pytestmark = pytest.mark.django_db

URL = "/portal/progress/"


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _attended(world: World, patient: Patient, day: date) -> None:
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=day)
    assign(session, patient)
    AttendanceRecord.objects.create(
        session=session,
        patient=patient,
        status="present",
        check_in_at=session.starts_at,
        check_out_at=session.ends_at,
        updated_at=timezone.now(),
    )


def _checkin(world: World, patient: Patient, days_ago: int, craving: int, mood: int) -> None:
    DailyCheckIn.objects.create(
        patient=patient,
        day=NOW.date() - timedelta(days=days_ago),
        craving=craving,
        mood=mood,
        sleep=3,
        used=False,
        need_to_talk=False,
        submitted_at=timezone.now(),
        submitted_by=world.counselor_a1,
    )


def test_the_page_shows_the_patients_own_progress_and_nothing_of_another(world: World) -> None:
    client, account = signed_in(world)
    a1 = world.patient_a1
    measure(world.counselor_a1, a1, "phq9", 14, weeks_ago=4)
    measure(world.counselor_a1, a1, "phq9", 8, weeks_ago=0)
    signed_plan(world.counselor_a1, Enrollment.objects.get(patient=a1))
    _attended(world, a1, date(2026, 11, 30))  # this week (Monday)
    _attended(world, a1, date(2026, 11, 25))  # last week
    _checkin(world, a1, 0, craving=7, mood=2)
    _checkin(world, a1, 20, craving=1, mood=5)  # older than two weeks
    # Another patient's data, which must not show.
    a2 = admitted(world, world.patient_a2)
    measure(world.director_a, a2, "phq9", 20, weeks_ago=4)
    measure(world.director_a, a2, "phq9", 3, weeks_ago=0)
    plan = signed_plan(world.director_a, Enrollment.objects.get(patient=a2))
    Goal.objects.filter(plan=plan).update(description="Another patient's goal")
    _attended(world, a2, date(2026, 12, 1))
    _checkin(world, a2, 1, craving=10, mood=1)

    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "PHQ-9 went from 14 to 8: a reliable improvement." in html
    assert "mild" in html  # the band of 8, in words
    assert "Cope with cravings" in html and "Objective 1: <strong>met</strong>" in html
    assert "This week</strong> (from Nov 30): 3.0 of 9 hours" in html
    assert "Last week</strong> (from Nov 23): 3.0 of 9 hours" in html
    daily = html[html.index("My last two weeks of check-ins") :]
    assert daily.count("<tr><td>") == 1 and "<td>7</td><td>Low</td>" in daily
    # Nothing of patient A2.
    assert "20" not in html.split("PHQ-9 went from")[1][:10]
    assert "Another patient" not in html and "<td>10</td>" not in html
    assert "6.0 of" not in html
    event = AuditEvent.objects.filter(action=AuditAction.VIEW, user_id_value=account.user.pk).get()
    assert event.patient_id_value == a1.pk and event.part2


def test_a_first_score_and_no_plan_are_said_plainly(world: World) -> None:
    client, _ = signed_in(world)
    measure(world.counselor_a1, world.patient_a1, "gad7", 9, weeks_ago=0)
    html = client.get(URL).content.decode()
    assert "your first score" in html
    assert "once you and your counselor have signed your treatment plan" in html
    assert "No check-ins in the last two weeks" in html


def test_the_query_count_does_not_grow_with_the_data(world: World) -> None:
    client, _ = signed_in(world)
    a1 = world.patient_a1
    measure(world.counselor_a1, a1, "phq9", 14, weeks_ago=4)
    _checkin(world, a1, 0, craving=3, mood=3)
    enrollment = Enrollment.objects.get(patient=a1)
    signed_plan(world.counselor_a1, enrollment, statuses=("met",))
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for weeks in (1, 2, 3):
        measure(world.counselor_a1, a1, "gad7", 5 + weeks, weeks_ago=weeks)
        measure(world.counselor_a1, a1, "phq9", 10 - weeks, weeks_ago=weeks)
    for days in range(1, 10):
        _checkin(world, a1, days, craving=days, mood=3)
    second = Enrollment.objects.create(
        patient=a1,
        track=world.track_a1,
        starts_on=enrollment.starts_on,
        required_weekly_hours=enrollment.required_weekly_hours,
        status="on_leave",
    )
    signed_plan(world.counselor_a1, second, statuses=("met", "behind", "on_track"))
    _attended(world, a1, date(2026, 11, 30))
    _attended(world, a1, date(2026, 11, 24))
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_family_staff_and_anonymous_are_refused(world: World) -> None:
    admitted(world)
    family = make_portal_account(
        world.patient_a1, kind=AccountKind.FAMILY, consent=family_consent(world)
    )
    assert portal_login(Client(), family).get(URL).status_code == 403
    assert login(Client(), world.counselor_a1).get(URL).status_code == 403
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/portal/login/")
