"""Self check-in in the portal: the staff check-in rules (roster, window, arrival status,
drop-in) and audit, by picking the session or typing the room code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import EnrollmentFactory, World, login
from openiop.delivery import codes
from openiop.delivery.models import AttendanceRecord, AttendanceStatus, DropIn
from openiop.delivery.tests.factories import assign, group_session
from openiop.portal.models import PortalAccount, PortalSettings
from openiop.portal.tests.helpers import make_portal_account, portal_login
from openiop.portal.tests.test_week import family_account
from openiop.portal.week import selectors
from openiop.scheduling.models import GroupSession

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 10)
START = datetime(2026, 11, 10, 18, 0, tzinfo=NY)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=NY)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[time_machine.Coordinates]:
    """Inside the check-in window (opens 30 minutes before 18:00) unless a test moves it."""
    with time_machine.travel(at(17, 45), tick=False) as traveller:
        yield traveller


@pytest.fixture
def alma(world: World) -> PortalAccount:
    EnrollmentFactory.create(
        patient=world.patient_a1, track=world.track_a1, starts_on=date(2026, 1, 1)
    )
    # This program lets patients pick the session from today's list (program policy; off
    # by default).
    PortalSettings.objects.create(program=world.program_a1, pick_from_list=True)
    return make_portal_account(world.patient_a1)


@pytest.fixture
def tonight(world: World, alma: PortalAccount) -> GroupSession:
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    assign(session, world.patient_a1)
    return session


def records() -> int:
    return AttendanceRecord.objects.count()


def test_picking_the_session_inside_the_window_checks_in_with_the_staff_rules(
    world: World, alma: PortalAccount, tonight: GroupSession
) -> None:
    client = portal_login(Client(), alma)
    page = client.get("/portal/check-in/")
    assert page.status_code == 200
    assert b"6:00 pm" in page.content and b'name="session"' in page.content
    response = client.post("/portal/check-in/", {"session": tonight.pk}, follow=True)
    assert response.status_code == 200 and b"You are checked in" in response.content
    record = AttendanceRecord.objects.get(session=tonight, patient=world.patient_a1)
    assert record.self_checked_in and record.recorded_by == alma.user
    assert record.status == AttendanceStatus.PRESENT and record.check_in_at == at(17, 45)
    event = AuditEvent.objects.get(
        object_type="delivery.attendancerecord", object_id=str(record.pk)
    )
    assert event.action == AuditAction.ADD and event.detail == "self check-in in the portal"
    again = client.post("/portal/check-in/", {"session": tonight.pk}, follow=True)
    assert b"You were already checked in." in again.content
    assert records() == 1
    [item] = selectors.today_sessions(alma)
    assert item.checked_in and item.window_open


def test_before_the_window_or_after_the_end_is_refused_with_the_reason(
    world: World,
    alma: PortalAccount,
    tonight: GroupSession,
    frozen: time_machine.Coordinates,
) -> None:
    frozen.move_to(at(17, 0))
    client = portal_login(Client(), alma)
    [item] = selectors.today_sessions(alma)
    assert not item.window_open and item.opens_at == "5:30 pm"
    early = client.post("/portal/check-in/", {"session": tonight.pk})
    assert early.status_code == 422
    assert b"Check-in opens 30 minutes before the start." in early.content
    assert b'role="alert"' in early.content
    late_code = client.post("/portal/check-in/", {"code": codes.session_code(tonight)})
    assert late_code.status_code == 422 and b"Check-in opens 30" in late_code.content
    frozen.move_to(at(21, 30))
    client = portal_login(Client(), alma)  # a new sign-in after hours idle
    ended = client.post("/portal/check-in/", {"session": tonight.pk})
    assert ended.status_code == 422 and b"The session has ended." in ended.content
    assert records() == 0


def test_the_room_code_checks_in_and_a_wrong_code_is_refused(
    world: World, alma: PortalAccount, tonight: GroupSession
) -> None:
    client = portal_login(Client(), alma)
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    wrong = client.post("/portal/check-in/", {"code": "ZZZZZZ"})
    assert wrong.status_code == 422
    assert b"That code does not match a session you can check in to now." in wrong.content
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
    assert records() == 0
    code = codes.session_code(tonight).lower()
    ok = client.post("/portal/check-in/", {"code": f"{code[:3]} {code[3:]}"})
    assert ok.status_code == 302
    assert AttendanceRecord.objects.get(session=tonight).self_checked_in


def test_a_patient_of_the_track_not_on_the_roster_joins_as_a_drop_in_by_code(
    world: World, alma: PortalAccount
) -> None:
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    client = portal_login(Client(), alma)
    assert (
        client.post("/portal/check-in/", {"code": codes.session_code(session)}).status_code == 302
    )
    assert DropIn.objects.filter(session=session, patient=world.patient_a1).exists()
    assert AttendanceRecord.objects.get(session=session).patient == world.patient_a1


def test_failed_codes_are_rate_limited_per_account(
    world: World, alma: PortalAccount, tonight: GroupSession
) -> None:
    client = portal_login(Client(), alma)
    for _ in range(10):
        assert client.post("/portal/check-in/", {"code": "ZZZZZZ"}).status_code == 422
    throttled = client.post("/portal/check-in/", {"code": codes.session_code(tonight)})
    assert throttled.status_code == 429 and b"Too many tries" in throttled.content
    assert records() == 0


def test_when_the_program_turns_picking_off_only_the_code_works(
    world: World, alma: PortalAccount, tonight: GroupSession
) -> None:
    PortalSettings.objects.filter(program=world.program_a1).update(pick_from_list=False)
    refused = portal_login(Client(), alma).post("/portal/check-in/", {"session": tonight.pk})
    assert refused.status_code == 422 and not AttendanceRecord.objects.exists()
    client = portal_login(Client(), alma)
    assert b'name="session"' not in client.get("/portal/check-in/").content
    refused = client.post("/portal/check-in/", {"session": tonight.pk})
    assert refused.status_code == 422 and b"Type the code shown in the room" in refused.content
    assert records() == 0
    assert (
        client.post("/portal/check-in/", {"code": codes.session_code(tonight)}).status_code == 302
    )


def test_refusals_another_patients_session_family_staff_anonymous(
    world: World, alma: PortalAccount, tonight: GroupSession
) -> None:
    other = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    assign(other, world.patient_a2)
    client = portal_login(Client(), alma)
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    assert client.post("/portal/check-in/", {"session": other.pk}).status_code == 404
    assert client.post("/portal/check-in/", {"session": "9" * 30}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 2
    family = portal_login(Client(), family_account(world, world.patient_a1))
    assert family.get("/portal/check-in/").status_code == 403
    assert family.post("/portal/check-in/", {"session": tonight.pk}).status_code == 403
    staff = login(Client(), world.counselor_a1)
    assert staff.post("/portal/check-in/", {"session": tonight.pk}).status_code == 403
    anonymous = Client().get("/portal/check-in/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/portal/login/")
    assert records() == 0
