"""The mid-week projection (on track, at risk, cannot reach) and the open seats that fix it."""

from __future__ import annotations

from datetime import datetime

from openiop.domain.compliance import CompliancePolicy, Interval, Leave, OpenSeat, Status
from openiop.domain.compliance.tests.factories import (
    FRI,
    MON,
    SAT,
    THU,
    TUE,
    WED,
    at,
    one_week,
    patient,
    present,
    record,
    session,
    three_day_week,
)

SCHEDULE = ["s1", "s2", "s3"]
TUESDAY_NOON = at(TUE, "12:00")


def seat(
    id: str, start: datetime, end: datetime, free: int = 1, track: str = "adult-sud"
) -> OpenSeat:
    return OpenSeat(id, track, start, end, free)


def free_all_week() -> tuple[Interval, ...]:
    return (Interval(at(MON, "00:00"), at(SAT, "23:59")),)


def test_exact_schedule_fully_attended_is_on_track() -> None:
    result = one_week(
        [patient(scheduled=SCHEDULE)], [present("s1")], three_day_week(), as_of=TUESDAY_NOON
    )["p1"]
    assert result.status is Status.ON_TRACK
    assert (result.attended_minutes, result.remaining_minutes) == (180, 360)
    assert not result.final
    assert "Attended 3 h of 9 h; 6 h scheduled still to come." in result.reasons


def test_late_arrival_on_an_exact_schedule_cannot_reach_the_minimum() -> None:
    records = [record("s1", "late", check_in=at(MON, "09:15"))]
    result = one_week([patient(scheduled=SCHEDULE)], records, three_day_week(), as_of=TUESDAY_NOON)
    assert result["p1"].status is Status.SHORT
    assert result["p1"].cannot_reach
    assert result["p1"].shortfall_minutes == 15
    assert "Cannot reach the requirement with the sessions left: 15 min short." in (
        result["p1"].reasons
    )


def test_missed_session_with_slack_left_is_at_risk() -> None:
    sessions = [*three_day_week(), session("s4", THU)]  # 12 hours scheduled
    records = [record("s1", "absent_excused")]
    result = one_week(
        [patient(scheduled=[*SCHEDULE, "s4"])], records, sessions, as_of=TUESDAY_NOON
    )["p1"]
    assert result.status is Status.AT_RISK
    assert result.shortfall_minutes == 0
    assert result.unresolved_minutes == 180  # one session's worth of slack to win back


def test_policy_can_flag_a_zero_slack_schedule_before_anything_is_missed() -> None:
    cautious = CompliancePolicy(at_risk_without_lost_time=True)
    seats = [seat("tue", at(TUE, "13:00"), at(TUE, "16:00"))]
    p = patient(scheduled=SCHEDULE, free=free_all_week())
    result = one_week(
        [p],
        [present("s1")],
        three_day_week(),
        as_of=TUESDAY_NOON,
        policy=cautious,
        open_seats=seats,
    )["p1"]
    assert result.status is Status.AT_RISK
    assert [s.session_id for s in result.suggestions] == ["tue"]  # one session of slack


def test_twelve_hours_scheduled_and_nothing_missed_is_on_track() -> None:
    sessions = [*three_day_week(), session("s4", THU)]
    result = one_week(
        [patient(scheduled=[*SCHEDULE, "s4"])], [present("s1")], sessions, as_of=TUESDAY_NOON
    )["p1"]
    assert result.status is Status.ON_TRACK


def test_minimum_reached_midweek_is_met() -> None:
    sessions = [session("a", MON, "09:00", "14:00"), session("b", TUE, "09:00", "14:00")]
    result = one_week(
        [patient(scheduled=["a", "b"])],
        [present("a"), present("b")],
        sessions,
        as_of=at(WED, "08:00"),
    )["p1"]
    assert result.status is Status.MET


def test_week_over_and_below_the_minimum_is_short() -> None:
    records = [present("s1"), present("s2")]
    result = one_week([patient(scheduled=SCHEDULE)], records, three_day_week())["p1"]
    assert result.final and not result.cannot_reach
    assert (result.status, result.shortfall_minutes) == (Status.SHORT, 180)
    assert "Short by 3 h." in result.reasons


def test_session_in_progress_counts_so_far_and_the_rest_as_remaining() -> None:
    records = [present("s1", check_in=at(MON, "09:00"))]
    result = one_week(
        [patient(scheduled=SCHEDULE)], records, three_day_week(), as_of=at(MON, "10:00")
    )["p1"]
    assert (result.attended_minutes, result.remaining_minutes) == (60, 480)
    assert result.status is Status.ON_TRACK


def test_past_session_without_a_record_is_reported_and_not_counted() -> None:
    result = one_week([patient(scheduled=SCHEDULE)], [], three_day_week(), as_of=TUESDAY_NOON)
    assert result["p1"].status is Status.SHORT
    assert "1 past scheduled session(s) have no attendance record." in result["p1"].reasons


def test_open_seats_that_fit_close_the_gap_soonest_first() -> None:
    seats = [
        seat("thu-pm", at(THU, "13:00"), at(THU, "16:00")),
        seat("tue-pm", at(TUE, "13:00"), at(TUE, "16:00")),
        seat("sat-am", at(SAT, "09:00"), at(SAT, "12:00")),
    ]
    records = [record("s1", "absent_unexcused")]
    p = patient(scheduled=SCHEDULE, free=free_all_week())
    result = one_week([p], records, three_day_week(), as_of=TUESDAY_NOON, open_seats=seats)["p1"]
    assert result.status is Status.SHORT
    assert [s.session_id for s in result.suggestions] == ["tue-pm"]  # 3 h closes the gap
    assert result.unresolved_minutes == 0
    assert "Open seats that would fix it: tue-pm (adult-sud, 3 h)." in result.reasons


