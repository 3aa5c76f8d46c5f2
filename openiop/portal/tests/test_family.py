"""The family member's portal: the program's family sessions, attendance yes/no only when
the consent includes it, each showing recorded once a day as a disclosure; and the staff
pages that keep the program's family events."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login, without_tokens
from openiop.delivery.models import AttendanceRecord, Note
from openiop.delivery.tests.factories import group_session
from openiop.intake.services import screening_record
from openiop.portal.models import AccountKind, FamilyEvent, PortalAccount
from openiop.portal.tests.helpers import make_portal_account, portal_login
from openiop.portal.tests.test_consents import family_consent
from openiop.privacy.models import Channel, Disclosure

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 11, 17, 0, tzinfo=UTC)  # Wednesday, noon in New York
NOTE_TEXT = "Talked about the custody hearing and the relapse last spring"
PHQ9_TOTAL = 19


def schedule(world: World) -> None:
    by = world.counselor_a1
    for program, title, day, extra in (
        (world.program_a1, "Family education evening", date(2026, 11, 18), {}),
        (world.program_a2, "Other program evening", date(2026, 11, 18), {}),
        (world.program_a1, "Cancelled evening", date(2026, 11, 25), {"cancelled_at": NOW}),
        (world.program_a1, "Too far evening", date(2027, 1, 13), {}),
        (world.program_a1, "Past evening", date(2026, 11, 10), {}),
        (world.program_a1, "Alma family session", date(2026, 11, 20), {"p": world.patient_a1}),
        (world.program_a2, "Bruno family session", date(2026, 11, 20), {"p": world.patient_a2}),
    ):
        starts = datetime.combine(day, time(18, 0), tzinfo=NY)
        FamilyEvent.objects.create(
            program=program,
            patient=extra.get("p"),
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=90),
            where="Room 2",
            created_by=by,
            cancelled_at=extra.get("cancelled_at"),
        )


def attendance_and_records(world: World) -> None:
    """Two sessions in the last two weeks (attended, missed), one older; a note and a PHQ-9."""
    for day, status in (
        (date(2026, 11, 4), "present"),
        (date(2026, 11, 9), "absent_unexcused"),
        (date(2026, 10, 20), "present"),
    ):
        session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=day)
        start = session.starts_at if status == "present" else None
        AttendanceRecord.objects.create(
            session=session,
            patient=world.patient_a1,
            status=status,
            check_in_at=start,
            check_out_at=session.ends_at if start else None,
            updated_at=NOW,
        )
    Note.objects.create(
        organization=world.org_a,
        kind="individual",
        format="dap",
        patient=world.patient_a1,
        service_date=date(2026, 11, 9),
        content={"data": NOTE_TEXT},
        author=world.counselor_a1,
        created_at=NOW,
        updated_at=NOW,
    )
    answers = dict.fromkeys([str(n) for n in range(1, 10)], 0)
    for i in range(PHQ9_TOTAL):
        answers[str(i % 8 + 1)] += 1
    screening_record(
        actor=world.counselor_a1, patient=world.patient_a1, instrument_id="phq9", answers=answers
    )


def family_client(world: World, data: tuple[str, ...]) -> tuple[Client, PortalAccount]:
    consent = family_consent(world.patient_a1, data=data)
    account = make_portal_account(world.patient_a1, kind=AccountKind.FAMILY, consent=consent)
    return portal_login(Client(), account), account


@time_machine.travel(NOW, tick=False)
def test_family_sees_the_programs_family_sessions_and_attendance_only(world: World) -> None:
    schedule(world)
    attendance_and_records(world)
    client, _ = family_client(world, ("attendance",))
    response = client.get("/portal/family/")
    assert response.status_code == 200
    page = without_tokens(response.content)
    assert "Alma chose to involve you" in page
    assert "Family education evening" in page and "Alma family session" in page
    assert "Wednesday 18 November, 6:00 PM" in page  # the site's time, not UTC
    for absent in (
        "Other program evening",
        "Cancelled evening",
        "Too far evening",
        "Past evening",
        "Bruno",
    ):
        assert absent not in page, absent
    assert "Wednesday 4 November: attended" in page
    assert "Monday 9 November: did not attend" in page
    assert "20 October" not in page  # older than two weeks
    assert "42 CFR part 2 prohibits unauthorized use or disclosure" in page
    # No times of arrival, no notes, no answers or scores.
    for other in ("/portal/family/", "/portal/family/learn/"):
        text = without_tokens(client.get(other).content)
        assert NOTE_TEXT not in text and "custody" not in text
        assert "PHQ" not in text and not re.search(rf"\b{PHQ9_TOTAL}\b", text)
        assert "6:00 PM: attended" not in text and "check" not in text.lower()


@time_machine.travel(NOW, tick=False)
def test_without_attendance_in_the_consent_no_attendance_is_shown(world: World) -> None:
    schedule(world)
    attendance_and_records(world)
    client, _ = family_client(world, ("demographics",))
    page = without_tokens(client.get("/portal/family/").content)
    assert "Family education evening" in page
    assert "attended" not in page and "did not attend" not in page
    assert "Group sessions in the last two weeks" not in page
    disclosure = Disclosure.objects.get()
    assert disclosure.data == ["demographics"]


@time_machine.travel(NOW, tick=False)
def test_a_consent_naming_neither_details_nor_attendance_shows_family_information_only(
    world: World,
) -> None:
    """The schedule of the patient's family sessions tells that they are in the program: it
    is shown only under a consent naming their details or attendance (and recorded)."""
    schedule(world)
    client, _ = family_client(world, ("treatment_plan",))
    page = without_tokens(client.get("/portal/family/").content)
    assert "Family education evening" not in page
    assert "information for families only" in page
    assert not Disclosure.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_family_disclosure_is_recorded_once_a_day_and_in_the_patients_accounting(
    world: World,
) -> None:
    schedule(world)
    client, account = family_client(world, ("attendance",))
    for _ in range(3):
        assert client.get("/portal/family/").status_code == 200
    assert client.get("/portal/family/learn/").status_code == 200  # no record data shown
    disclosure = Disclosure.objects.get()
    assert disclosure.channel == Channel.PORTAL and disclosure.purpose == "family"
    assert disclosure.data == ["attendance"] and disclosure.consent_id == account.consent_id
    assert disclosure.recipient_kind == "family" and disclosure.recipient_name == "Rosa Quintero"
    assert disclosure.description == "Family portal: family sessions and attendance"
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSE).count() == 1
    # The patient sees it in their accounting.
    patient = portal_login(Client(), make_portal_account(world.patient_a1))
    listing = patient.get("/portal/consents/").content.decode()
    shared = listing.split("Shared in the last 3 years")[1].split("Past consents")[0]
    assert "11 Nov 2026" in shared and "Rosa Quintero" in shared
    assert "Dates and hours attended" in shared and "Involving a family member" in shared
    # The next local day (New York) records it again, once.
    with time_machine.travel(datetime(2026, 11, 12, 15, 0, tzinfo=UTC), tick=False):
        client = portal_login(Client(), account)  # a new day, a new session
        assert client.get("/portal/family/").status_code == 200
        assert client.get("/portal/family/").status_code == 200
    assert Disclosure.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_family_account_never_reaches_patient_pages(world: World) -> None:
    client, _ = family_client(world, ("attendance",))
    for url in ("/portal/consents/", "/portal/consents/sign/", "/portal/week/", "/portal/daily/"):
        response = client.get(url)
        # Pages of other parts may not exist yet: never a 200 for a family account.
        assert response.status_code in (403, 404), url
    assert client.get("/portal/consents/").status_code == 403
    assert client.get("/portal/")["Location"] == "/portal/family/"


@time_machine.travel(NOW, tick=False)
def test_family_pages_refuse_patients_staff_and_anonymous(world: World) -> None:
    patient = portal_login(Client(), make_portal_account(world.patient_a1))
    staff = login(Client(), world.counselor_a1)
    for url in ("/portal/family/", "/portal/family/learn/"):
        before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
        assert patient.get(url).status_code == 403
        assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
        assert staff.get(url).status_code == 403
        assert Client().get(url)["Location"].startswith("/portal/login/")


@time_machine.travel(NOW, tick=False)
def test_the_education_page_lists_sources(world: World) -> None:
    client, _ = family_client(world, ("attendance",))
    page = client.get("/portal/family/learn/").content.decode()
    assert "1-800-662-4357" in page and "https://988lifeline.org" in page
    assert "tip-39-substance-use-disorder-treatment-and-family-therapy" in page


@time_machine.travel(NOW, tick=False)
def test_an_expired_consent_ends_family_access(world: World) -> None:
    client, account = family_client(world, ("attendance",))
    consent = account.consent
    assert consent is not None
    type(consent).objects.filter(pk=consent.pk).update(expires_on=date(2026, 11, 10))
    response = client.get("/portal/family/")
    assert response.status_code == 403 and b"expired on 10 Nov 2026" in response.content
    assert not Disclosure.objects.exists()


# Staff: the program's family events.

URL = "/portal-access/programs/{}/family-events/"


def add_post(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Family education evening",
        "day": "2026-11-25",
        "start": "18:00",
        "end": "19:30",
        "where": "Room 2, or https://meet.example.org/family",
    }
    data.update(overrides)
    return data


@time_machine.travel(NOW, tick=False)
def test_staff_add_and_cancel_a_family_event(world: World) -> None:
    client = login(Client(), world.counselor_a1)
    url = URL.format(world.program_a1.pk)
    assert client.get(url).status_code == 200
    bad = client.post(url, add_post(end="17:00", title="", day="2026-11-01"))
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "The end time must be after the start time." in text
    assert "Give the event a title" in text and "The date is in the past." in text
    assert not FamilyEvent.objects.exists()
    done = client.post(url, add_post())
    assert done.status_code == 302 and done["Location"] == url
    made = FamilyEvent.objects.get()
    assert made.program == world.program_a1 and made.patient is None
    assert made.starts_at == datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # 18:00 in New York
    assert AuditEvent.objects.filter(
        action=AuditAction.ADD, object_type="portal.familyevent"
    ).exists()
    assert b"Family education evening" in client.get(url).content
    cancel = client.post(f"{url}{made.pk}/cancel/")
    assert cancel.status_code == 302
    made.refresh_from_db()
    assert made.cancelled_at == NOW
    again = client.post(f"{url}{made.pk}/cancel/")
    assert again.status_code == 422 and b"already cancelled" in again.content
    # A cancelled event leaves the family portal.
    family, _ = family_client(world, ("attendance",))
    assert b"Family education evening" not in family.get("/portal/family/").content


@time_machine.travel(NOW, tick=False)
def test_staff_family_events_refuse_another_site_and_role(world: World) -> None:
    url = URL.format(world.program_a1.pk)
    other = FamilyEvent.objects.create(
        program=world.program_a2,
        title="Other",
        starts_at=NOW + timedelta(days=2),
        ends_at=NOW + timedelta(days=2, hours=1),
        where="Room 9",
        created_by=world.counselor_a2,
    )

    def denied() -> int:
        return AuditEvent.objects.filter(action=AuditAction.DENIED).count()

    before = denied()
    assert login(Client(), world.counselor_a2).get(url).status_code == 404
    assert login(Client(), world.counselor_a2).post(url, add_post()).status_code == 404
    assert login(Client(), world.counselor_b1).get(url).status_code == 404
    assert login(Client(), world.billing_a1).get(url).status_code == 403
    assert login(Client(), world.billing_a1).post(url, add_post()).status_code == 403
    assert denied() == before + 5
    # An event of another program through this program's address: 404, audited.
    counselor = login(Client(), world.counselor_a1)
    assert counselor.post(f"{url}{other.pk}/cancel/").status_code == 404
    assert denied() == before + 6
    assert (
        login(Client(), world.counselor_a2)
        .post(f"{URL.format(world.program_a1.pk)}{other.pk}/cancel/")
        .status_code
        == 404
    )
    assert not FamilyEvent.objects.filter(program=world.program_a1).exists()
    assert FamilyEvent.objects.get(pk=other.pk).cancelled_at is None
    # A portal account never reaches the staff pages.
    account = make_portal_account(world.patient_a1)
    assert portal_login(Client(), account).get(url)["Location"] == "/portal/"
    assert timezone.now() == NOW
