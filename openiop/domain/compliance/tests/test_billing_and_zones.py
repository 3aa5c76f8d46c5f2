"""Per-day billing eligibility, payer policies, local days per site, daylight-saving weeks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from openiop.domain.compliance import (
    DEFAULT_PER_DIEM,
    H0015_DESCRIPTOR,
    S9480_DESCRIPTOR,
    Billing,
    ComplianceInputError,
    CompliancePolicy,
    Leave,
    PerDiemBasis,
    PerDiemRule,
    Session,
    Status,
)
from openiop.domain.compliance.clock import week_calendar
from openiop.domain.compliance.tests.factories import (
    FRI,
    LA,
    MON,
    NY,
    THU,
    TUE,
    WED,
    at,
    hm,
    one_week,
    patient,
    present,
    session,
    three_day_week,
)

UTC = ZoneInfo("UTC")


def test_days_of_3_hours_in_a_9_hour_week_bill_the_per_diem() -> None:
    sessions = three_day_week()
    records = [present("s1"), present("s2"), present("s3")]
    result = one_week([patient(scheduled=["s1", "s2", "s3"])], records, sessions)["p1"]
    assert result.per_diem_week
    per_diem, none = Billing.PER_DIEM, Billing.NONE
    assert [day.billing for day in result.days] == [
        per_diem,
        none,
        per_diem,
        none,
        per_diem,
        none,
        none,
    ]


def test_a_day_under_3_hours_bills_discrete_services() -> None:
    sessions = [*three_day_week(), session("s4", THU)]
    records = [
        present("s1"),
        present("s2"),
        present("s3", check_in=at(FRI, "09:01")),
        present("s4"),
    ]
    result = one_week([patient(scheduled=["s1", "s2", "s3", "s4"])], records, sessions)["p1"]
    assert result.per_diem_week
    friday = result.days[4]
    assert (friday.minutes, friday.meets_daily_minimum, friday.billing) == (
        179,
        False,
        Billing.DISCRETE,
    )
    assert result.days[3].billing is Billing.PER_DIEM


PAYER = PerDiemRule(
    payer="Acme Health",
    basis=PerDiemBasis.DAY_AND_WEEK,
    source="Acme Health provider manual, 2026, section 4.2",
)


def test_a_3_hour_day_in_a_6_hour_week_is_a_per_diem_day_and_the_week_is_short() -> None:
    # HCPCS H0015/S9480 describe a per-day service: the day is billed whatever the week; the
    # program's 3 days and 9 hours a week are reported as program compliance, not a denial.
    sessions = [session("a", MON), session("b", WED, "09:00", "10:30"), session("c", FRI)]
    records = [present("a"), present("b"), present("c", check_out=at(FRI, "10:30"))]
    result = one_week([patient(scheduled=["a", "b", "c"])], records, sessions)["p1"]
    assert result.attended_minutes == 360
    assert [d.billing for d in result.days][:5] == [
        Billing.PER_DIEM,
        Billing.NONE,
        Billing.DISCRETE,
        Billing.NONE,
        Billing.DISCRETE,
    ]
    assert result.per_diem_week and result.per_diem_rule == DEFAULT_PER_DIEM
    assert result.status is Status.SHORT  # program compliance: 6 h of the 9 required
    assert (result.program_days, result.program_days_required) == (1, 3)
    assert not result.program_days_met
    assert any(r.startswith("Program compliance: 1 day(s)") for r in result.reasons)
    assert any("per-diem days still bill" in r for r in result.reasons)
    assert not any("discrete services, not the per diem" in r for r in result.reasons)


def test_a_payer_rule_requiring_the_weekly_minimum_bills_that_day_as_discrete() -> None:
    sessions = [session("a", MON), session("b", WED, "09:00", "10:30"), session("c", FRI)]
    records = [present("a"), present("b"), present("c", check_out=at(FRI, "10:30"))]
    billed_by_acme = patient(scheduled=["a", "b", "c"], per_diem=PAYER)
    result = one_week([billed_by_acme], records, sessions)["p1"]
    assert not result.per_diem_week
    monday = result.days[0]
    assert monday.meets_daily_minimum and monday.billing is Billing.DISCRETE
    assert result.per_diem_rule is PAYER
    note = next(r for r in result.reasons if "not the per diem" in r)
    assert note.startswith("Acme Health's rule requires at least 9 h and 3 days")
    assert "source: Acme Health provider manual, 2026, section 4.2" in note


def test_a_payer_rule_bills_the_per_diem_once_the_week_reaches_its_minimum() -> None:
    sessions = three_day_week()
    records = [present("s1"), present("s2"), present("s3")]
    payer = patient(scheduled=["s1", "s2", "s3"], per_diem=PAYER)
    result = one_week([payer], records, sessions)["p1"]
    assert result.per_diem_week and result.program_days_met
    assert [d.billing for d in result.days].count(Billing.PER_DIEM) == 3


def test_the_default_rule_is_per_day_with_the_cited_descriptors() -> None:
    assert DEFAULT_PER_DIEM.basis is PerDiemBasis.DAY
    assert DEFAULT_PER_DIEM.day_minutes == 180
    assert "H0015" in DEFAULT_PER_DIEM.source and "S9480" in DEFAULT_PER_DIEM.source
    assert "at least 3 hours/day and at least 3 days/week" in H0015_DESCRIPTOR
    assert S9480_DESCRIPTOR == "Intensive outpatient psychiatric services, per diem"


def test_no_program_days_are_required_in_a_week_on_leave() -> None:
    sessions = three_day_week()
    on_leave = patient(scheduled=["s1", "s2", "s3"], leaves=(Leave(MON, MON + timedelta(6)),))
    result = one_week([on_leave], [], sessions)["p1"]
    assert result.status is Status.ON_LEAVE
    assert result.program_days_required == 0 and result.program_days_met
    assert not any(r.startswith("Program compliance") for r in result.reasons)


@pytest.mark.parametrize(
    "changes",
    [{"day_minutes": 0}, {"week_minutes": -60}, {"min_days": 8}, {"day_minutes": 24 * 60 + 1}],
)
def test_a_per_diem_rule_refuses_nonsense(changes: dict[str, int]) -> None:
    with pytest.raises(ComplianceInputError):
        PerDiemRule(**changes)


def test_payer_thresholds_come_from_the_rule() -> None:
    sessions = [session("a", MON, "09:00", "11:00"), session("b", TUE, "09:00", "11:00")]
    records = [present("a"), present("b")]
    lenient = CompliancePolicy(per_diem=PerDiemRule(day_minutes=120))
    result = one_week([patient(scheduled=["a", "b"])], records, sessions, policy=lenient)["p1"]
    assert result.days[0].billing is Billing.PER_DIEM
    default = one_week([patient(scheduled=["a", "b"])], records, sessions)["p1"]
    assert default.days[0].billing is Billing.DISCRETE


def test_a_payer_rule_can_require_3_qualifying_days_a_week() -> None:
    sessions = [session("a", MON, "09:00", "14:00"), session("b", TUE, "09:00", "14:00")]
    records = [present("a"), present("b")]  # 10 hours on 2 days
    assert one_week([patient()], records, sessions)["p1"].per_diem_week
    strict = patient(per_diem=PAYER)
    assert not one_week([strict], records, sessions)["p1"].per_diem_week


def test_a_session_across_local_midnight_is_split_between_two_days() -> None:
    late_night = session("n", TUE, "22:00", "01:30")
    result = one_week([patient(scheduled=["n"])], [present("n")], [late_night])["p1"]
    assert [result.days[1].minutes, result.days[2].minutes] == [120, 90]


def test_local_day_depends_on_the_site_zone() -> None:
    # One telehealth group 04:00-07:00 UTC on Wednesday: Wednesday 00:00-03:00 in New York,
    # Tuesday 21:00-24:00 in Los Angeles.
    start = datetime(2026, 10, 7, 4, tzinfo=UTC)
    group = Session("tele", "adult-sud", start, start + timedelta(hours=3))
    patients = [patient("east", scheduled=["tele"]), patient("west", ["tele"], site_zone=LA)]
    records = [present("tele", "east"), present("tele", "west")]
    week = one_week(patients, records, [group])
    assert week["east"].days[2].day == WED and week["east"].days[2].minutes == 180
    assert week["west"].days[1].day == TUE and week["west"].days[1].minutes == 180


def test_week_boundaries_are_local_midnights_of_each_site() -> None:
    # Monday 08:00 in Tokyo is Sunday 19:00 in New York: the previous New York week.
    tokyo = Session.local("tk", "adult-sud", "Asia/Tokyo", MON, hm("08:00"), hm("11:00"))
    patients = [patient("ny", ["tk"]), patient("jp", ["tk"], site_zone="Asia/Tokyo")]
    week = one_week(patients, [present("tk", "ny"), present("tk", "jp")], [tokyo])
    assert week["ny"].attended_minutes == 0
    assert week["jp"].attended_minutes == 180


# Daylight saving in America/New_York: clocks fall back on Sunday 1 November 2026 (02:00 EDT ->
# 01:00 EST) and spring forward on Sunday 8 March 2026 (02:00 EST -> 03:00 EDT).
FALL_WEEK = date(2026, 10, 26)  # Monday; its Sunday is 1 November
AFTER_FALL = date(2026, 11, 2)  # Monday after the change
SPRING_WEEK = date(2026, 3, 2)  # Monday; its Sunday is 8 March


def test_fall_back_week_has_a_25_hour_sunday() -> None:
    cal = week_calendar(NY, FALL_WEEK)
    assert cal.end - cal.start == (7 * 24 + 1) * 3600
    assert cal.bounds[7] - cal.bounds[6] == 25 * 3600


def test_spring_forward_week_has_a_23_hour_sunday() -> None:
    cal = week_calendar(NY, SPRING_WEEK)
    assert cal.bounds[7] - cal.bounds[6] == 23 * 3600


def test_session_across_fall_back_lasts_four_real_hours() -> None:
    sunday = FALL_WEEK + timedelta(days=6)
    overnight = session("ov", sunday, "00:30", "03:30")
    result = one_week([patient(scheduled=["ov"])], [present("ov")], [overnight], FALL_WEEK)
    assert result["p1"].days[6].minutes == 240
    assert result["p1"].scheduled_minutes == 240


def test_check_times_in_the_repeated_hour_use_fold() -> None:
    sunday = FALL_WEEK + timedelta(days=6)
    overnight = session("ov", sunday, "00:30", "03:30")
    check_in = at(sunday, "01:10", fold=0)  # first 01:10, EDT
    check_out = at(sunday, "01:50", fold=1)  # second 01:50, EST: 100 minutes later
    result = one_week(
        [patient(scheduled=["ov"])],
        [present("ov", check_in=check_in, check_out=check_out)],
        [overnight],
        FALL_WEEK,
    )
    assert result["p1"].attended_minutes == 100


def test_session_across_spring_forward_lasts_two_real_hours() -> None:
    sunday = SPRING_WEEK + timedelta(days=6)
    overnight = session("ov", sunday, "01:00", "04:00")
    result = one_week([patient(scheduled=["ov"])], [present("ov")], [overnight], SPRING_WEEK)
    assert result["p1"].attended_minutes == 120


def test_first_week_after_fall_back_uses_standard_time_for_local_days() -> None:
    # 19:30-22:30 EST on Monday 2 November is 00:30-03:30 UTC on Tuesday: still Monday locally.
    monday = session("eve", AFTER_FALL, "19:30", "22:30")
    assert monday.start == datetime(2026, 11, 3, 0, 30, tzinfo=UTC)
    result = one_week([patient(scheduled=["eve"])], [present("eve")], [monday], AFTER_FALL)["p1"]
    assert result.days[0].day == AFTER_FALL
    assert (result.days[0].minutes, result.days[1].minutes) == (180, 0)


def test_session_from_the_change_day_into_the_next_week_counts_only_its_part() -> None:
    # Sunday 1 November 23:00 EST to Monday 2 November 02:00 EST: one hour before the week.
    night = session("night", AFTER_FALL - timedelta(days=1), "23:00", "02:00")
    result = one_week([patient(scheduled=["night"])], [present("night")], [night], AFTER_FALL)
    assert result["p1"].attended_minutes == 120
    assert result["p1"].days[0].minutes == 120


def test_a_full_three_day_week_across_the_change_meets_the_minimum() -> None:
    days = [FALL_WEEK + timedelta(days=i) for i in (4, 5, 6)]  # Fri, Sat, Sun 1 November
    sessions = [session(f"d{i}", day, "18:00", "21:00") for i, day in enumerate(days)]
    result = one_week(
        [patient(scheduled=[s.id for s in sessions])],
        [present(s.id) for s in sessions],
        sessions,
        FALL_WEEK,
    )["p1"]
    assert result.attended_minutes == 540
    assert result.per_diem_week
    assert [d.day for d in result.days[4:]] == days
