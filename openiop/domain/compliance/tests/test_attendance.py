"""Minutes attended for every attendance status, clipping, partial days and bad records."""

from __future__ import annotations

from datetime import datetime

import pytest

from openiop.domain.compliance import (
    Attendance,
    AttendanceStatus,
    ComplianceInputError,
    Session,
    Status,
)
from openiop.domain.compliance.tests.factories import (
    MON,
    NY,
    TUE,
    at,
    one_week,
    patient,
    present,
    record,
    session,
    three_day_week,
)


def minutes_of(status: str, **times: datetime) -> int:
    week = one_week(
        [patient(scheduled=["s1"])], [record("s1", status, **times)], [session("s1", MON)]
    )
    return week["p1"].attended_minutes


def test_present_without_times_counts_the_whole_session() -> None:
    assert minutes_of("present") == 180


def test_present_times_are_clipped_to_the_scheduled_window() -> None:
    assert minutes_of("present", check_in=at(MON, "08:40"), check_out=at(MON, "12:25")) == 180
    assert minutes_of("present", check_in=at(MON, "09:00"), check_out=at(MON, "11:45")) == 165


def test_late_counts_from_check_in_to_the_end() -> None:
    assert minutes_of("late", check_in=at(MON, "09:20")) == 160


def test_left_early_counts_from_the_start_to_check_out() -> None:
    assert minutes_of("left_early", check_out=at(MON, "11:00")) == 120


def test_late_and_left_early_times_both_count() -> None:
    assert minutes_of("late", check_in=at(MON, "09:30"), check_out=at(MON, "11:00")) == 90


def test_telehealth_counts_like_presence() -> None:
    assert minutes_of("telehealth") == 180
    assert minutes_of("telehealth", check_in=at(MON, "09:10"), check_out=at(MON, "12:00")) == 170


@pytest.mark.parametrize("status", ["absent_excused", "absent_unexcused"])
def test_absences_count_nothing(status: str) -> None:
    assert minutes_of(status) == 0


def test_unexcused_absences_are_counted_in_the_reasons() -> None:
    sessions = three_day_week()
    records = [record("s1", "absent_unexcused"), record("s2", "absent_excused"), present("s3")]
    result = one_week([patient(scheduled=["s1", "s2", "s3"])], records, sessions)["p1"]
    assert result.status is Status.SHORT
    assert "1 unexcused absence(s)." in result.reasons
    assert [s.status for s in result.sessions] == [
        AttendanceStatus.ABSENT_UNEXCUSED,
        AttendanceStatus.ABSENT_EXCUSED,
        AttendanceStatus.PRESENT,
    ]


def test_seconds_are_rounded_down_to_whole_minutes() -> None:
    late = at(MON, "09:00").replace(second=30)
    assert minutes_of("late", check_in=late) == 179


def test_partial_day_adds_the_sessions_of_that_day() -> None:
    sessions = [session("am", MON, "09:00", "12:00"), session("pm", MON, "13:00", "14:30")]
    records = [present("am", check_out=at(MON, "10:30")), present("pm")]
    result = one_week([patient(scheduled=["am", "pm"])], records, sessions)["p1"]
    assert result.days[0].minutes == 90 + 90
    assert [s.minutes for s in result.sessions] == [90, 90]
    assert result.days[1].minutes == 0


def test_drop_in_at_an_unscheduled_session_counts() -> None:
    sessions = [*three_day_week(), session("drop", TUE)]
    records = [present("s1"), present("s2"), present("drop")]
    result = one_week([patient(scheduled=["s1", "s2", "s3"])], records, sessions)["p1"]
    assert result.attended_minutes == 540
    assert result.status is Status.MET


def test_other_patients_records_are_ignored() -> None:
    records = [present("s1"), present("s1", patient_id="someone-else")]
    result = one_week([patient(scheduled=["s1"])], records, [session("s1", MON)])["p1"]
    assert result.attended_minutes == 180


@pytest.mark.parametrize(
    ("status", "times", "message"),
    [
        ("late", {}, "'late' needs the check-in time"),
        ("left_early", {}, "'left early' needs the check-out time"),
        ("absent_excused", {"check_in": at(MON, "09:00")}, "an absence has no check-in"),
        (
            "present",
            {"check_in": at(MON, "11:00"), "check_out": at(MON, "10:00")},
            "check-out is before check-in",
        ),
        ("present", {"check_in": datetime(2026, 10, 5, 9)}, "must be timezone-aware"),  # noqa: DTZ001
    ],
)
def test_inconsistent_record_is_refused(
    status: str, times: dict[str, datetime], message: str
) -> None:
    with pytest.raises(ComplianceInputError, match=message):
        Attendance("p1", "s1", AttendanceStatus(status), **times)


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="'asleep' is not a valid AttendanceStatus"):
        AttendanceStatus("asleep")


def test_two_records_for_one_session_are_refused() -> None:
    with pytest.raises(ComplianceInputError, match="two attendance records for p1 at s1"):
        one_week([patient()], [present("s1"), present("s1")], [session("s1", MON)])


def test_record_at_an_unknown_session_is_refused() -> None:
    with pytest.raises(ComplianceInputError, match="unknown session nope"):
        one_week([patient()], [present("nope")], [session("s1", MON)])


def test_naive_session_times_and_bad_zones_are_refused() -> None:
    with pytest.raises(ComplianceInputError, match="timezone-aware"):
        Session("s", "t", datetime(2026, 10, 5, 9), at(MON, "12:00"))  # noqa: DTZ001
    with pytest.raises(ComplianceInputError, match="unknown time zone 'Mars/Olympus'"):
        patient(site_zone="Mars/Olympus")
    with pytest.raises(ComplianceInputError, match="as_of must be timezone-aware"):
        one_week([patient()], [], [], as_of=datetime(2026, 10, 5, 9))  # noqa: DTZ001
    assert patient(site_zone=NY).site_zone == NY
