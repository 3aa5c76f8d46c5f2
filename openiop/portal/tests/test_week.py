"""My week: the published sessions with changes since the week before, the calendar link and
"can't make it" notices (and their refusals)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import EnrollmentFactory, World, login
from openiop.delivery.tests.factories import assign, group_session, room_at
from openiop.patients.models import Patient
from openiop.portal.models import AbsenceNotice, AccountKind, PortalAccount
from openiop.portal.tests.helpers import make_portal_account, portal_login
from openiop.privacy.models import Consent
from openiop.scheduling.models import CalendarToken, GroupSession, ScheduleWeek

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
LAST_MONDAY = date(2026, 11, 2)
MONDAY = date(2026, 11, 9)
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=NY)  # Tuesday noon, New York


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """The clock at NOW for the whole test (signing in included: the second factor's
    verification is bound to the time it was given)."""
    with time_machine.travel(NOW, tick=False):
        yield


def family_account(world: World, patient: Patient) -> PortalAccount:
    consent = Consent.objects.create(
        organization=world.org_a,
        patient=patient,
        kind="named",
        disclosing_party=world.org_a.name,
        recipient_kind="family",
        recipient_name="Rosa Example",
        purpose="family",
        data=["attendance"],
        expires_on=MONDAY + timedelta(days=90),
        signer_name="Patient",
        signer_relation="patient",
        signed_on=MONDAY - timedelta(days=3),
        signature_method="screen",
        recorded_by=world.counselor_a1,
        recorded_at=timezone.now(),
    )
    return make_portal_account(patient, kind=AccountKind.FAMILY, consent=consent)


def denied_count() -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED).count()


@pytest.fixture
def alma(world: World) -> PortalAccount:
    EnrollmentFactory.create(
        patient=world.patient_a1, track=world.track_a1, starts_on=date(2026, 1, 1)
    )
    return make_portal_account(world.patient_a1)


def session_on(world: World, day: date, start: time, **extra: object) -> GroupSession:
    session = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=day, start=start, **extra
    )
    assign(session, world.patient_a1)
    return session


def two_weeks(world: World) -> dict[str, GroupSession]:
    room = room_at(world.site_a1)
    other = room_at(world.site_a1)
    session_on(world, LAST_MONDAY, time(18), room=room)
    session_on(world, LAST_MONDAY + timedelta(days=2), time(18), room=room)
    return {
        "same": session_on(world, MONDAY, time(18), room=room),
        "moved": session_on(world, MONDAY + timedelta(days=2), time(17), room=room),
        "new": session_on(world, MONDAY + timedelta(days=4), time(18), room=other),
    }


def test_my_week_lists_the_sessions_in_local_time_and_the_hours(
    world: World, alma: PortalAccount
) -> None:
    sessions = two_weeks(world)
    virtual = session_on(
        world, MONDAY + timedelta(days=10), time(9), room=room_at(world.site_a1, virtual=True)
    )
    client = portal_login(Client(), alma)
    with time_machine.travel(NOW, tick=False):
        response = client.get("/portal/week/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Monday 9 November, 6:00 pm\u20139:00 pm" in body
    assert "Wednesday 11 November, 5:00 pm\u20138:00 pm" in body
    assert world.track_a1.name in body and sessions["same"].room.name in body
    assert f"with {world.counselor_a1.first_name}" in body
    assert "You are scheduled for 9 hours of group sessions" in body
    assert "Your program asks for 9 hours a week." in body
    # Next week: the virtual session with the counselor's link.
    assert "Video: link given by your counselor" in body and str(virtual.pk) in body
    alma.refresh_from_db()
    assert alma.week_seen_at == NOW
    # No patient's surname or record number on the page.
    assert world.patient_a1.last_name not in body and world.patient_a1.mrn not in body


def test_the_week_page_runs_a_fixed_number_of_queries(world: World, alma: PortalAccount) -> None:
    client = portal_login(Client(), alma)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/portal/week/").status_code == 200
        return len(captured)

    two_weeks(world)
    queries()  # the first request of a sign-in also touches the session
    few = queries()
    for day in (1, 3, 8, 9):
        session_on(world, MONDAY + timedelta(days=day), time(9))
    assert queries() == few


def test_a_moved_and_a_new_session_are_highlighted(world: World, alma: PortalAccount) -> None:
    sessions = two_weeks(world)
    client = portal_login(Client(), alma)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/portal/week/").content.decode()
    cards = {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r'<li class="[^"]*" id="session-(\d+)">.*?</li>', body, re.S)
    }
    assert "changed" not in cards[sessions["same"].pk].split(">")[0]
    moved = cards[sessions["moved"].pk]
    assert 'class="card week-session changed"' in moved and ">Changed<" in moved
    assert "the time (was 6:00 pm)" in moved
    new = cards[sessions["new"].pk]
    assert ">New<" in new and "changed" in new.split(">")[0]
    # Next week is not published yet: nothing is said to have dropped out of it.
    assert "You have no group sessions on the schedule for next week yet." in body
    assert "No longer on your schedule" not in body


def test_changes_published_after_the_last_look_are_called_out(
    world: World, alma: PortalAccount
) -> None:
    two_weeks(world)
    ScheduleWeek.objects.filter(week_start=MONDAY).update(published_at=NOW - timedelta(hours=1))
    alma.week_seen_at = NOW - timedelta(days=2)
    alma.save()
    client = portal_login(Client(), alma)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/portal/week/").content.decode()
    assert "Changed since you last looked." in body
    assert "Your schedule was updated since you last looked." in body
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        again = client.get("/portal/week/").content.decode()
    assert "Changed since you last looked." not in again


def test_the_calendar_link_is_created_once_and_audited(world: World, alma: PortalAccount) -> None:
    client = portal_login(Client(), alma)
    assert client.get("/portal/week/calendar/").status_code == 405
    response = client.post("/portal/week/calendar/")
    assert response.status_code == 200
    match = re.search(
        r'value="http://testserver(/public/calendar/[^"]+)"', response.content.decode()
    )
    assert match is not None
    token = CalendarToken.objects.get(patient=world.patient_a1, revoked_at__isnull=True)
    assert token.created_by == alma.user
    assert AuditEvent.objects.filter(
        action=AuditAction.ADD, object_type="scheduling.calendartoken", object_id=str(token.pk)
    ).exists()
    feed = Client().get(match.group(1))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    # A second link replaces the first.
    client.post("/portal/week/calendar/")
    assert (
        CalendarToken.objects.filter(patient=world.patient_a1, revoked_at__isnull=True).count() == 1
    )
    assert Client().get(match.group(1)).status_code == 404


def test_the_calendar_link_and_week_are_refused_to_family_staff_and_anonymous(
    world: World, alma: PortalAccount
) -> None:
    family = portal_login(Client(), family_account(world, world.patient_a1))
    assert family.post("/portal/week/calendar/").status_code == 403
    assert family.get("/portal/week/").status_code == 403
    staff = login(Client(), world.counselor_a1)
    assert staff.post("/portal/week/calendar/").status_code == 403
    assert staff.get("/portal/week/").status_code == 403
    anonymous = Client().get("/portal/week/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/portal/login/")
    assert not CalendarToken.objects.filter(patient=world.patient_a1).exists()


def test_cant_make_it_is_sent_shown_and_withdrawn(world: World, alma: PortalAccount) -> None:
    sessions = two_weeks(world)
    target = sessions["new"]
    client = portal_login(Client(), alma)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"/portal/week/sessions/{target.pk}/absence/", {"reason": "Work shift"}
        )
        assert response.status_code == 302
        notice = AbsenceNotice.objects.get(patient=world.patient_a1, session=target)
        assert notice.reason == "Work shift" and notice.created_by == alma.user
        assert AuditEvent.objects.filter(
            action=AuditAction.ADD, object_type="portal.absencenotice"
        ).exists()
        body = client.get("/portal/week/").content.decode()
        assert "You told the care team you can&#x27;t come" in body or (
            "You told the care team you can't come" in body
        )
        # Sending it again changes nothing.
        client.post(f"/portal/week/sessions/{target.pk}/absence/", {"reason": ""})
        assert AbsenceNotice.objects.filter(patient=world.patient_a1).count() == 1
        undo = client.post(f"/portal/week/absences/{notice.pk}/withdraw/")
        assert undo.status_code == 302
    notice.refresh_from_db()
    assert notice.withdrawn_at == NOW


def test_cant_make_it_refuses_a_long_reason_and_a_started_session(
    world: World, alma: PortalAccount
) -> None:
    sessions = two_weeks(world)
    client = portal_login(Client(), alma)
    with time_machine.travel(NOW, tick=False):
        long = client.post(
            f"/portal/week/sessions/{sessions['new'].pk}/absence/", {"reason": "x" * 301}
        )
        assert long.status_code == 422 and b'role="alert"' in long.content
        assert b"At most 300 characters" in long.content
        started = client.post(f"/portal/week/sessions/{sessions['same'].pk}/absence/", {})
        assert started.status_code == 422
        assert b"This session has already started" in started.content
    assert not AbsenceNotice.objects.exists()


def test_another_patients_session_or_notice_is_an_audited_404(
    world: World, alma: PortalAccount
) -> None:
    other = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=MONDAY + timedelta(days=4)
    )
    assign(other, world.patient_a2)
    notice = AbsenceNotice.objects.create(
        patient=world.patient_a2,
        session=other,
        created_at=datetime(2026, 11, 9, tzinfo=UTC),
        created_by=world.counselor_a1,
    )
    client = portal_login(Client(), alma)
    before = denied_count()
    with time_machine.travel(NOW, tick=False):
        assert client.post(f"/portal/week/sessions/{other.pk}/absence/", {}).status_code == 404
        assert client.post(f"/portal/week/absences/{notice.pk}/withdraw/").status_code == 404
        assert client.post("/portal/week/sessions/99999999999999999999/absence/").status_code == 404
    assert denied_count() == before + 3
    notice.refresh_from_db()
    assert notice.withdrawn_at is None
    assert AbsenceNotice.objects.count() == 1
    family = portal_login(Client(), family_account(world, world.patient_a1))
    assert family.post(f"/portal/week/sessions/{other.pk}/absence/").status_code == 403
    staff = login(Client(), world.counselor_a1)
    assert staff.post(f"/portal/week/absences/{notice.pk}/withdraw/").status_code == 403


def test_the_staff_roster_shows_the_notice(world: World, alma: PortalAccount) -> None:
    sessions = two_weeks(world)
    target = sessions["new"]
    AbsenceNotice.objects.create(
        patient=world.patient_a1,
        session=target,
        reason="Work shift",
        created_at=NOW,
        created_by=alma.user,
    )
    staff = login(Client(), world.counselor_a1)
    with time_machine.travel(NOW, tick=False):
        body = staff.get(f"/delivery/sessions/{target.pk}/").content.decode()
    assert "Told us they can" in body and "Work shift" in body
