"""The week's requirement: population, track, phase, leave of absence and step-down allowance."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openiop.domain.compliance import ComplianceInputError, Leave, Status, StepDown
from openiop.domain.compliance.tests.factories import (
    FRI,
    MON,
    SAT,
    SUN,
    THU,
    TUE,
    WED,
    WEEK,
    at,
    one_week,
    patient,
    present,
    session,
    three_day_week,
)

SCHEDULE = ["s1", "s2", "s3"]


def required(**changes: object) -> tuple[int, Status, tuple[str, ...]]:
    result = one_week([patient(scheduled=SCHEDULE, **changes)], [], three_day_week())["p1"]
    return result.required_minutes, result.status, result.reasons


def test_adults_need_9_hours_and_adolescents_6() -> None:
    assert required()[0] == 540
    assert "Requirement 9 h: adult minimum (ASAM 2.1)." in required()[2]
    assert required(adolescent=True)[0] == 360


def test_track_minimum_overrides_the_population_minimum() -> None:
    assert required(track_minimum_minutes=600)[0] == 600
    assert required(adolescent=True, track_minimum_minutes=420)[0] == 420


def test_current_phase_overrides_the_track_minimum() -> None:
    minutes, _, reasons = required(track_minimum_minutes=600, phase_minimum_minutes=720)
    assert minutes == 720
    assert "Requirement 12 h: the patient's current phase." in reasons


def test_a_whole_week_on_leave_suspends_the_requirement() -> None:
    minutes, status, reasons = required(leaves=(Leave(MON - timedelta(days=3), SUN),))
    assert (minutes, status) == (0, Status.ON_LEAVE)
    assert "On leave: the requirement is suspended." in reasons


def test_leave_over_every_scheduled_day_also_suspends_it() -> None:
    leaves = (Leave(MON, MON), Leave(WED, FRI))
    assert required(leaves=leaves)[:2] == (0, Status.ON_LEAVE)


def test_leave_days_reduce_the_requirement_by_their_share_of_scheduled_time() -> None:
    minutes, status, reasons = required(leaves=(Leave(MON, TUE),))
    assert minutes == 360  # 6 of 9 scheduled hours remain: 9 h x 6/9
    assert status is Status.SHORT  # the week is over and nothing was attended
    assert any("requirement reduced from 9 h to 6 h" in r for r in reasons)


def test_leave_with_nothing_scheduled_reduces_by_days() -> None:
    result = one_week([patient(leaves=(Leave(MON, WED),))], [], [])["p1"]
    assert result.required_minutes == 540 * 4 // 7


def test_leave_on_days_without_sessions_changes_nothing() -> None:
    assert required(leaves=(Leave(SAT, SUN),))[0] == 540


def test_attendance_on_a_leave_day_still_counts() -> None:
    records = [present("s1"), present("s2")]
    p = patient(scheduled=SCHEDULE, leaves=(Leave(FRI, FRI),))
    result = one_week([p], records, three_day_week())["p1"]
    assert (result.required_minutes, result.attended_minutes, result.status) == (
        360,
        360,
        Status.MET,
    )


def test_leave_takes_its_sessions_out_of_the_projection() -> None:
    p = patient(scheduled=SCHEDULE, leaves=(Leave(FRI, FRI),))
    result = one_week([p], [present("s1")], three_day_week(), as_of=at(TUE, "12:00"))["p1"]
    assert result.remaining_minutes == 180  # Wednesday only
    assert result.scheduled_minutes == 360
    assert result.status is Status.ON_TRACK


def test_step_down_lowers_the_requirement_in_its_first_two_weeks() -> None:
    step = StepDown(starts_on=THU, minimum_minutes=240)  # Thursday: this week is week 1
    for week_start, label in ((WEEK, "week 1 of 2"), (WEEK + timedelta(days=7), "week 2 of 2")):
        result = one_week([patient(step_down=step)], [], [], week_start)["p1"]
        assert result.required_minutes == 240
        assert any(label in r and "ASAM 2.1" in r for r in result.reasons)


def test_third_week_of_a_step_down_is_back_to_the_normal_minimum() -> None:
    step = StepDown(starts_on=THU, minimum_minutes=240)
    p = patient(step_down=step, phase_minimum_minutes=600)
    result = one_week([p], [], [], WEEK + timedelta(days=14))["p1"]
    assert result.required_minutes == 600
    assert any("step-down allowance ended after 2 week(s)" in r for r in result.reasons)


def test_step_down_of_one_week_ends_after_one_week() -> None:
    step = StepDown(starts_on=MON, minimum_minutes=300, weeks=1)
    weeks = [WEEK - timedelta(days=7), WEEK, WEEK + timedelta(days=7)]
    minimums = [
        one_week([patient(step_down=step)], [], [], w)["p1"].required_minutes for w in weeks
    ]
    assert minimums == [540, 300, 540]


def test_step_down_week_can_be_met_with_fewer_hours() -> None:
    step = StepDown(starts_on=MON, minimum_minutes=360)
    records = [present("s1"), present("s2")]
    result = one_week([patient(scheduled=SCHEDULE, step_down=step)], records, three_day_week())
    assert result["p1"].status is Status.MET


def test_step_down_longer_than_two_weeks_is_refused() -> None:
    with pytest.raises(ComplianceInputError, match="one or two weeks"):
        StepDown(starts_on=MON, minimum_minutes=300, weeks=3)


def test_leave_applies_to_a_step_down_requirement_too() -> None:
    sessions = [session("a", MON), session("b", TUE)]
    p = patient(scheduled=["a", "b"], step_down=StepDown(MON, 300), leaves=(Leave(TUE, TUE),))
    assert one_week([p], [], sessions)["p1"].required_minutes == 150


def test_leave_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ComplianceInputError, match="leave ends before it starts"):
        Leave(WED, MON)
