"""Appointments where the rest of the program meets them: the staff member's day, the weekly
hours (program policy: only types that count toward hours), the calendar feeds and the
patient's "My week"."""

from __future__ import annotations

import secrets
import types
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, include, path, reverse

from openiop.accounts.models import User
from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentSource,
    AppointmentStatus,
    AppointmentType,
    Attendance,
    Credential,
    Modality,
    VideoService,
)
from openiop.appointments.planning import monday_of
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, World, login
from openiop.delivery import weekly
from openiop.delivery.compliance_report import compliance_report
from openiop.delivery.hours import week_compliance
from openiop.delivery.models import AttendanceRecord, AttendanceStatus
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session, room_at
from openiop.domain.compliance import Billing
from openiop.organization.models import Program
from openiop.patients.models import Enrollment, Patient
from openiop.portal.models import AccountKind
from openiop.portal.tests.helpers import make_portal_account, portal_login
from openiop.privacy.models import Consent
from openiop.scheduling import services as scheduling_services

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 11, 2)  # New York fell back on Sunday 1 November 2026
DAY = date(2026, 11, 4)  # a Wednesday
NOW = datetime.combine(DAY, time(20, 30), tzinfo=NY)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def appointment_type(
    patient: Patient, kind: str = AppointmentKind.INDIVIDUAL, *, counts: bool = True
) -> AppointmentType:
    """The program's type of this kind (one per program and kind), its policy set to `counts`."""
    enrolment = Enrollment.objects.filter(patient=patient).select_related("track").first()
    program = (
        enrolment.track.program
        if enrolment is not None
        else patient.program or Program.objects.filter(site=patient.site).order_by("pk").first()
    )
    assert program is not None
    credential = (
        Credential.PRESCRIBER
        if kind in (AppointmentKind.MEDICATION, AppointmentKind.PSYCHIATRIC_EVALUATION)
        else Credential.COUNSELOR
    )
    row, _ = AppointmentType.objects.update_or_create(
        program=program,
        track=None,
        kind=kind,
        defaults={
            "organization_id": patient.organization_id,
            "credential": credential,
            "counts_toward_hours": counts,
        },
    )
    return row


def make_appointment(
    patient: Patient,
    staff: User,
    *,
    starts_at: datetime,
    minutes: int = 60,
    kind: str = AppointmentKind.INDIVIDUAL,
    counts: bool = True,
    telehealth: bool = False,
    status: str = AppointmentStatus.SCHEDULED,
    attendance: str = "",
    check_in: datetime | None = None,
    check_out: datetime | None = None,
) -> Appointment:
    """An appointment written straight to the table (the booking rules are the service's)."""
    zone = ZoneInfo(patient.site.timezone)
    present = attendance in (Attendance.PRESENT, Attendance.LATE, Attendance.LEFT_EARLY)
    return Appointment.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        staff=staff,
        type=appointment_type(patient, kind, counts=counts),
        kind=kind,
        site=patient.site,
        telehealth=telehealth,
        video_key=secrets.token_urlsafe(12) if telehealth else "",
        week_start=monday_of(starts_at.astimezone(zone).date()),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
        source=AppointmentSource.STAFF,
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
        attendance=attendance,
        modality=(Modality.VIDEO if telehealth else Modality.IN_PERSON) if present else "",
        check_in_at=check_in,
        check_out_at=check_out,
    )


def attended_group(world: World, patient: Patient, day: date = DAY, hours: float = 2) -> Any:
    """A published group of `hours` at 18:00 on `day` that the patient attended in full."""
    session = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=day, hours=hours
    )
    assign(session, patient)
    AttendanceRecord.objects.create(
        session=session,
        patient=patient,
        status=AttendanceStatus.PRESENT,
        check_in_at=session.starts_at - timedelta(minutes=5),
        check_out_at=session.ends_at + timedelta(minutes=5),
        updated_at=session.ends_at,
    )
    return session


