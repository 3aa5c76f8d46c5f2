"""The week page and the chart's attendance tab stay light as the program grows: the week
page shows counts and the patients who need action, every other list loads on demand a page
at a time (fragments refused like the pages they come from), the chart computes its weeks in
one pass; a fixed number of queries and a page size that does not grow with patients."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, login
from openiop.delivery import services, weekly
from openiop.delivery.hours import week_compliance
from openiop.delivery.models import AttendanceRecord, LeaveOfAbsence, StepDownAllowance
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.patients.models import Enrollment, Patient
from openiop.scheduling.models import SessionAssignment

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 4)  # a Wednesday
MONDAY = date(2026, 11, 2)
NOW = datetime.combine(DAY, time(12, 0), tzinfo=NY)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def seed(world: Any, count: int, sessions: list[Any], offset: int = 0) -> list[Patient]:
    """`count` patients of site A1 enrolled in track A1, on every one of `sessions`, fast."""
    patients = Patient.objects.bulk_create(
        [
            PatientFactory.build(
                site=world.site_a1,
                organization=world.org_a,
                program=world.program_a1,
                first_name=f"Seed{offset + i}",
                last_name=f"Lightweight{offset + i:04d}",
                mrn=f"9{offset + i:06d}",
            )
            for i in range(count)
        ]
    )
    Enrollment.objects.bulk_create(
        [
            EnrollmentFactory.build(
                patient=p,
                track=world.track_a1,
                starts_on=date(2026, 1, 1),
                required_weekly_hours=Decimal("9"),
            )
            for p in patients
        ]
    )
    for session in sessions:
        assign(session, *patients)
    return patients


def week_sessions(world: Any) -> list[Any]:
    """Monday's session (past) and Friday's (still to come) of track A1."""
    return [
        group_session(track=world.track_a1, counselor=world.counselor_a1, day=day)
        for day in (MONDAY, MONDAY + timedelta(days=4))
    ]


def fetch(client: Client, url: str, **params: Any) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response.content


# --- the week page --------------------------------------------------------------------


def test_week_page_keeps_its_queries_and_size_as_patients_grow(world: Any, clock: Any) -> None:
    sessions = week_sessions(world)
    seed(world, 5, sessions)
    client = login(Client(), world.counselor_a1)
    url = reverse("delivery:week")
    client.get(url)  # warm per-session lookups
    small_queries, _ = fetch(client, url)
    seed(world, 295, sessions, offset=5)
    large_queries, large = fetch(client, url)
    seed(world, 300, sessions, offset=300)
    double_queries, double = fetch(client, url)
    assert small_queries == large_queries == double_queries
    assert len(large) < 200_000 and len(double) < 200_000
    assert len(double) - len(large) < 500  # only the counts' digits may grow
    assert b"Lightweight0599" not in double  # one page of those needing action, by name
    assert b"Short: 0" in double or b"At risk: 600" in double or b": 600" in double


def test_week_page_lists_the_first_page_of_patients_needing_action(world: Any, clock: Any) -> None:
    sessions = week_sessions(world)
    seed(world, 30, sessions)
    client = login(Client(), world.counselor_a1)
    body = client.get(reverse("delivery:week")).content.decode()
    action = body.split("<h2>Patients at risk</h2>")[1].split("<h2")[0]
    assert action.count("Lightweight") == 25 and "Page 1 of 2" in action
    assert "Lightweight0000" in action and "Lightweight0029" not in action
    assert "Sessions by day" in body and "Show the sessions of Monday" in body
    event = AuditEvent.objects.filter(action="query", username="counselor_a1").latest("pk")
    assert event.detail.count(",") == 24  # the 25 ids shown, not all 30


def test_each_list_of_the_week_pages_through_its_patients_and_audits_them(
    world: Any, clock: Any
) -> None:
    sessions = week_sessions(world)
    patients = seed(world, 30, sessions)
    client = login(Client(), world.counselor_a1)
    url = reverse("delivery:week_patients")
    second = client.get(url, {"status": "action", "page": "2"}, HTTP_HX_REQUEST="true")
    body = second.content.decode()
    assert second.status_code == 200 and "<html" not in body
    assert body.count("Lightweight") == 5 and "Page 2 of 2" in body
    event = AuditEvent.objects.filter(action="query", username="counselor_a1").latest("pk")
    assert str(patients[-1].pk) in event.detail and str(patients[0].pk) not in event.detail
    everyone = client.get(url, {"status": "all"}).content.decode()  # a page without htmx
    assert "<html" in everyone and "Every patient" in everyone
    bad = client.get(url, {"status": "nobody"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and b"no such list" in bad.content


def test_a_days_sessions_and_a_sessions_patients_load_on_demand(world: Any, clock: Any) -> None:
    sessions = week_sessions(world)
    patients = seed(world, 30, sessions)
    clock.move_to(sessions[0].starts_at + timedelta(minutes=5))  # during Monday's session
    services.attendance_check_in(actor=world.counselor_a1, session=sessions[0], patient=patients[0])
    clock.move_to(NOW)
    client = login(Client(), world.counselor_a1)
    day = client.get(
        reverse("delivery:week_day"), {"day": MONDAY.isoformat()}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "30 on the roster" in day and "1 checked in" in day and "Lightweight" not in day
    url = reverse("delivery:week_session", args=[sessions[0].pk])
    first = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert first.count("Lightweight") == 25 and "Page 1 of 2" in first
    second = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert second.count("Lightweight") == 5
    event = AuditEvent.objects.filter(action="query", username="counselor_a1").latest("pk")
    assert str(patients[29].pk) in event.detail
    bad = client.get(reverse("delivery:week_day"), {"day": "soon"})
    assert bad.status_code == 400


def test_fragments_keep_their_queries_as_patients_grow(world: Any, clock: Any) -> None:
    sessions = week_sessions(world)
    seed(world, 5, sessions)
    client = login(Client(), world.counselor_a1)
    urls = [
        (reverse("delivery:week_patients"), {"status": "all"}),
        (reverse("delivery:week_day"), {"day": MONDAY.isoformat()}),
        (reverse("delivery:week_session", args=[sessions[0].pk]), {}),
    ]
    client.get(urls[0][0], urls[0][1])
    before = [fetch(client, url, **params)[0] for url, params in urls]
    seed(world, 40, sessions, offset=5)
    after = [fetch(client, url, **params)[0] for url, params in urls]
    assert before == after


def test_a_sessions_patients_are_refused_to_another_site_and_organization(
    world: Any, clock: Any
) -> None:
    sessions = week_sessions(world)
    seed(world, 3, sessions)
    url = reverse("delivery:week_session", args=[sessions[0].pk])
    for intruder in ("counselor_a2", "counselor_b1"):
        response = login(Client(), getattr(world, intruder)).get(url)
        assert response.status_code == 404 and b"Lightweight" not in response.content
        assert AuditEvent.objects.filter(action="denied", username=intruder).count() == 1


def test_a_role_without_attendance_is_refused_every_fragment(world: Any, clock: Any) -> None:
    sessions = week_sessions(world)
    seed(world, 3, sessions)
    client = login(Client(), world.peer_a1)
    urls = [
        (reverse("delivery:week_patients"), {"status": "all"}),
        (reverse("delivery:week_day"), {"day": MONDAY.isoformat()}),
        (reverse("delivery:week_session", args=[sessions[0].pk]), {}),
    ]
    for url, params in urls:
        response = client.get(url, params)
        assert response.status_code == 403 and b"Lightweight" not in response.content
    assert AuditEvent.objects.filter(action="denied", username="peer_a1").count() == len(urls)


def test_other_organizations_lists_show_none_of_these_patients(world: Any, clock: Any) -> None:
    sessions = week_sessions(world)
    seed(world, 3, sessions)
    client = login(Client(), world.counselor_b1)
    for url, params in (
        (reverse("delivery:week"), {}),
        (reverse("delivery:week_patients"), {"status": "all"}),
        (reverse("delivery:week_day"), {"day": MONDAY.isoformat()}),
    ):
        response = client.get(url, params)
        assert response.status_code == 200 and b"Lightweight" not in response.content


# --- the chart's attendance tab --------------------------------------------------------


def _history(world: Any, patient: Patient, weeks: int) -> list[Any]:
    """A session a week for `weeks` weeks up to this one, attended, plus Friday's."""
    made = []
    for back in range(weeks):
        day = MONDAY - timedelta(weeks=back)
        session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=day)
        assign(session, patient)
        if day < DAY:
            start = datetime.combine(day, time(18, 0), tzinfo=NY)
            AttendanceRecord.objects.create(
                session=session,
                patient=patient,
                status="present",
                check_in_at=start,
                check_out_at=start + timedelta(hours=3),
                updated_at=start,
            )
        made.append(session)
    friday = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=MONDAY + timedelta(days=4)
    )
    assign(friday, patient)
    group_session(  # an open seat that would fix this week
        track=world.track_a1, counselor=world.counselor_a1, day=MONDAY + timedelta(days=3)
    )
    return made


