"""Authorization forecast (pure, fixed dates only; 2 March 2026 is a Monday)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from openiop.domain.authorization import (
    Authorization,
    AuthorizationInputError,
    ReviewConstraint,
    ScheduledSession,
    UnitKind,
    business_days_before,
    forecast,
    forecast_json,
)

MON = date(2026, 3, 2)
END = date(2026, 6, 30)


def weekly(
    first: date, weeks: int, weekdays: tuple[int, ...] = (0, 1, 2, 3, 4), hours: int = 3
) -> list[ScheduledSession]:
    """Sessions on ``weekdays`` (0 = Monday) for ``weeks`` weeks from the Monday ``first``."""
    assert first.weekday() == 0
    return [
        ScheduledSession(first + timedelta(weeks=w, days=d), hours)
        for w in range(weeks)
        for d in weekdays
    ]


def days_auth(units: int = 12, end: date = END, **kw: object) -> Authorization:
    return Authorization(units, UnitKind.DAYS, MON, end, **kw)  # type: ignore[arg-type]


# The issue's cases


def test_a_monday_friday_schedule_with_12_days_from_2_march_runs_out_on_the_12th_day() -> None:
    result = forecast(days_auth(), 0, weekly(MON, 5), 1, today=MON)
    assert result.exhausted_on == date(2026, 3, 17)  # the 12th weekday
    assert result.earliest == date(2026, 3, 17)
    assert result.review_by == date(2026, 3, 12)  # 3 business days before
    assert result.review_constraint is ReviewConstraint.EXHAUSTION
    assert result.outlasts_end is False


def test_at_80_percent_attendance_the_forecast_moves_later() -> None:
    full = forecast(days_auth(), 0, weekly(MON, 5), 1, today=MON)
    result = forecast(days_auth(), 0, weekly(MON, 5), 0.8, today=MON)
    assert full.exhausted_on is not None and result.exhausted_on is not None
    assert result.exhausted_on > full.exhausted_on
    assert result.exhausted_on == date(2026, 3, 20)  # 15 days x 0.8 = 12
    assert result.earliest == date(2026, 3, 17)  # every session attended
    assert result.latest == date(2026, 3, 25)  # 70%: 18 days x 0.7 >= 12
    assert result.review_by == date(2026, 3, 17)


def test_a_step_down_from_5_to_3_days_a_week_moves_it_later_again() -> None:
    week2 = MON + timedelta(weeks=1)
    five = forecast(days_auth(), 5, weekly(week2, 4), 0.8, today=week2)
    three = forecast(days_auth(), 5, weekly(week2, 4, (0, 2, 4)), 0.8, today=week2)
    assert five.exhausted_on == date(2026, 3, 19)  # 9 days x 0.8 >= 7 left
    assert three.exhausted_on == date(2026, 3, 27)  # the 9th Monday/Wednesday/Friday
    assert "Monday, Wednesday and Friday" in three.basis


def test_the_basis_says_it_in_plain_words() -> None:
    week2 = MON + timedelta(weeks=1)
    result = forecast(days_auth(), 5, weekly(week2, 2), Decimal("0.8"), today=week2)
    assert result.basis == (
        "12 days authorized, 5 used, 7 left; 10 scheduled Monday-Friday days from 9 March to"
        " 20 March at 80% attendance; expected to run out on 19 March (from 17 March if every"
        " session is attended to 20 March at 70%); review by 16 March, 3 business days before"
        " the expected exhaustion."
    )


# Units


def test_units_already_used_count_against_the_authorization() -> None:
    week2 = MON + timedelta(weeks=1)
    result = forecast(days_auth(), 5, weekly(week2, 3), 1, today=week2)
    assert result.units_left == 7
    assert result.exhausted_on == date(2026, 3, 17)


def test_units_used_up_means_review_now() -> None:
    result = forecast(days_auth(), 12, weekly(MON, 3), 0.9, today=MON)
    assert result.exhausted_on == MON
    assert result.review_by == MON
    assert "none left" in result.basis


def test_days_count_once_however_many_sessions_but_sessions_count_each() -> None:
    schedule = [*weekly(MON, 3), *weekly(MON, 3, (1,))]  # two sessions on Tuesdays
    days = forecast(days_auth(12), 0, schedule, 1, today=MON)
    sessions = forecast(Authorization(10, UnitKind.SESSIONS, MON, END), 0, schedule, 1, MON)
    assert days.exhausted_on == date(2026, 3, 17)
    assert sessions.exhausted_on == date(2026, 3, 11)  # 6 the first week, 7, 9, 10
    assert "18 scheduled Monday-Friday sessions" in sessions.basis


def test_hours_sum_the_session_hours() -> None:
    schedule = [
        ScheduledSession(s.day, Decimal("1.5") if s.day.weekday() == 4 else 3)
        for s in weekly(MON, 3)
    ]
    auth = Authorization(Decimal(30), UnitKind.HOURS, MON, END)
    result = forecast(auth, 0, schedule, 1, today=MON)
    assert result.exhausted_on == date(2026, 3, 16)  # 13.5 a week: 27, then 30 on Monday
    assert result.units_scheduled == Decimal("40.5")
    assert "(40.5 hours)" in result.basis


def test_half_hours_left_are_counted_exactly() -> None:
    auth = Authorization(Decimal("7.5"), UnitKind.HOURS, MON, END)
    result = forecast(auth, 0, weekly(MON, 1, hours=3), Decimal("0.5"), today=MON)
    assert result.exhausted_on == MON + timedelta(days=4)  # 15 hours x 0.5 = 7.5


# The end date, unknown rates, empty schedules


def test_the_authorization_end_date_comes_first() -> None:
    fri = date(2026, 3, 13)
    result = forecast(days_auth(20, end=fri), 0, weekly(MON, 4), 1, today=MON)
    assert result.exhausted_on is None
    assert result.outlasts_end is True
    assert result.review_constraint is ReviewConstraint.END_DATE
    assert result.review_by == date(2026, 3, 10)
    assert "left at the end date, 13 March" in result.basis
    assert "the authorization end date, 13 March" in result.basis


def test_the_end_date_comes_first_at_the_rate_even_if_full_attendance_would_use_all() -> None:
    fri = date(2026, 3, 13)
    result = forecast(days_auth(10, end=fri), 0, weekly(MON, 4), 0.8, today=MON)
    assert result.earliest == fri
    assert result.exhausted_on is None
    assert result.outlasts_end is True
    assert result.review_constraint is ReviewConstraint.END_DATE


def test_sessions_after_the_end_or_before_the_start_or_today_use_no_units() -> None:
    week2 = MON + timedelta(weeks=1)
    auth = Authorization(12, UnitKind.DAYS, week2, END)
    result = forecast(auth, 0, weekly(MON, 5), 1, today=MON)
    assert result.exhausted_on == date(2026, 3, 24)  # counted from 9 March
    later = forecast(days_auth(), 0, weekly(MON, 5), 1, today=week2)
    assert later.exhausted_on == date(2026, 3, 24)  # the first week is behind


def test_unknown_attendance_forecasts_the_schedule_only_and_says_so() -> None:
    result = forecast(days_auth(), 0, weekly(MON, 5), None, today=MON)
    assert result.exhausted_on == date(2026, 3, 17)
    assert result.latest is None
    assert result.attendance_rate is None
    assert "attendance rate unknown" in result.basis
    assert "%" not in result.basis


def test_zero_attendance_is_not_the_same_as_unknown() -> None:
    result = forecast(days_auth(), 0, weekly(MON, 5), 0, today=MON)
    assert result.exhausted_on is None
    assert "at 0% attendance" in result.basis


def test_no_future_sessions_gives_no_exhaustion_date_and_says_so() -> None:
    result = forecast(days_auth(), 3, [], 0.9, today=MON)
    assert result.exhausted_on is None
    assert result.outlasts_end is None
    assert result.review_constraint is ReviewConstraint.END_DATE
    assert result.review_by == date(2026, 6, 25)  # 30 June is a Tuesday
    assert "no scheduled sessions" in result.basis
    assert "no exhaustion date" in result.basis


def test_a_schedule_that_stops_before_the_end_date_is_not_extrapolated() -> None:
    result = forecast(days_auth(), 0, weekly(MON, 2), 1, today=MON)
    assert result.exhausted_on is None
    assert result.outlasts_end is None
    assert result.schedule_through == date(2026, 3, 13)
    assert "published schedule stops" in result.basis
    covered = forecast(days_auth(), 0, weekly(MON, 2), 1, today=MON, schedule_through=END)
    assert covered.outlasts_end is True


def test_review_by_is_never_before_today() -> None:
    monday3 = MON + timedelta(weeks=2)
    result = forecast(days_auth(), 10, weekly(monday3, 1), 1, today=monday3)
    assert result.exhausted_on == date(2026, 3, 17)
    assert result.review_by == monday3  # 12 March is past
    assert "less than 3 business days away" in result.basis


def test_after_the_end_date_the_review_is_due_today() -> None:
    fri = date(2026, 3, 13)
    today = date(2026, 3, 20)
    result = forecast(days_auth(end=fri), 5, [], 0.8, today=today)
    assert result.review_by == today
    assert result.outlasts_end is True
    assert "ended on 13 March" in result.basis


def test_the_lead_time_is_in_business_days_and_configurable() -> None:
    assert business_days_before(date(2026, 3, 17), 3) == date(2026, 3, 12)
    assert business_days_before(date(2026, 3, 16), 1) == date(2026, 3, 13)  # over a weekend
    assert business_days_before(date(2026, 3, 16), 0) == date(2026, 3, 16)
    auth = days_auth(review_lead_business_days=5)
    assert forecast(auth, 0, weekly(MON, 5), 1, today=MON).review_by == date(2026, 3, 10)


def test_dates_in_another_year_name_the_year() -> None:
    result = forecast(days_auth(), 0, weekly(MON, 5), 1, today=date(2025, 12, 30))
    assert "17 March 2026" in result.basis


@pytest.mark.parametrize(
    ("kwargs", "call"),
    [
        ({"end": date(2026, 3, 1)}, {}),
        ({"units": -1}, {}),
        ({"units": Decimal("1.5")}, {}),
        ({"review_lead_business_days": -1}, {}),
        ({}, {"attendance_rate": 1.2}),
        ({}, {"attendance_rate": -0.1}),
        ({}, {"attendance_rate": True}),
        ({}, {"used": -1}),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict[str, object], call: dict[str, object]) -> None:
    args: dict[str, object] = {"units": 12, "unit": UnitKind.DAYS, "start": MON, "end": END}
    args.update(kwargs)
    params: dict[str, object] = {"used": 0, "attendance_rate": 0.8}
    params.update(call)
    with pytest.raises(AuthorizationInputError):
        auth = Authorization(**args)  # type: ignore[arg-type]
        forecast(auth, schedule=weekly(MON, 1), today=MON, **params)  # type: ignore[arg-type]


# JSON


def test_forecast_json_has_the_issues_shape() -> None:
    result = forecast_json(days_auth(), 0, weekly(MON, 5), 0.8, today=MON)
    assert result == {
        "units_authorized": 12,
        "units_used": 0,
        "forecast_exhausted_on": "2026-03-20",
        "review_by": "2026-03-17",
        "basis": forecast(days_auth(), 0, weekly(MON, 5), 0.8, today=MON).basis,
    }
    assert json.loads(json.dumps(result)) == result


def test_forecast_json_without_an_exhaustion_date_is_null() -> None:
    auth = Authorization(Decimal("7.5"), UnitKind.HOURS, MON, END)
    result = forecast_json(auth, Decimal("1.5"), [], None, today=MON)
    assert result["forecast_exhausted_on"] is None
    assert result["units_authorized"] == 7.5
    assert result["units_used"] == 1.5