def test_seats_must_fit_track_free_time_the_future_and_the_patients_other_sessions() -> None:
    seats = [
        seat("other-track", at(TUE, "13:00"), at(TUE, "16:00"), track="eating-disorders"),
        seat("too-late", at(THU, "18:00"), at(THU, "21:00")),  # outside the free block
        seat("past", at(TUE, "08:00"), at(TUE, "11:00")),  # before as_of
        seat("clash", at(WED, "10:00"), at(WED, "13:00")),  # overlaps the Wednesday group
        seat("full", at(THU, "09:00"), at(THU, "12:00"), free=0),
        seat("fits", at(THU, "13:00"), at(THU, "15:00")),
    ]
    free = (Interval(at(TUE, "07:00"), at(THU, "17:00")),)
    p = patient(scheduled=SCHEDULE, free=free)
    records = [record("s1", "absent_excused")]
    result = one_week([p], records, three_day_week(), as_of=TUESDAY_NOON, open_seats=seats)["p1"]
    assert [s.session_id for s in result.suggestions] == ["fits"]
    assert result.unresolved_minutes == 60
    assert any("still 1 h short after them" in r for r in result.reasons)


def test_adjacent_free_blocks_join_to_fit_a_seat() -> None:
    free = (
        Interval(at(THU, "13:00"), at(THU, "14:30")),
        Interval(at(THU, "14:30"), at(THU, "16:00")),
    )
    seats = [seat("thu", at(THU, "13:00"), at(THU, "16:00"))]
    p = patient(scheduled=SCHEDULE, free=free)
    result = one_week(
        [p],
        [record("s1", "absent_excused")],
        three_day_week(),
        as_of=TUESDAY_NOON,
        open_seats=seats,
    )
    assert [s.session_id for s in result["p1"].suggestions] == ["thu"]


def test_no_seat_on_a_leave_day() -> None:
    seats = [seat("thu", at(THU, "13:00"), at(THU, "16:00"))]
    p = patient(scheduled=SCHEDULE, free=free_all_week(), leaves=(Leave(THU, THU),))
    result = one_week(
        [p],
        [record("s1", "absent_excused")],
        three_day_week(),
        as_of=TUESDAY_NOON,
        open_seats=seats,
    )["p1"]
    assert result.suggestions == ()
    assert "No open seat fits the patient's tracks and free times." in result.reasons


def test_co_occurring_patient_may_take_a_seat_in_either_track() -> None:
    seats = [seat("mh", at(TUE, "13:00"), at(TUE, "16:00"), track="mental-health")]
    p = patient(scheduled=SCHEDULE, free=free_all_week(), tracks=("adult-sud", "mental-health"))
    result = one_week(
        [p],
        [record("s1", "absent_excused")],
        three_day_week(),
        as_of=TUESDAY_NOON,
        open_seats=seats,
    )["p1"]
    assert [s.track for s in result.suggestions] == ["mental-health"]


def test_a_last_seat_goes_to_the_patient_who_cannot_reach_the_minimum() -> None:
    sessions = [*three_day_week(), session("s4", THU)]
    at_risk = patient("risk", [*SCHEDULE, "s4"], free=free_all_week())
    short = patient("short", SCHEDULE, free=free_all_week())
    records = [
        record("s1", "absent_excused", patient_id="risk"),
        record("s1", "absent_excused", patient_id="short"),
    ]
    seats = [seat("tue", at(TUE, "13:00"), at(TUE, "16:00"), free=1)]
    week = one_week([at_risk, short], records, sessions, as_of=TUESDAY_NOON, open_seats=seats)
    assert week["risk"].status is Status.AT_RISK
    assert [s.session_id for s in week["short"].suggestions] == ["tue"]
    assert week["risk"].suggestions == ()


def test_several_seats_are_suggested_when_one_is_not_enough() -> None:
    seats = [
        seat("a", at(TUE, "13:00"), at(TUE, "14:30")),
        seat("b", at(WED, "13:00"), at(WED, "14:30")),
        seat("c", at(FRI, "13:00"), at(FRI, "14:30")),
    ]
    p = patient(scheduled=SCHEDULE, free=free_all_week())
    result = one_week(
        [p],
        [record("s1", "absent_excused")],
        three_day_week(),
        as_of=TUESDAY_NOON,
        open_seats=seats,
    )["p1"]
    assert [s.session_id for s in result.suggestions] == ["a", "b"]
    assert sum(s.minutes for s in result.suggestions) == 180


def test_no_suggestions_once_the_week_is_over() -> None:
    seats = [seat("tue", at(TUE, "13:00"), at(TUE, "16:00"))]
    p = patient(scheduled=SCHEDULE, free=free_all_week())
    result = one_week([p], [record("s1", "absent_excused")], three_day_week(), open_seats=seats)
    assert result["p1"].status is Status.SHORT and result["p1"].suggestions == ()


def test_results_cover_every_patient_in_one_pass() -> None:
    patients = [patient(f"p{i}", SCHEDULE) for i in range(50)]
    records = [present(s, f"p{i}") for i in range(50) for s in SCHEDULE[: i % 4]]
    week = one_week(patients, records, three_day_week())
    assert sum(r.status is Status.MET for r in week.values()) == len(range(3, 50, 4))
    assert len(week) == 50
