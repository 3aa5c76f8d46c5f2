"""The engine's look-back windows and the attendance fraction: a week without any attendance
record counts as missed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from openiop.domain.tapering import (
    ATTENDANCE_WEEKS,
    LOOKBACK_WEEKS,
    TaperInputError,
    TaperPolicy,
    WeekAttendance,
    attendance_weeks,
    look_back_weeks,
    weekly_attendance,
    window,
    window_problems,
)

MONDAY = date(2026, 9, 7)
NINE_HOURS = 540


def weeks(*attended: int | None, required: int = NINE_HOURS) -> list[WeekAttendance]:
    return [
        WeekAttendance(MONDAY + timedelta(weeks=i), required, minutes)
        for i, minutes in enumerate(attended)
    ]


def test_a_week_with_no_attendance_record_counts_as_missed() -> None:
    summary = weekly_attendance(weeks(540, None, 540, 540))
    assert summary is not None
    assert summary.fraction == pytest.approx(0.75)  # not 1.0 over the 3 recorded weeks
    assert (summary.weeks, summary.weeks_recorded, summary.weeks_missed) == (4, 3, 1)
    assert (summary.attended_minutes, summary.required_minutes) == (1620, 2160)


def test_four_weeks_without_any_record_are_no_attendance_not_unknown() -> None:
    summary = weekly_attendance(weeks(None, None, None, None))
    assert summary is not None and summary.fraction == 0.0 and summary.weeks_missed == 4


def test_weeks_in_which_nothing_was_required_are_left_out() -> None:
    on_leave = WeekAttendance(MONDAY - timedelta(weeks=1), 0, None)
    summary = weekly_attendance([on_leave, *weeks(270)])
    assert summary is not None and summary.weeks == 1 and summary.fraction == 0.5
    assert weekly_attendance([on_leave]) is None


def test_the_fraction_is_at_most_one() -> None:
    summary = weekly_attendance(weeks(900, 540))
    assert summary is not None and summary.fraction == 1.0


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(TaperInputError):
        WeekAttendance(MONDAY, -1, None)
    with pytest.raises(TaperInputError):
        WeekAttendance(MONDAY, 540, -5)


def test_the_look_back_is_26_weeks_and_documented() -> None:
    assert LOOKBACK_WEEKS == 26 and ATTENDANCE_WEEKS == 4
    assert window.__doc__ is not None and "26 weeks" in window.__doc__
    assert "counts as missed" in window.__doc__
    assert look_back_weeks(TaperPolicy()) == 26


def test_the_look_back_covers_the_programs_own_windows() -> None:
    assert look_back_weeks(TaperPolicy(min_weeks_without_use=30)) == 30
    assert look_back_weeks(TaperPolicy(relapse_window_weeks=40)) == 40


def test_both_windows_are_program_policy_with_the_old_values_as_defaults() -> None:
    policy = TaperPolicy()
    assert (policy.lookback_weeks, policy.attendance_window_weeks) == (26, 4)
    assert attendance_weeks(policy) == 4
    assert look_back_weeks(TaperPolicy(lookback_weeks=12)) == 12
    assert look_back_weeks(TaperPolicy(lookback_weeks=104)) == 104
    assert attendance_weeks(TaperPolicy(attendance_window_weeks=2)) == 2


def test_a_short_look_back_still_widens_to_the_programs_longer_windows() -> None:
    assert look_back_weeks(TaperPolicy(lookback_weeks=6, min_weeks_without_use=10)) == 10
    assert look_back_weeks(TaperPolicy(lookback_weeks=4, screen_window_weeks=8)) == 8


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lookback_weeks", 3),
        ("lookback_weeks", 105),
        ("lookback_weeks", 0),
        ("attendance_window_weeks", 0),
        ("attendance_window_weeks", 27),
        ("attendance_window_weeks", -1),
        ("attendance_window_weeks", True),
    ],
)
def test_windows_outside_their_bounds_are_refused_with_a_plain_message(
    field: str, value: int
) -> None:
    with pytest.raises(TaperInputError, match="must be a whole number of weeks from"):
        TaperPolicy(**{field: value})
    assert set(
        window_problems(**{"lookback_weeks": 26, "attendance_window_weeks": 4, field: value})
    ) == {field}
    assert window_problems(4, 1) == {} and window_problems(104, 26) == {}


def test_the_look_back_and_missed_weeks_are_in_the_tapering_doc() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[4] / "docs" / "tapering.md"
    text = doc.read_text(encoding="utf-8")
    assert "26-week look-back" in text and "counts as missed" in text
