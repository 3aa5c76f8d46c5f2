"""The program's days a week (3 days with 3 hours or more, HCPCS H0015) follow the hours: in the
admission week and in weeks partly on leave they are prorated by the same share, rounded down,
so a mid-week admission is not reported short of days it could never attend."""

from __future__ import annotations

from datetime import date

import pytest

from openiop.domain.compliance import Leave, PatientWeek
from openiop.domain.compliance.requirement import program_days_required
from openiop.domain.compliance.tests.factories import (
    FRI,
    MON,
    SAT,
    SUN,
    THU,
    WED,
    one_week,
    patient,
    present,
    session,
)

FOUR_GROUPS = ("s1", "s2", "s3", "s4")  # Mon, Wed, Fri and Sat, 09:00-12:00 (12 h)
NOTE = "Program compliance:"


def _week(
    scheduled: tuple[str, ...] = FOUR_GROUPS, attended: tuple[str, ...] = (), **changes: object
) -> PatientWeek:
    sessions = [session("s1", MON), session("s2", WED), session("s3", FRI), session("s4", SAT)]
    p = patient(scheduled=scheduled, **changes)
    return one_week([p], [present(s) for s in attended], sessions)["p1"]


def _notes(week: PatientWeek) -> list[str]:
    return [r for r in week.reasons if r.startswith(NOTE)]


@pytest.mark.parametrize(
    ("starts_on", "hours", "days"),
    [
        (MON, 540, 3),  # the week's first day: nothing is prorated
        (WED, 405, 2),  # 9 of 12 h left: 3 x 9/12 = 2.25 -> 2 days
        (THU, 270, 1),  # 6 of 12 h left: 3 x 6/12 = 1.5 -> 1 day
        (SAT, 135, 0),  # 3 of 12 h left: 3 x 3/12 = 0.75 -> 0 days
        (SUN, 0, 0),  # nothing left
    ],
)
def test_the_admission_week_prorates_the_days_like_the_hours(
    starts_on: date, hours: int, days: int
) -> None:
    week = _week(starts_on=starts_on)
    assert (week.required_minutes, week.program_days_required) == (hours, days)


def test_a_thursday_admission_attending_what_was_left_has_no_days_note() -> None:
    week = _week(scheduled=("s3", "s4"), attended=("s3", "s4"), starts_on=THU)
    assert (week.program_days, week.program_days_required) == (2, 1)
    assert week.program_days_met and not _notes(week)


def test_a_wednesday_admission_short_of_its_prorated_days_says_so() -> None:
    week = _week(scheduled=("s2", "s3", "s4"), attended=("s2",), starts_on=WED)
    assert (week.program_days, week.program_days_required) == (1, 2)
    (note,) = _notes(week)
    assert "fewer than the 2 required this week (the program's 3 a week, prorated" in note


def test_a_full_week_still_requires_three_days() -> None:
    week = _week(attended=("s1",))
    assert week.program_days_required == 3
    (note,) = _notes(week)
    assert "fewer than the program's 3 a week" in note


def test_leave_days_prorate_the_days_like_the_hours() -> None:
    # On leave Monday and Wednesday: 6 of the 12 scheduled hours remain.
    week = _week(attended=("s3", "s4"), leaves=(Leave(MON, WED),))
    assert week.required_minutes == 270
    assert (week.program_days, week.program_days_required) == (2, 1)
    assert not _notes(week)


def test_leave_with_nothing_scheduled_prorates_by_days() -> None:
    # 4 of 7 days off leave: 9 h x 4/7 and 3 days x 4/7 = 1.71 -> 1 day.
    week = one_week([patient(leaves=(Leave(MON, WED),))], [], [])["p1"]
    assert week.required_minutes == 540 * 4 // 7
    assert week.program_days_required == 1


def test_a_suspended_week_requires_no_days() -> None:
    week = _week(leaves=(Leave(MON, SUN),))
    assert week.program_days_required == 0 and not _notes(week)


def test_admission_then_leave_prorate_in_turn() -> None:
    assert (
        program_days_required(
            3,
            admission=(540, 720),
            on_leave=frozenset({4}),
            scheduled_minutes=540,
            scheduled_on_leave_minutes=180,
            suspended=False,
        )
        == 1  # 3 x 9/12 = 2, then 2 x 6/9 = 1.33 -> 1
    )
    assert (
        program_days_required(
            3,
            admission=(0, 0),
            on_leave=frozenset(),
            scheduled_minutes=0,
            scheduled_on_leave_minutes=0,
            suspended=False,
        )
        == 0
    )