def test_the_weeks_in_one_pass_equal_each_week_computed_alone(world: Any, clock: Any) -> None:
    patient = enrolled_patient(world.track_a1, last_name="Onepass")
    _history(world, patient, 8)
    LeaveOfAbsence.objects.create(
        patient=patient,
        starts_on=MONDAY - timedelta(weeks=3),
        ends_on=MONDAY - timedelta(weeks=3) + timedelta(days=2),
        reason="Family",
        created_by=world.counselor_a1,
        created_at=NOW,
    )
    StepDownAllowance.objects.create(
        patient=patient,
        starts_on=MONDAY - timedelta(weeks=5),
        weekly_hours=Decimal("6"),
        weeks=2,
        reason="Work",
        created_by=world.counselor_a1,
        created_at=NOW,
    )
    starts = [MONDAY - timedelta(weeks=back) for back in range(7, -1, -1)]
    together = weekly.patient_weeks(patient, starts, as_of=NOW)
    for start in starts:
        alone = week_compliance(
            organization_id=patient.organization_id,
            week_start=start,
            as_of=NOW,
            patients=Patient.objects.filter(pk=patient.pk),
        ).results[patient.pk]
        assert together.results[start] == alone, start
    assert together.results[MONDAY].suggestions  # this week's open seat is offered