def week_of(patient: Patient, as_of: datetime | None = None) -> Any:
    return week_compliance(
        organization_id=patient.organization_id,
        week_start=MONDAY,
        as_of=as_of,
        patients=Patient.objects.filter(pk=patient.pk),
    ).results[patient.pk]


def day_minutes(week: Any, day: date = DAY) -> int:
    return int(next(d.minutes for d in week.days if d.day == day))


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def detail_page(settings: Any) -> None:
    """The appointment's page the day links to: the real one when it is installed, else a
    placeholder for this test run only."""
    try:
        reverse("appointments:detail", args=[1])
        return
    except NoReverseMatch:
        pass
    from openiop.config import urls as real

    def placeholder(request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse(f"appointment {pk}")

    detail = [path("<id:pk>/", placeholder, name="detail")]
    module = types.ModuleType("appointments_placeholder_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        *real.urlpatterns,
        path("appointments/", include((detail, "appointments"))),
    ]
    settings.ROOT_URLCONF = module


# --- the weekly hours -----------------------------------------------------------------


def test_a_two_hour_group_and_a_counting_one_hour_session_make_a_three_hour_day(
    world: World, clock: Any
) -> None:
    patient = enrolled_patient(world.track_a1, last_name="Hourz")
    attended_group(world, patient)
    make_appointment(
        patient,
        world.counselor_a1,
        starts_at=at(DAY, 10),
        attendance=Attendance.PRESENT,
        check_in=at(DAY, 9, 55),  # only the check-in is known: the whole hour counts
    )
    week = week_of(patient)
    assert day_minutes(week) == 180 and week.attended_minutes == 180
    day = next(d for d in week.days if d.day == DAY)
    assert day.meets_daily_minimum and day.billing is Billing.PER_DIEM
    # The same figures on every page that computes the week: the week page's row, the
    # patient's weeks (chart) and the compliance report (command and task).
    row = weekly.rows_for(world.counselor_a1, MONDAY, [patient.pk], as_of=NOW)[patient.pk]
    assert row.attended == "3.0" and row.per_diem_days == 1
    together = weekly.patient_weeks(patient, [MONDAY - timedelta(days=7), MONDAY], as_of=NOW)
    assert together.results[MONDAY] == week_of(patient, NOW)
    report = compliance_report(
        week_start=MONDAY, as_of=None, organizations=[world.org_a], source="test"
    )
    mine = next(r for r in report["patients"] if r["patient"] == patient.pk)
    assert next(d for d in mine["days"] if d["day"] == DAY.isoformat())["hours"] == 3.0
    # The track's figures on the week page stay the groups' own.
    track = next(t for t in weekly.week_report(world.counselor_a1, MONDAY, as_of=NOW).tracks)
    assert track.minutes == 120 and track.attended == 1


def test_without_the_policy_the_same_day_is_two_hours(world: World, clock: Any) -> None:
    patient = enrolled_patient(world.track_a1, last_name="Hourz")
    attended_group(world, patient)
    make_appointment(
        patient,
        world.counselor_a1,
        starts_at=at(DAY, 10),
        counts=False,
        attendance=Attendance.PRESENT,
        check_in=at(DAY, 10),
    )
    week = week_of(patient)
    assert day_minutes(week) == 120
    assert next(d for d in week.days if d.day == DAY).billing is not Billing.PER_DIEM
    together = weekly.patient_weeks(patient, [MONDAY], as_of=NOW)
    assert day_minutes(together.results[MONDAY]) == 120


@pytest.mark.parametrize(
    ("attendance", "status"),
    [
        (Attendance.ABSENT, AppointmentStatus.SCHEDULED),
        (Attendance.EXCUSED, AppointmentStatus.SCHEDULED),
        (Attendance.NONE, AppointmentStatus.SCHEDULED),
        (Attendance.PRESENT, AppointmentStatus.CANCELLED),
    ],
)
def test_a_no_show_an_unrecorded_or_a_cancelled_appointment_counts_nothing(
    world: World, clock: Any, attendance: str, status: str
) -> None:
    patient = enrolled_patient(world.track_a1, last_name="Hourz")
    attended_group(world, patient)
    present = attendance == Attendance.PRESENT
    make_appointment(
        patient,
        world.counselor_a1,
        starts_at=at(DAY, 10),
        status=status,
        attendance=attendance,
        check_in=at(DAY, 10) if present else None,
    )
    week = week_of(patient)
    assert day_minutes(week) == 120
    assert not any("unexcused" in reason for reason in week.reasons)
    assert day_minutes(weekly.patient_weeks(patient, [MONDAY], as_of=NOW).results[MONDAY]) == 120


def test_appointment_minutes_are_clipped_like_a_groups(world: World, clock: Any) -> None:
    patient = enrolled_patient(world.track_a1, last_name="Hourz")
    make_appointment(
        patient,
        world.counselor_a1,
        starts_at=at(DAY, 10),
        attendance=Attendance.LATE,
        check_in=at(DAY, 10, 20),  # late: from the check-in to the end
    )
    make_appointment(
        patient,
        world.counselor_a1,
        starts_at=at(DAY, 13),
        attendance=Attendance.LEFT_EARLY,
        check_in=at(DAY, 12, 50),  # clipped to the start
        check_out=at(DAY, 13, 30),
    )
    make_appointment(
        patient,
        world.counselor_a1,
        starts_at=at(MONDAY, 23, 30),  # runs past midnight: each part on its local day
        attendance=Attendance.PRESENT,
        check_in=at(MONDAY, 23, 30),
        check_out=at(MONDAY + timedelta(days=1), 1),
    )
    week = week_of(patient)
    assert day_minutes(week) == 40 + 30
    assert day_minutes(week, MONDAY) == 30
    assert day_minutes(week, MONDAY + timedelta(days=1)) == 30


def test_the_week_reads_appointments_in_one_query_however_many(world: World, clock: Any) -> None:
    patients = [enrolled_patient(world.track_a1, last_name=f"Many{i}") for i in range(2)]

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            week_compliance(organization_id=world.org_a.pk, week_start=MONDAY, as_of=NOW)
        return len(ctx.captured_queries)

    def chart_queries(patient: Patient) -> int:
        with CaptureQueriesContext(connection) as ctx:
            weekly.patient_weeks(patient, [MONDAY - timedelta(days=7), MONDAY], as_of=NOW)
        return len(ctx.captured_queries)

    make_appointment(
        patients[0],
        world.counselor_a1,
        starts_at=at(DAY, 9),
        attendance=Attendance.PRESENT,
        check_in=at(DAY, 9),
    )
    small, small_chart = queries(), chart_queries(patients[0])
    for patient in patients:
        for d in range(5):
            make_appointment(
                patient,
                world.counselor_a1,
                starts_at=at(MONDAY + timedelta(days=d), 11),
                attendance=Attendance.PRESENT,
                check_in=at(MONDAY + timedelta(days=d), 11),
            )
    assert queries() == small
    assert chart_queries(patients[0]) == small_chart
    assert week_of(patients[1]).attended_minutes == 5 * 60


# --- the staff member's day -----------------------------------------------------------


def _today(client: Client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/delivery/today/", {"date": DAY.isoformat()})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_today_lists_my_appointments_with_a_link_and_names_only_patients_i_may_see(
    world: World, clock: Any, detail_page: None
) -> None:
    mine = enrolled_patient(world.track_a1, first_name="Nadia", last_name="Seeable")
    elsewhere = Patient.objects.get(pk=world.patient_a2.pk)  # site A2: not counselor A1's
    visit = make_appointment(
        mine,
        world.counselor_a1,
        starts_at=at(DAY, 10),
        attendance=Attendance.PRESENT,
        check_in=at(DAY, 10),
    )
    video = make_appointment(
        elsewhere,
        world.counselor_a1,
        starts_at=at(DAY, 14),
        kind=AppointmentKind.CASE_MANAGEMENT,
        telehealth=True,
    )
    make_appointment(mine, world.counselor_a2, starts_at=at(DAY, 16, 30))  # someone else's
    make_appointment(mine, world.counselor_a1, starts_at=at(DAY + timedelta(days=1), 10))
    _, body = _today(login(Client(), world.counselor_a1))
    section = body.split("<h2>My appointments</h2>")[1].split("<h2>")[0]
    assert "Individual counselling" in section and "Case management" in section
    assert "Seeable, Nadia" in section and "Attended" in section and "in person" in section
    assert "a patient" in section and world.patient_a2.last_name not in body
    assert "video" in section and "attendance not recorded yet" in section
    assert "10:00" in section and "14:00" in section and "16:30" not in section
    assert section.count("<li") == 2
    assert f'href="{reverse("appointments:detail", args=[visit.pk])}"' in section
    assert f'href="{reverse("appointments:detail", args=[video.pk])}"' in section
    event = AuditEvent.objects.filter(action="query", detail__startswith="my appointments").get()
    assert event.detail.endswith(f"shown ids: {mine.pk}")


def test_today_is_my_day_even_for_a_director_who_sees_everyone(
    world: World, clock: Any, detail_page: None
) -> None:
    patient = enrolled_patient(world.track_a1, last_name="Seeable")
    make_appointment(patient, world.counselor_a1, starts_at=at(DAY, 10))
    _, body = _today(login(Client(), world.director_a))
    section = body.split("<h2>My appointments</h2>")[1].split("<h2>")[0]
    assert "No appointments with you on this day." in section and "Seeable" not in section


def test_today_keeps_its_queries_however_many_appointments(
    world: World, clock: Any, detail_page: None
) -> None:
    patients = [enrolled_patient(world.track_a1, last_name=f"Count{i}") for i in range(6)]
    make_appointment(patients[0], world.counselor_a1, starts_at=at(DAY, 8))
    client = login(Client(), world.counselor_a1)
    _today(client)  # warm per-user lookups
    one, _ = _today(client)
    for i, patient in enumerate(patients[1:], start=1):
        make_appointment(
            patient,
            world.counselor_a1,
            starts_at=at(DAY, 8 + i),
            telehealth=bool(i % 2),
            attendance=Attendance.PRESENT if i % 3 else "",
            check_in=at(DAY, 8 + i) if i % 3 else None,
        )
    make_appointment(patients[0], world.counselor_a1, starts_at=at(DAY, 16), kind="family")
    many, body = _today(client)
    assert many == one
    assert body.count("Count") == 7


# --- calendar feeds -------------------------------------------------------------------


def _feed(client: Client, raw: str) -> tuple[list[Any], str]:
    response = client.get(f"/public/calendar/{raw}.ics")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT")), response.content.decode()


def test_a_patients_feed_adds_their_appointments_with_no_clinical_detail(
    client: Client, world: World, clock: Any
) -> None:
    patient = enrolled_patient(world.track_a1, last_name="Feedly")
    room = room_at(world.site_a1)
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY, room=room)
    assign(session, patient)
    make_appointment(patient, world.counselor_a1, starts_at=at(DAY, 10))
    video = make_appointment(
        patient,
        world.counselor_a2,
        starts_at=at(DAY + timedelta(days=1), 10),
        kind=AppointmentKind.MEDICATION,
        telehealth=True,
    )
    make_appointment(
        patient,
        world.counselor_a1,
        starts_at=at(DAY + timedelta(days=2), 10),
        kind=AppointmentKind.PSYCHIATRIC_EVALUATION,
        status=AppointmentStatus.CANCELLED,
    )
    other = enrolled_patient(world.track_a1, last_name="Otherone")
    make_appointment(other, world.counselor_a1, starts_at=at(DAY, 12))
    VideoService.objects.create(
        organization=world.org_a, url_template="https://meet.example.org/v-{key}"
    )
    _, raw = scheduling_services.calendar_token_create(actor=world.counselor_a1, patient=patient)
    events, text = _feed(client, raw)
    assert [(str(e["SUMMARY"]), str(e["LOCATION"])) for e in events] == [
        ("Appointment", "A1"),
        ("Group session", f"{room.name}, A1"),
        ("Video appointment", "Online"),
    ]
    first = events[0]["DTSTART"].dt
    assert first.tzinfo == NY and first.hour == 10
    assert (events[0]["DTEND"].dt - first).total_seconds() == 3600
    for secret in (
        "Individual",
        "counselling",
        "Medication",
        "medication",
        "Psychiatric",
        "Otherone",
        "Feedly",
        world.counselor_a2.display_name,
        video.video_key,
        "meet.example.org",
        "openiop",
        "OpenIOP",
    ):
        assert secret not in text, secret


