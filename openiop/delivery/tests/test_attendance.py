"""Rosters and attendance: drop-ins, one-tap check-in/out, statuses, minutes, self check-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from openiop.core.models import AuditEvent
from openiop.delivery import codes, services
from openiop.delivery.hours import week_compliance
from openiop.delivery.models import AttendanceRecord, AttendanceStatus, CheckInAttempt, DropIn
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session, room_at
from openiop.patients.models import Patient

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 4)  # a Wednesday


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


@pytest.fixture
def group(world: Any) -> dict[str, Any]:
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    patients = [enrolled_patient(world.track_a1, last_name=f"Roster{i}") for i in range(3)]
    assign(session, *patients)
    return {"session": session, "patients": patients, "world": world}


def minutes_of(patient: Patient, session: Any) -> int:
    week = week_compliance(
        organization_id=patient.organization_id,
        week_start=date(2026, 11, 2),
        as_of=None,
        patients=Patient.objects.filter(pk=patient.pk),
    ).results[patient.pk]
    return next(s.minutes for s in week.sessions if s.session_id == str(session.pk))


def test_check_in_on_time_is_present_and_audited(group: dict[str, Any]) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    record = services.attendance_check_in(
        actor=w.counselor_a1, session=session, patient=p, at=at(18, 5)
    )
    assert record.status == AttendanceStatus.PRESENT
    assert AuditEvent.objects.filter(
        action="add", patient_id_value=p.pk, object_type="delivery.attendancerecord"
    ).exists()


def test_check_in_after_the_grace_minutes_is_late_and_counts_from_arrival(
    group: dict[str, Any],
) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    record = services.attendance_check_in(
        actor=w.counselor_a1, session=session, patient=p, at=at(18, 40)
    )
    assert record.status == AttendanceStatus.LATE
    services.attendance_check_out(actor=w.counselor_a1, session=session, patient=p, at=at(21, 0))
    assert minutes_of(p, session) == 140


def test_check_out_before_the_end_is_left_early_and_counts_to_departure(
    group: dict[str, Any],
) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    services.attendance_check_in(actor=w.counselor_a1, session=session, patient=p, at=at(17, 50))
    record = services.attendance_check_out(
        actor=w.counselor_a1, session=session, patient=p, at=at(20, 0)
    )
    assert record.status == AttendanceStatus.LEFT_EARLY
    assert minutes_of(p, session) == 120  # clipped to the 18:00 start


def test_checking_in_twice_changes_nothing(group: dict[str, Any]) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    first = services.attendance_check_in(
        actor=w.counselor_a1, session=session, patient=p, at=at(18)
    )
    again = services.attendance_check_in(
        actor=w.counselor_a1, session=session, patient=p, at=at(18, 30)
    )
    assert again.pk == first.pk and again.check_in_at == at(18)


def test_check_out_without_check_in_is_refused_with_a_field_error(group: dict[str, Any]) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    with pytest.raises(ValidationError) as exc:
        services.attendance_check_out(actor=w.counselor_a1, session=session, patient=p, at=at(20))
    assert "check_out_at" in exc.value.message_dict


@pytest.mark.parametrize(
    ("status", "check_in", "check_out", "minutes"),
    [
        (AttendanceStatus.PRESENT, None, None, 180),
        (AttendanceStatus.PRESENT, (18, 0), (21, 30), 180),
        (AttendanceStatus.LATE, (18, 30), None, 150),
        (AttendanceStatus.LEFT_EARLY, None, (19, 45), 105),
        (AttendanceStatus.TELEHEALTH, (18, 0), (21, 0), 180),
        (AttendanceStatus.ABSENT_EXCUSED, None, None, 0),
        (AttendanceStatus.ABSENT_UNEXCUSED, None, None, 0),
    ],
)
def test_every_status_gives_the_minutes_the_compliance_domain_computes(
    group: dict[str, Any],
    status: str,
    check_in: tuple[int, int] | None,
    check_out: tuple[int, int] | None,
    minutes: int,
) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    with time_machine.travel(at(22), tick=False):
        services.attendance_set(
            actor=w.counselor_a1,
            session=session,
            patient=p,
            status=status,
            check_in_at=at(*check_in) if check_in else None,
            check_out_at=at(*check_out) if check_out else None,
        )
    assert minutes_of(p, session) == minutes


def test_late_without_a_check_in_time_is_refused_naming_the_field(group: dict[str, Any]) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    with time_machine.travel(at(22), tick=False), pytest.raises(ValidationError) as exc:
        services.attendance_set(
            actor=w.counselor_a1,
            session=session,
            patient=p,
            status=AttendanceStatus.LATE,
            check_in_at=None,
            check_out_at=None,
        )
    assert "check_in_at" in exc.value.message_dict
    assert not AttendanceRecord.objects.exists()


def test_absence_drops_any_times_given(group: dict[str, Any]) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    with time_machine.travel(at(22), tick=False):
        record = services.attendance_set(
            actor=w.counselor_a1,
            session=session,
            patient=p,
            status=AttendanceStatus.ABSENT_EXCUSED,
            check_in_at=at(18),
            check_out_at=None,
        )
    assert record.check_in_at is None


def test_telehealth_room_check_in_is_telehealth(world: Any) -> None:
    room = room_at(world.site_a1, virtual=True)
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY, room=room)
    p = enrolled_patient(world.track_a1)
    assign(session, p)
    record = services.attendance_check_in(
        actor=world.counselor_a1, session=session, patient=p, at=at(18)
    )
    assert record.status == AttendanceStatus.TELEHEALTH


def test_patient_not_on_the_roster_cannot_be_checked_in(group: dict[str, Any]) -> None:
    w, session = group["world"], group["session"]
    stranger = enrolled_patient(w.track_a1)
    with pytest.raises(ValidationError) as exc:
        services.attendance_check_in(
            actor=w.counselor_a1, session=session, patient=stranger, at=at(18)
        )
    assert "patient" in exc.value.message_dict


def test_drop_in_from_the_same_track_joins_the_roster_with_a_reason(
    group: dict[str, Any],
) -> None:
    w, session = group["world"], group["session"]
    extra = enrolled_patient(w.track_a1)
    services.drop_in_add(actor=w.counselor_a1, session=session, patient=extra, reason="Make-up")
    record = services.attendance_check_in(
        actor=w.counselor_a1, session=session, patient=extra, at=at(18)
    )
    assert record.status == AttendanceStatus.PRESENT
    assert minutes_of(extra, session) == 180


def test_drop_in_needs_an_active_enrolment_in_the_track_and_a_reason(
    group: dict[str, Any],
) -> None:
    w, session = group["world"], group["session"]
    with pytest.raises(ValidationError) as exc:
        services.drop_in_add(actor=w.counselor_a1, session=session, patient=w.patient_a1, reason="")
    assert {"patient", "reason"} <= set(exc.value.message_dict)
    assert not DropIn.objects.exists()


def test_billing_staff_cannot_record_attendance(group: dict[str, Any]) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(actor=w.billing_a1, session=session, patient=p, at=at(18))


def test_staff_of_another_organization_cannot_record_attendance(group: dict[str, Any]) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(actor=w.counselor_b1, session=session, patient=p, at=at(18))


# --- self check-in with the session code ------------------------------------------------


def _self(code: str, patient: Patient, now: datetime, **kw: Any) -> services.SelfCheckIn:
    return services.self_check_in(
        code=code,
        mrn=kw.pop("mrn", patient.mrn),
        date_of_birth=kw.pop("dob", patient.date_of_birth),
        leaving=kw.pop("leaving", False),
        client_ip=kw.pop("ip", "203.0.113.9"),
        now=now,
    )


def test_patient_checks_in_and_out_with_the_session_code(group: dict[str, Any]) -> None:
    session, p = group["session"], group["patients"][0]
    code = codes.session_code(session)
    assert len(code) == 6
    result = _self(code.lower(), p, at(18, 2))
    assert result.ok and result.record is not None
    assert result.record.self_checked_in and result.record.status == AttendanceStatus.PRESENT
    out = _self(code, p, at(20, 0), leaving=True)
    assert out.ok and out.record is not None
    assert out.record.status == AttendanceStatus.LEFT_EARLY


def test_wrong_record_or_birth_date_or_code_gets_the_same_generic_answer(
    group: dict[str, Any],
) -> None:
    session, p = group["session"], group["patients"][0]
    code = codes.session_code(session)
    answers = {
        _self(code, p, at(18), mrn="9999999").message,
        _self(code, p, at(18), dob=date(1901, 1, 1)).message,
        _self("ZZZZZZ", p, at(18)).message,
        _self(code, p, at(10)).message,  # outside the check-in window
    }
    assert answers == {services.GENERIC_REFUSAL}
    assert not AttendanceRecord.objects.exists()
    assert AuditEvent.objects.filter(action="denied", object_type="delivery.selfcheckin").exists()


def test_code_of_another_organization_does_not_reach_this_patient(
    group: dict[str, Any],
) -> None:
    w, p = group["world"], group["patients"][0]
    from openiop.core.testing import TrackFactory

    track_b = TrackFactory.create(program=w.program_b1)
    other = group_session(track=track_b, counselor=w.counselor_b1, day=DAY)
    result = _self(codes.session_code(other), p, at(18))
    assert not result.ok and result.message == services.GENERIC_REFUSAL


def test_enrolled_patient_not_on_the_roster_becomes_a_drop_in_by_self_check_in(
    group: dict[str, Any],
) -> None:
    w, session = group["world"], group["session"]
    extra = enrolled_patient(w.track_a1)
    result = _self(codes.session_code(session), extra, at(18))
    assert result.ok
    assert DropIn.objects.filter(session=session, patient=extra, added_by=None).exists()


def test_self_check_in_is_rate_limited_per_address(group: dict[str, Any]) -> None:
    session, p = group["session"], group["patients"][0]
    for _ in range(10):
        _self("WRONG1", p, at(18))
    blocked = _self(codes.session_code(session), p, at(18))
    assert blocked.throttled and not blocked.ok
    other_address = _self(codes.session_code(session), p, at(18), ip="198.51.100.7")
    assert other_address.ok
    later = _self(codes.session_code(session), p, at(18) + timedelta(minutes=16))
    assert later.ok
    assert not CheckInAttempt.objects.filter(client__contains="203.0.113").exists()


def test_a_whole_group_checking_in_from_one_address_is_not_throttled(world: Any) -> None:
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    patients = [enrolled_patient(world.track_a1) for _ in range(14)]
    assign(session, *patients)
    code = codes.session_code(session)
    assert all(_self(code, p, at(17, 55)).ok for p in patients)


def test_the_session_code_differs_between_sessions(world: Any) -> None:
    a = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    b = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY, start=time(9, 0))
    assert codes.session_code(a) != codes.session_code(b)
    assert set(codes.session_code(a)) <= set(codes.ALPHABET)


def test_times_are_stored_in_utc(group: dict[str, Any]) -> None:
    w, session, p = group["world"], group["session"], group["patients"][0]
    record = services.attendance_check_in(
        actor=w.counselor_a1, session=session, patient=p, at=at(18)
    )
    record.refresh_from_db()
    assert record.check_in_at == datetime(2026, 11, 4, 23, 0, tzinfo=UTC)
