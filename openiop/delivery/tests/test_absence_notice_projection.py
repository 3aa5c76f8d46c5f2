"""The weekly hours projection and the portal's "can't make it" notices: a session the
patient said they cannot come to no longer counts as still to come."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openiop.delivery.hours import week_compliance
from openiop.delivery.models import AttendanceStatus
from openiop.delivery.tests.factories import enrolled_patient, group_session
from openiop.delivery.tests.test_hours import WEEK, local, record, three_sessions, week_of
from openiop.domain.compliance import Status
from openiop.patients.models import Patient
from openiop.portal.models import AbsenceNotice

pytestmark = pytest.mark.django_db

TUESDAY_NOON = local(WEEK + timedelta(days=1), 12)


def notice(patient: Patient, session: Any, *, withdrawn: bool = False) -> AbsenceNotice:
    return AbsenceNotice.objects.create(
        patient=patient,
        session=session,
        created_at=datetime(2026, 11, 3, tzinfo=UTC),
        created_by=session.counselor,
        withdrawn_at=datetime(2026, 11, 3, 1, tzinfo=UTC) if withdrawn else None,
    )


def test_a_notice_turns_an_on_track_patient_into_one_who_cannot_reach_the_requirement(
    world: Any,
) -> None:
    p = enrolled_patient(world.track_a1)
    mon, wed, _fri = three_sessions(world, p)
    record(mon, p, AttendanceStatus.PRESENT)
    extra = group_session(
        track=world.track_a1,
        counselor=world.counselor_a1,
        day=WEEK + timedelta(days=5),
        start=time(9, 0),
    )
    before = week_of(p, as_of=TUESDAY_NOON)
    assert before.status is Status.ON_TRACK and before.remaining_minutes == 360

    notice(p, wed)
    after = week_of(p, as_of=TUESDAY_NOON)
    assert after.status is Status.SHORT and after.cannot_reach
    assert after.remaining_minutes == 180 and after.shortfall_minutes == 180
    # An open seat at another time is suggested; none at the time they cannot come.
    assert [s.session_id for s in after.suggestions] == [str(extra.pk)]


def test_a_withdrawn_notice_or_one_with_attendance_changes_nothing(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    mon, wed, fri = three_sessions(world, p)
    record(mon, p, AttendanceStatus.PRESENT)
    notice(p, wed, withdrawn=True)
    assert week_of(p, as_of=TUESDAY_NOON).status is Status.ON_TRACK
    # They came after all: the attendance record counts, not the notice.
    notice(p, fri)
    record(fri, p, AttendanceStatus.PRESENT)
    record(wed, p, AttendanceStatus.PRESENT)
    week = week_of(p, as_of=local(WEEK + timedelta(days=5), 12))
    assert week.status is Status.MET and week.attended_minutes == 540


def test_a_past_session_with_a_notice_still_needs_its_record(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    mon, _wed, _fri = three_sessions(world, p)
    notice(p, mon)
    week = week_of(p, as_of=TUESDAY_NOON)
    assert week.scheduled_minutes == 540
    assert any("no attendance record" in n for n in week.reasons)


def test_notices_cost_one_query_whatever_the_number_of_patients(world: Any) -> None:
    def count(n: int) -> int:
        patients = []
        for _ in range(n):
            p = enrolled_patient(world.track_a1)
            _mon, wed, _fri = three_sessions(world, p)
            notice(p, wed)
            patients.append(p.pk)
        with CaptureQueriesContext(connection) as queries:
            week_compliance(
                organization_id=world.org_a.pk,
                week_start=WEEK,
                as_of=TUESDAY_NOON,
                patients=Patient.objects.filter(pk__in=patients),
            )
        return len(queries)

    assert count(1) == count(3)