def test_a_staff_feed_adds_their_own_appointments_without_patients(
    client: Client, world: World, clock: Any
) -> None:
    patient = enrolled_patient(world.track_a1, first_name="Wanda", last_name="Nameless")
    make_appointment(patient, world.counselor_a1, starts_at=at(DAY, 10), kind="family")
    make_appointment(patient, world.counselor_a2, starts_at=at(DAY, 11))
    _, raw = scheduling_services.calendar_token_create(
        actor=world.counselor_a1, owner=world.counselor_a1
    )
    events, text = _feed(client, raw)
    assert [str(e["SUMMARY"]) for e in events] == ["Appointment"]
    assert "Nameless" not in text and "Wanda" not in text and "Family" not in text


# --- the patient's week in the portal -------------------------------------------------


PORTAL_MONDAY = date(2026, 11, 9)
PORTAL_NOW = datetime(2026, 11, 10, 12, 0, tzinfo=NY)  # Tuesday noon


@pytest.fixture
def portal_clock() -> Iterator[Any]:
    with time_machine.travel(PORTAL_NOW, tick=False) as traveller:
        yield traveller


def test_my_week_shows_appointments_beside_groups_with_the_video_link_only_near_the_time(
    client: Client, world: World, portal_clock: Any
) -> None:
    EnrollmentFactory.create(
        patient=world.patient_a1, track=world.track_a1, starts_on=date(2026, 1, 1)
    )
    account = make_portal_account(world.patient_a1)
    session = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=PORTAL_MONDAY + timedelta(days=2)
    )
    assign(session, world.patient_a1)
    VideoService.objects.create(
        organization=world.org_a, url_template="https://meet.example.org/v-{key}"
    )
    soon = make_appointment(
        world.patient_a1,
        world.counselor_a2,
        starts_at=PORTAL_NOW + timedelta(minutes=10),
        kind=AppointmentKind.MEDICATION,
        telehealth=True,
    )
    later = make_appointment(
        world.patient_a1,
        world.counselor_a1,
        starts_at=at(PORTAL_MONDAY + timedelta(days=3), 15),
        telehealth=True,
    )
    make_appointment(
        world.patient_a1,
        world.counselor_a1,
        starts_at=at(PORTAL_MONDAY + timedelta(days=8), 9),
        kind=AppointmentKind.FAMILY,
    )
    make_appointment(
        world.patient_a1,
        world.counselor_a1,
        starts_at=at(PORTAL_MONDAY + timedelta(days=4), 9),
        kind=AppointmentKind.CASE_MANAGEMENT,
        status=AppointmentStatus.CANCELLED,
    )
    other = enrolled_patient(world.track_a1, last_name="Otherone")
    make_appointment(other, world.counselor_a1, starts_at=at(PORTAL_MONDAY + timedelta(days=1), 9))
    body = portal_login(client, account).get("/portal/week/").content.decode()
    this_week, next_week = body.split("Next week")
    assert "SUD A1" in this_week and "Appointments" in this_week
    assert "Medication management" in this_week and "12:10 pm" in this_week
    assert f"with {world.counselor_a2.display_name}" in this_week
    assert (
        f'href="https://meet.example.org/v-{soon.video_key}"' in this_week and "Join" in this_week
    )
    assert later.video_key not in body
    assert "The link appears 15 minutes before the start." in this_week
    assert "Case management" not in body and "Wednesday 11 November" in this_week
    assert "Family therapy" in next_week and "in person" in next_week
    assert this_week.count('id="appointment-') == 2