def test_the_chart_attendance_tab_runs_the_same_queries_for_one_or_eight_weeks(
    world: Any, clock: Any, django_assert_num_queries: Any
) -> None:
    short = enrolled_patient(world.track_a1, last_name="Shorthistory")
    _history(world, short, 1)
    long = enrolled_patient(world.track_a1, last_name="Longhistory")
    _history(world, long, 8)
    for extra in range(6):  # more sessions in the weeks, more patients on them
        session = group_session(
            track=world.track_a1,
            counselor=world.counselor_a1,
            day=MONDAY - timedelta(weeks=extra, days=-1),
        )
        assign(session, long)
        SessionAssignment.objects.bulk_create(
            [
                SessionAssignment(session=session, patient=p)
                for p in seed(world, 3, [], offset=100 + 3 * extra)
            ]
        )
    client = login(Client(), world.counselor_a1)
    client.get(reverse("patients:chart_tab", args=[short.pk, "attendance"]))
    counts = []
    for patient in (short, long):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("patients:chart_tab", args=[patient.pk, "attendance"]))
        assert response.status_code == 200 and b"<svg" in response.content
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    starts = [MONDAY - timedelta(weeks=back) for back in range(7, -1, -1)]
    long = Patient.objects.select_related("site").get(pk=long.pk)
    with django_assert_num_queries(11):  # 10, and one read of the attended appointments
        weekly.patient_weeks(long, starts, as_of=NOW)
