"""Review findings: dates far from today answer like malformed ones (never a server error), a
patient outside the staff member's scope is not named on their own appointment, the chart
tab's forms are audited when shown, and the week's export accounts for every patient."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentShortfall,
)
from openiop.appointments.tests.conftest import DAY, NAME, NY, Setup, at, client_for
from openiop.core.models import AuditEvent
from openiop.core.testing import without_tokens
from openiop.delivery.tests.factories import enrolled_patient

pytestmark = pytest.mark.django_db

DASH = "\u2013"  # the en dash between a start and an end time
OUT_OF_RANGE = "Choose a date within five years of today."
FAR_DAYS = ["9999-12-31", "0001-01-01", "2031-11-05", "2021-11-03"]
FAR_MONDAYS = ["9999-12-27", "0001-01-01", "2031-11-10", "2021-11-01"]


# --- 1. dates far from today --------------------------------------------------------------


@pytest.mark.parametrize("raw", FAR_DAYS)
def test_the_day_page_falls_back_to_today_for_a_date_far_from_it(setup: Setup, raw: str) -> None:
    answer = client_for(setup.world.counselor_a1).get("/appointments/", {"date": raw})
    assert answer.status_code == 200
    assert "Wednesday 4 November 2026" in answer.content.decode()


def test_the_day_page_still_opens_a_day_within_five_years(setup: Setup) -> None:
    for raw, shown in [("2031-11-03", "Monday 3 November 2031"), ("2021-11-05", "5 November")]:
        answer = client_for(setup.world.counselor_a1).get("/appointments/", {"date": raw})
        assert answer.status_code == 200 and shown in answer.content.decode()


@pytest.mark.parametrize("raw", [*FAR_DAYS, *FAR_MONDAYS])
def test_the_week_page_falls_back_to_this_week_for_a_date_far_from_today(
    setup: Setup, raw: str
) -> None:
    answer = client_for(setup.world.director_a).get("/appointments/week/", {"week": raw})
    assert answer.status_code == 200
    assert "week of 2 November 2026" in answer.content.decode()


@pytest.mark.parametrize("raw", FAR_DAYS)
def test_booking_on_a_day_far_from_today_is_a_field_error(setup: Setup, raw: str) -> None:
    w = setup.world
    answer = client_for(w.counselor_a1).post(
        f"/appointments/patients/{setup.patient.pk}/book/",
        {"kind": "case_management", "staff": w.counselor_a1.pk, "day": raw, "time": "10:00"},
    )
    assert answer.status_code == 422
    body = answer.content.decode()
    assert OUT_OF_RANGE in body and "id_day-errors" in body
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize("raw", FAR_DAYS)
def test_moving_to_a_day_far_from_today_is_a_field_error(setup: Setup, raw: str) -> None:
    w = setup.world
    answer = client_for(w.counselor_a1).post(
        f"/appointments/{setup.individual.pk}/move/",
        {"day": raw, "time": "10:00", "staff": w.counselor_a1.pk},
    )
    assert answer.status_code == 422
    body = answer.content.decode()
    assert OUT_OF_RANGE in body and "id_day-errors" in body
    assert Appointment.objects.get(pk=setup.individual.pk).starts_at == at(10)


@pytest.mark.parametrize("raw", FAR_MONDAYS)
def test_placing_a_week_far_from_today_is_refused(setup: Setup, raw: str) -> None:
    answer = client_for(setup.world.director_a).post("/appointments/week/place/", {"week": raw})
    assert answer.status_code == 422 and OUT_OF_RANGE in answer.content.decode()
    assert not DBTaskResult.objects.exists()


def test_attendance_of_an_appointment_far_from_today_is_refused(setup: Setup) -> None:
    w = setup.world
    last_day = date(9999, 12, 31)
    a = Appointment.objects.create(
        organization=w.org_a,
        patient=setup.patient,
        staff=w.counselor_a1,
        type=setup.types["individual"],
        kind=AppointmentKind.INDIVIDUAL,
        site=w.site_a1,
        week_start=last_day - timedelta(days=last_day.weekday()),
        starts_at=datetime.combine(last_day, time(10), tzinfo=NY),
        ends_at=datetime.combine(last_day, time(11), tzinfo=NY),
        source="staff",
        created_at=at(8),
    )
    answer = client_for(w.counselor_a1).post(
        f"/appointments/{a.pk}/attendance/",
        {
            "attendance": "present",
            "check_in": "10:00",
            "check_out": "23:30",
            "modality": "in_person",
        },
    )
    assert answer.status_code == 422 and OUT_OF_RANGE in answer.content.decode()
    a.refresh_from_db()
    assert (a.attendance, a.check_in_at, a.check_out_at) == ("", None, None)


def run_week(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("week", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("monday", FAR_MONDAYS)
def test_the_export_refuses_a_week_far_from_today(setup: Setup, monday: str) -> None:
    code, out, err = run_week(
        "export", "--week", monday, "--json", "--organization", str(setup.world.org_a.pk)
    )
    assert code == 2 and out == ""
    assert "--week must be within five years of today" in err
    assert not AuditEvent.objects.filter(action="export").exists()


# --- 2. a patient outside the staff member's scope ----------------------------------------


def test_the_staff_member_sees_the_time_but_not_who_when_the_patient_is_outside_their_sites(
    setup: Setup,
) -> None:
    w = setup.world
    # patient_a2 is registered at site A2 of the same organization, outside counselor_a1's.
    theirs = Appointment.objects.create(
        organization=w.org_a,
        patient=w.patient_a2,
        staff=w.counselor_a1,
        type=setup.types["individual"],
        kind=AppointmentKind.INDIVIDUAL,
        site=w.site_a2,
        week_start=DAY - timedelta(days=DAY.weekday()),
        starts_at=at(16),
        ends_at=at(17),
        source="staff",
        created_at=at(8),
    )
    c = client_for(w.counselor_a1)
    hidden = (w.patient_a2.last_name, w.patient_a2.first_name, w.patient_a2.mrn)

    detail = c.get(f"/appointments/{theirs.pk}/")
    body = without_tokens(detail.content.decode())
    assert detail.status_code == 200 and f"16:00{DASH}17:00" in body
    assert "A patient (outside your sites)" in body
    assert not any(word in body for word in hidden)

    day = without_tokens(c.get("/appointments/", {"who": "mine"}).content.decode())
    assert f"16:00{DASH}17:00 A patient (outside your sites)" in day
    assert not any(word in day for word in hidden)
    assert f"10:00{DASH}11:00 {NAME}, Ada" in day  # a patient in scope is still named

    today = c.get("/delivery/today/", {"date": DAY.isoformat()})
    section = without_tokens(today.content.decode()).split("<h2>My appointments</h2>")[1]
    section = section.split("<h2>")[0]
    assert today.status_code == 200 and f"16:00{DASH}17:00" in section
    assert "a patient (outside your sites)" in section.lower()
    assert not any(word in section for word in hidden)
    assert f"{NAME}, Ada" in section


# --- 3. the chart tab's forms are audited when shown --------------------------------------


@pytest.mark.parametrize(
    ("page", "role"), [("primary", "intake_a1"), ("telehealth", "frontdesk_a1")]
)
def test_the_chart_tab_forms_record_one_view_when_shown(setup: Setup, page: str, role: str) -> None:
    before = AuditEvent.objects.filter(action="view", patient_id_value=setup.patient.pk).count()
    answer = client_for(getattr(setup.world, role)).get(
        f"/appointments/patients/{setup.patient.pk}/{page}/"
    )
    assert answer.status_code == 200
    views = AuditEvent.objects.filter(action="view", patient_id_value=setup.patient.pk)
    assert views.count() == before + 1
    event = views.order_by("-seq").first()
    assert event is not None and event.part2


# --- 4. the week's export accounts for every patient --------------------------------------


def test_a_large_export_names_every_patient_in_the_audit_trail(setup: Setup) -> None:
    w = setup.world
    monday = DAY - timedelta(days=DAY.weekday())
    # Ids of seven digits, as in a database that has been in use for years.
    patients = [
        enrolled_patient(w.track_a1, id=1_000_000 + i, last_name=f"Many{i:03d}") for i in range(120)
    ]
    AppointmentShortfall.objects.bulk_create(
        [
            AppointmentShortfall(
                organization=w.org_a,
                week_start=monday,
                patient=p,
                kind=AppointmentKind.INDIVIDUAL,
                code="no_primary",
                reason="No primary counselor is assigned to this patient.",
                created_at=at(6),
            )
            for p in patients
        ]
    )
    code, _, _ = run_week(
        "export", "--week", monday.isoformat(), "--json", "--organization", str(w.org_a.pk)
    )
    assert code == 0
    events = list(AuditEvent.objects.filter(action="export").order_by("seq"))
    assert len(events) > 1  # 120 ids of seven digits do not fit in one detail
    expected = {p.pk for p in patients} | {setup.patient.pk}  # and the setup's appointments'
    named: list[int] = []
    for n, event in enumerate(events, start=1):
        assert event.part2 and event.organization_id_value == w.org_a.pk
        assert len(event.detail) <= 500
        assert f"(part {n} of {len(events)})" in event.detail
        found = re.search(r"ids: ([\d,]+)$", event.detail)
        assert found is not None, event.detail
        named += [int(i) for i in found.group(1).split(",")]
    assert sorted(named) == sorted(expected)  # every id once, none cut off


def test_today_far_dates_are_refused_not_a_server_error(setup: Setup) -> None:
    for raw in ("9999-12-31", "0001-01-01"):
        response = client_for(setup.world.counselor_a1).get(f"/delivery/today/?date={raw}")
        assert response.status_code == 404