def test_the_join_link_shows_until_the_end_and_not_after(
    client: Client, world: World, portal_clock: Any
) -> None:
    EnrollmentFactory.create(
        patient=world.patient_a1, track=world.track_a1, starts_on=date(2026, 1, 1)
    )
    account = make_portal_account(world.patient_a1)
    VideoService.objects.create(
        organization=world.org_a, url_template="https://meet.example.org/v-{key}"
    )
    visit = make_appointment(
        world.patient_a1,
        world.counselor_a1,
        starts_at=PORTAL_NOW + timedelta(minutes=16),
        telehealth=True,
    )
    link = f"https://meet.example.org/v-{visit.video_key}"

    def page() -> str:
        # Signed in afresh at each moment: an idle portal session ends on its own.
        response = portal_login(Client(), account).get("/portal/week/")
        assert response.status_code == 200
        return str(response.content.decode())

    assert link not in page()
    portal_clock.shift(timedelta(minutes=1))  # 15 minutes before
    assert link in page()
    portal_clock.shift(timedelta(minutes=75))  # at the end
    assert link in page()
    portal_clock.shift(timedelta(minutes=1))
    after = page()
    assert link not in after and "This video visit has ended." in after


def test_the_family_view_shows_no_appointments(
    client: Client, world: World, portal_clock: Any
) -> None:
    EnrollmentFactory.create(
        patient=world.patient_a1, track=world.track_a1, starts_on=date(2026, 1, 1)
    )
    consent = Consent.objects.create(
        organization=world.org_a,
        patient=world.patient_a1,
        kind="named",
        disclosing_party=world.org_a.name,
        recipient_kind="family",
        recipient_name="Rosa Example",
        purpose="family",
        data=["attendance", "demographics"],
        expires_on=PORTAL_MONDAY + timedelta(days=90),
        signer_name="Patient",
        signer_relation="patient",
        signed_on=PORTAL_MONDAY - timedelta(days=3),
        signature_method="screen",
        recorded_by=world.counselor_a1,
        recorded_at=PORTAL_NOW,
    )
    family = make_portal_account(world.patient_a1, kind=AccountKind.FAMILY, consent=consent)
    make_appointment(
        world.patient_a1,
        world.counselor_a1,
        starts_at=PORTAL_NOW + timedelta(days=1),
        kind=AppointmentKind.FAMILY,
    )
    client = portal_login(client, family)
    home = client.get("/portal/family/")
    assert home.status_code == 200
    text = home.content.decode()
    assert "Family therapy" not in text and "Appointment" not in text
    assert client.get("/portal/week/").status_code in (302, 403, 404)


def test_appointment_minutes_inside_the_patients_group_count_once() -> None:
    """A booking that a later schedule of groups overlaps: only the minutes outside the group
    count (the longest part), and one wholly inside a group counts nothing."""
    from datetime import UTC, datetime

    from openiop.delivery.hours import AppointmentRow, outside_groups
    from openiop.domain import compliance as dc

    def at(h: int, m: int = 0) -> datetime:
        return datetime(2026, 11, 4, h, m, tzinfo=UTC)

    present = dc.AttendanceStatus.PRESENT
    rows = [
        AppointmentRow(1, 7, at(17), at(18, 30), present, at(17), at(18, 30)),  # 18:00 group
        AppointmentRow(2, 7, at(19), at(20), present, at(19), at(20)),  # inside the group
        AppointmentRow(3, 8, at(19), at(20), present, at(19), at(20)),  # another patient
    ]
    kept = outside_groups(rows, {7: [(at(18), at(21))]})
    assert [(r.id, r.starts_at, r.ends_at) for r in kept] == [
        (1, at(17), at(18)),
        (3, at(19), at(20)),
    ]
