"""The app's weekly-hours computation: rows mapped to openiop.domain.compliance inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from openiop.core.testing import SiteFactory, TrackFactory
from openiop.delivery import services
from openiop.delivery.hours import monday_of, week_compliance
from openiop.delivery.models import AttendanceRecord, AttendanceStatus, DropIn
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.domain.compliance import Billing, Status
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
from openiop.scheduling.models import SessionStatus

NY = ZoneInfo("America/New_York")
WEEK = date(2026, 11, 2)  # Monday; New York fell back on Sunday 1 November 2026


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = NY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def record(
    session: Any, patient: Patient, status: str, check_in: Any = None, out: Any = None
) -> None:
    AttendanceRecord.objects.create(
        session=session,
        patient=patient,
        status=status,
        check_in_at=check_in,
        check_out_at=out,
        updated_at=datetime.now(tz=UTC),
    )


def week_of(patient: Patient, week: date = WEEK, as_of: datetime | None = None) -> Any:
    return week_compliance(
        organization_id=patient.organization_id,
        week_start=week,
        as_of=as_of,
        patients=Patient.objects.filter(pk=patient.pk),
    ).results[patient.pk]


def three_sessions(world: Any, patient: Patient, week: date = WEEK) -> list[Any]:
    sessions = [
        group_session(
            track=world.track_a1, counselor=world.counselor_a1, day=week + timedelta(days=d)
        )
        for d in (0, 2, 4)
    ]
    for s in sessions:
        assign(s, patient)
    return sessions


def test_full_attendance_meets_nine_hours_and_bills_three_per_diem_days(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    for s in three_sessions(world, p):
        record(s, p, AttendanceStatus.PRESENT)
    week = week_of(p)
    assert week.status is Status.MET
    assert (week.required_minutes, week.attended_minutes, week.scheduled_minutes) == (540,) * 3
    billing = [d.billing for d in week.days]
    assert billing.count(Billing.PER_DIEM) == 3 and billing.count(Billing.NONE) == 4


def test_a_3_hour_day_is_a_per_diem_day_even_when_the_week_is_short(world: Any) -> None:
    # HCPCS H0015/S9480: the per diem is a day's service; the week's 9 hours and 3 days are
    # program compliance (reported), not a condition of the day.
    p = enrolled_patient(world.track_a1)
    mon, wed, fri = three_sessions(world, p)
    record(mon, p, AttendanceStatus.PRESENT)
    record(wed, p, AttendanceStatus.LATE, check_in=local(WEEK + timedelta(days=2), 19, 0))
    record(fri, p, AttendanceStatus.LEFT_EARLY, out=local(WEEK + timedelta(days=4), 20, 30))
    week = week_of(p)
    assert week.attended_minutes == 180 + 120 + 150
    assert week.status is Status.SHORT
    assert (week.program_days, week.program_days_required) == (1, 3)
    assert [d.billing for d in week.days][:5] == [
        Billing.PER_DIEM,
        Billing.NONE,
        Billing.DISCRETE,
        Billing.NONE,
        Billing.DISCRETE,
    ]
    assert not week.days[2].meets_daily_minimum and week.days[0].meets_daily_minimum


def test_absences_count_nothing_and_unexcused_ones_are_named(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    mon, wed, fri = three_sessions(world, p)
    record(mon, p, AttendanceStatus.ABSENT_EXCUSED)
    record(wed, p, AttendanceStatus.ABSENT_UNEXCUSED)
    record(fri, p, AttendanceStatus.TELEHEALTH)
    week = week_of(p)
    assert week.attended_minutes == 180
    assert any("1 unexcused absence" in r for r in week.reasons)


def test_requirement_is_the_largest_required_hours_of_active_enrolments(world: Any) -> None:
    p = enrolled_patient(world.track_a1, hours="12")
    mh = TrackFactory.create(program=world.program_a1, kind=TrackKind.MENTAL_HEALTH)
    Enrollment.objects.create(
        patient=p, track=mh, starts_on=date(2026, 1, 1), required_weekly_hours=Decimal("9")
    )
    assert week_of(p).required_minutes == 720


def test_adolescent_track_defaults_to_six_hours(world: Any) -> None:
    teen_track = TrackFactory.create(
        program=world.program_a1, kind=TrackKind.ADOLESCENTS, min_weekly_hours=Decimal("6")
    )
    teen = enrolled_patient(teen_track, hours="6", date_of_birth=date(2011, 3, 3))
    assert week_of(teen).required_minutes == 360


def test_step_down_allowance_lowers_the_requirement_for_two_weeks_only(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    services.step_down_create(
        actor=world.counselor_a1,
        patient=p,
        starts_on=WEEK + timedelta(days=2),
        weekly_hours=Decimal("6"),
        weeks=2,
        reason="Stable, stepping down",
    )
    assert week_of(p, WEEK).required_minutes == 360
    assert week_of(p, WEEK + timedelta(days=7)).required_minutes == 360
    third = week_of(p, WEEK + timedelta(days=14))
    assert third.required_minutes == 540
    assert any("allowance ended" in r for r in third.reasons)


def test_step_down_longer_than_two_weeks_is_refused(world: Any) -> None:
    from django.core.exceptions import ValidationError

    p = enrolled_patient(world.track_a1)
    with pytest.raises(ValidationError) as exc:
        services.step_down_create(
            actor=world.counselor_a1,
            patient=p,
            starts_on=WEEK,
            weekly_hours=Decimal("6"),
            weeks=3,
            reason="x",
        )
    assert "weeks" in exc.value.message_dict


def test_leave_over_part_of_the_week_reduces_the_requirement(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    mon, wed, _fri = three_sessions(world, p)
    record(mon, p, AttendanceStatus.PRESENT)
    record(wed, p, AttendanceStatus.PRESENT)
    services.leave_create(
        actor=world.counselor_a1,
        patient=p,
        starts_on=WEEK + timedelta(days=4),
        ends_on=WEEK + timedelta(days=10),
        reason="Family emergency out of state",
    )
    week = week_of(p)
    assert week.required_minutes == 360
    assert week.status is Status.MET


def test_leave_over_the_whole_week_puts_the_patient_on_leave(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    three_sessions(world, p)
    services.leave_create(
        actor=world.counselor_a1,
        patient=p,
        starts_on=WEEK - timedelta(days=1),
        ends_on=WEEK + timedelta(days=7),
        reason="Surgery and recovery",
    )
    assert week_of(p).status is Status.ON_LEAVE


def test_enrolment_on_leave_puts_the_patient_on_leave(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    Enrollment.objects.filter(patient=p).update(status=EnrollmentStatus.ON_LEAVE)
    assert week_of(p).status is Status.ON_LEAVE


def test_discharged_patients_are_not_counted(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    Enrollment.objects.filter(patient=p).update(status=EnrollmentStatus.DISCHARGED)
    result = week_compliance(organization_id=p.organization_id, week_start=WEEK, as_of=None)
    assert p.pk not in result.results


def test_overlapping_leave_is_refused_naming_the_field(world: Any) -> None:
    from django.core.exceptions import ValidationError

    p = enrolled_patient(world.track_a1)
    services.leave_create(
        actor=world.counselor_a1, patient=p, starts_on=WEEK, ends_on=WEEK, reason="Court date"
    )
    with pytest.raises(ValidationError) as exc:
        services.leave_create(
            actor=world.counselor_a1,
            patient=p,
            starts_on=WEEK - timedelta(days=1),
            ends_on=WEEK + timedelta(days=1),
            reason="Again",
        )
    assert "starts_on" in exc.value.message_dict


def test_mid_week_projection_flags_who_cannot_reach_and_suggests_an_open_seat(
    world: Any,
) -> None:
    p = enrolled_patient(world.track_a1)
    mon, _wed, _fri = three_sessions(world, p)
    record(mon, p, AttendanceStatus.ABSENT_UNEXCUSED)
    extra = group_session(
        track=world.track_a1,
        counselor=world.counselor_a1,
        day=WEEK + timedelta(days=5),
        start=time(9, 0),
    )
    week = week_of(p, as_of=local(WEEK + timedelta(days=1), 12))
    assert week.status is Status.SHORT and week.cannot_reach
    assert [s.session_id for s in week.suggestions] == [str(extra.pk)]
    assert week.unresolved_minutes == 0


def test_cancelled_and_full_sessions_are_not_offered(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    mon, _, _ = three_sessions(world, p)
    record(mon, p, AttendanceStatus.ABSENT_UNEXCUSED)
    group_session(
        track=world.track_a1,
        counselor=world.counselor_a1,
        day=WEEK + timedelta(days=5),
        start=time(9, 0),
        status=SessionStatus.CANCELLED,
    )
    full = group_session(
        track=world.track_a1,
        counselor=world.counselor_a1,
        day=WEEK + timedelta(days=5),
        start=time(13, 0),
    )
    world.track_a1.max_group = 1
    world.track_a1.min_group = 1
    world.track_a1.save()
    assign(full, enrolled_patient(world.track_a1))
    week = week_of(p, as_of=local(WEEK + timedelta(days=1), 12))
    assert week.suggestions == ()


def test_drop_in_session_counts_toward_the_week(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    s = group_session(track=world.track_a1, counselor=world.counselor_a1, day=WEEK)
    DropIn.objects.create(session=s, patient=p, reason="make-up", added_at=datetime.now(tz=UTC))
    record(s, p, AttendanceStatus.PRESENT)
    week = week_of(p)
    assert week.attended_minutes == 180 and week.scheduled_minutes == 180


def test_local_days_follow_each_sites_time_zone(world: Any) -> None:
    """18:00-21:00 in Los Angeles is 02:00-05:00 UTC the next day: it stays a Monday there."""
    la_site = SiteFactory.create(
        organization=world.org_a, name="LA", timezone="America/Los_Angeles"
    )
    from openiop.core.testing import ProgramFactory

    la_track = TrackFactory.create(program=ProgramFactory.create(site=la_site))
    p = enrolled_patient(la_track)
    s = group_session(track=la_track, counselor=world.counselor_a1, day=WEEK)
    assign(s, p)
    record(s, p, AttendanceStatus.PRESENT)
    assert s.starts_at.astimezone(UTC).date() == WEEK + timedelta(days=1)
    week = week_of(p)
    assert week.days[0].day == WEEK and week.days[0].minutes == 180
    assert week.days[1].minutes == 0


def test_week_after_new_york_falls_back_counts_evening_sessions_on_their_local_day(
    world: Any,
) -> None:
    """Week of 2026-11-02: 18:00-21:00 EST is 23:00-02:00 UTC, crossing UTC midnight."""
    p = enrolled_patient(world.track_a1)
    for s in three_sessions(world, p):
        record(s, p, AttendanceStatus.PRESENT)
    week = week_of(p)
    assert [d.minutes for d in week.days] == [180, 0, 180, 0, 180, 0, 0]
    assert week.status is Status.MET


def test_session_across_the_fall_back_night_lasts_four_real_hours(world: Any) -> None:
    """00:30-03:30 wall clock on Sunday 1 November 2026 in New York is 4 hours long."""
    p = enrolled_patient(world.track_a1)
    start = local(date(2026, 11, 1), 0, 30)
    s = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=date(2026, 11, 1), start=time(0, 30)
    )
    s.ends_at = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 03:30 EST
    s.save()
    assign(s, p)
    record(s, p, AttendanceStatus.PRESENT)
    assert s.starts_at == start
    week = week_of(p, monday_of(date(2026, 11, 1)))
    assert week.attended_minutes == 240
    assert week.days[6].minutes == 240


def test_future_week_is_on_track_before_anything_happens(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    three_sessions(world, p)
    week = week_of(p, as_of=local(WEEK, 8))
    assert week.status is Status.ON_TRACK and week.remaining_minutes == 540
