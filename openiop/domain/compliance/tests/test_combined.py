"""One weekly requirement for a patient in several tracks, the admission floor, whether the
availability given can hold the hours, and the prorated admission week."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from openiop.domain.compliance import (
    Attendance,
    PatientWeek,
    Status,
    TrackEnrolment,
    admission_minimum_minutes,
    availability_check,
    available_group_minutes,
    is_adolescent,
    requirement_label,
    weekly_requirement,
)
from openiop.domain.compliance.tests.factories import (
    FRI,
    MON,
    SAT,
    SUN,
    THU,
    WED,
    at,
    one_week,
    patient,
    present,
    session,
)

SUD = TrackEnrolment("sud", track_minimum_minutes=540, required_minutes=540)
MH = TrackEnrolment("mh", track_minimum_minutes=540, required_minutes=540)
TEEN = TrackEnrolment(
    "teen", adolescent_track=True, track_minimum_minutes=360, required_minutes=360
)


def test_adult_in_two_nine_hour_tracks_owes_nine_hours_not_eighteen() -> None:
    combined = weekly_requirement([SUD, MH], adolescent=False)
    assert combined.minutes == 540 and combined.tracks == 2
    assert combined.label == "9 h a week (one requirement across both tracks)"
    assert "one requirement across both tracks" in combined.reason
    assert "program policy" in combined.reason


def test_the_highest_track_requirement_wins() -> None:
    more = TrackEnrolment("mh", track_minimum_minutes=540, required_minutes=720)
    assert weekly_requirement([SUD, more], adolescent=False).minutes == 720
    no_phase = [TrackEnrolment("a", track_minimum_minutes=600), TrackEnrolment("b")]
    combined = weekly_requirement(no_phase, adolescent=False)
    assert (combined.minutes, combined.basis) == (600, "track")


def test_adolescent_and_adult_tracks_are_decided_by_age() -> None:
    assert weekly_requirement([TEEN, SUD], adolescent=True).minutes == 360
    assert weekly_requirement([TEEN, SUD], adolescent=False).minutes == 540
    # An 18-year-old still in an adolescent track only: that track counts.
    assert weekly_requirement([TEEN], adolescent=False).minutes == 360


def test_without_tracks_the_asam_population_minimum_applies() -> None:
    assert weekly_requirement([], adolescent=False).minutes == 540
    assert weekly_requirement([], adolescent=True).minutes == 360
    assert weekly_requirement([], adolescent=True).reason == (
        "Requirement 6 h: adolescent minimum (ASAM Level 2.1)."
    )


def test_labels() -> None:
    assert requirement_label(540, 1) == "9 h a week"
    assert requirement_label(450, 2) == "7 h 30 min a week (one requirement across both tracks)"
    assert requirement_label(540, 3) == "9 h a week (one requirement across all 3 tracks)"


def test_adolescent_is_under_18_on_the_day() -> None:
    assert is_adolescent(date(2010, 5, 2), date(2028, 5, 1))
    assert not is_adolescent(date(2010, 5, 2), date(2028, 5, 2))
    assert not is_adolescent(date(2008, 2, 29), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("track", "adolescent", "floor"),
    [(540, False, 540), (360, False, 540), (360, True, 360), (600, True, 600)],
)
def test_admission_never_goes_below_the_asam_minimum(
    track: int, adolescent: bool, floor: int
) -> None:
    assert admission_minimum_minutes(track, adolescent=adolescent) == floor


def test_availability_counts_only_free_time_when_groups_meet() -> None:
    groups = [(d, 18 * 60, 21 * 60) for d in range(6)] + [(5, 9 * 60, 12 * 60)]
    free = [(0, 18 * 60, 21 * 60), (6, 9 * 60, 12 * 60), (2, 17 * 60, 19 * 60)]
    # Monday evening 3 h, Wednesday 18:00-19:00 1 h; Sunday has no group.
    assert available_group_minutes(free, groups) == 240
    check = availability_check(free, groups, 540)
    assert not check.enough
    assert check.warning.startswith("The availability given holds only 4 h of group time")
    assert "9 h required" in check.warning
    assert availability_check(free * 3, groups, 240).warning == ""


def test_overlapping_windows_count_once() -> None:
    groups = [(0, 600, 780), (0, 660, 720)]
    free = [(0, 540, 700), (0, 650, 800)]
    assert available_group_minutes(free, groups) == 180


# --- the admission week ---------------------------------------------------------------------


def _week(
    starts_on: date,
    records: list[Attendance] | None = None,
    as_of: datetime | None = None,
    scheduled: tuple[str, ...] = ("s1", "s2", "s3", "s4"),
) -> PatientWeek:
    """Group sessions Mon, Wed, Fri and Sat (12 h); the patient is on those given."""
    sessions = [session("s1", MON), session("s2", WED), session("s3", FRI), session("s4", SAT)]
    p = patient(scheduled=scheduled, starts_on=starts_on)
    return one_week([p], records or [], sessions, as_of=as_of)["p1"]


def test_admitted_on_the_last_day_of_the_week_is_not_short() -> None:
    week = _week(SUN)
    assert week.required_minutes == 0
    assert week.status is not Status.SHORT
    assert any("program policy: the admission week is prorated" in r for r in week.reasons)
    assert any("no group time of their tracks was left" in r for r in week.reasons)


def test_the_admission_week_is_prorated_by_the_group_time_left() -> None:
    # 12 h of group time in the week, 6 h of it from Friday: 9 h x 6/12 = 4 h 30 min.
    week = _week(FRI, [present("s3"), present("s4")], scheduled=("s3", "s4"))
    assert week.required_minutes == 270
    assert week.status is Status.MET


def test_mid_week_projection_in_the_admission_week_is_on_track() -> None:
    week = _week(THU, as_of=at(THU, "12:00"), scheduled=("s3", "s4"))
    assert week.required_minutes == 270
    assert week.status is Status.ON_TRACK
    sunday = _week(SUN, as_of=at(SUN, "12:00"), scheduled=())
    assert sunday.status not in (Status.SHORT, Status.AT_RISK)


def test_admitted_on_the_first_day_or_earlier_owes_the_full_minimum() -> None:
    assert _week(MON).required_minutes == 540
    assert _week(date(2026, 9, 1)).required_minutes == 540


def test_admitted_when_enough_group_time_is_left_is_prorated_not_waived() -> None:
    # From Wednesday 9 of the 12 h remain: 9 h x 9/12 = 6 h 45 min, short if none attended.
    week = _week(WED)
    assert week.required_minutes == 405
    assert week.status is Status.SHORT


def test_co_occurring_patient_in_the_compliance_week_has_one_requirement() -> None:
    sessions = [
        session("a1", MON, track="sud"),
        session("a2", WED, track="sud"),
        session("b1", FRI, track="mh"),
    ]
    p = patient(
        tracks=("sud", "mh"),
        scheduled=["a1", "a2", "b1"],
        enrolments=(SUD, MH),
    )
    week = one_week([p], [present("a1"), present("a2"), present("b1")], sessions)["p1"]
    assert week.required_minutes == 540 and week.status is Status.MET
    assert any("one requirement across both tracks" in r for r in week.reasons)
