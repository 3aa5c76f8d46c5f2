"""The charge of a patient's day: boundaries, notes, Medicare, discrete fallback."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from openiop.domain.billing.charges import (
    Attended,
    ChargeDecision,
    ClaimType,
    Outcome,
    PatientDay,
    PayerTerms,
    Service,
    decide,
    video_days,
)
from openiop.domain.compliance import PerDiemBasis, PerDiemRule

DAY = date(2026, 11, 3)
MEDICAID = PayerTerms("Medicaid", revenue_codes={"H0015": "0906", "S9480": "0905"})
MEDICARE = PayerTerms(
    "Medicare", revenue_codes={"H0015": "0906", "S9480": "0905"}, is_medicare=True
)
COMMERCIAL = PayerTerms("Acme", claim_type=ClaimType.PROFESSIONAL)


def _day(**kw: object) -> ChargeDecision:
    base: dict[str, object] = {
        "day": DAY,
        "minutes": 180,
        "signed_note": True,
        "track_kinds": frozenset({"substance_use"}),
        "payer": MEDICAID,
    }
    base.update(kw)
    return decide(PatientDay(**base))  # type: ignore[arg-type]


def test_three_hours_is_a_per_diem_day_and_2h59_is_not() -> None:
    three = _day(minutes=180)
    assert (three.service, three.outcome, three.code, three.revenue_code) == (
        Service.PER_DIEM,
        Outcome.READY,
        "H0015",
        "0906",
    )
    short = _day(minutes=179)
    assert short.service is Service.NONE and short.outcome is Outcome.NO_CHARGE
    assert "2 h 59" in short.reason and "program policy" in short.reason


def test_under_the_minimum_falls_back_to_the_program_discrete_code() -> None:
    d = _day(minutes=120, discrete_code="90853")
    assert (d.service, d.code, d.outcome) == (Service.DISCRETE, "90853", Outcome.HELD)
    assert "no revenue code for 90853" in d.reason


def test_mental_health_track_is_s9480() -> None:
    d = _day(track_kinds=frozenset({"mental_health"}))
    assert (d.code, d.revenue_code) == ("S9480", "0905")
    assert _day(track_kinds=frozenset({"mental_health", "substance_use"})).code == "H0015"


def test_unsigned_note_holds_the_charge() -> None:
    d = _day(signed_note=False)
    assert d.outcome is Outcome.HELD and "signed" in d.reason


def test_medicare_needs_a_current_certification_and_carries_condition_92() -> None:
    ok = _day(payer=MEDICARE, certification_current=True)
    assert ok.outcome is Outcome.READY and ok.condition_codes == ("92",)
    held = _day(payer=MEDICARE, certification_current=False)
    assert held.outcome is Outcome.HELD and "certification" in held.reason
    assert held.condition_codes == ("92",)


def test_no_coverage_holds_and_self_pay_does_not() -> None:
    assert _day(payer=None).outcome is Outcome.HELD
    assert _day(payer=None, self_pay=True).outcome is Outcome.READY


def test_professional_payer_gets_place_of_service_57() -> None:
    d = _day(payer=COMMERCIAL)
    assert d.place_of_service == "57" and d.revenue_code == "" and d.outcome is Outcome.READY


def test_a_payer_rule_needing_the_week_makes_a_3h_day_discrete() -> None:
    rule = PerDiemRule(payer="X", basis=PerDiemBasis.DAY_AND_WEEK, source="contract 4.2")
    d = _day(rule=rule, week_condition_met=False)
    assert d.service is Service.NONE and "payer's rule" in d.reason


def test_no_attendance_no_charge() -> None:
    assert _day(minutes=0).outcome is Outcome.NO_CHARGE


# Telehealth: the place of service of a day attended only by video.

BOTH = PayerTerms(
    "Both", claim_type=ClaimType.BOTH, revenue_codes={"H0015": "0906"}, place_of_service="53"
)


def test_a_day_by_video_is_place_10_on_a_professional_claim() -> None:
    d = _day(payer=COMMERCIAL, by_video=True)
    assert (d.place_of_service, d.outcome) == ("10", Outcome.READY)


def test_the_program_may_say_its_patients_join_from_elsewhere_02() -> None:
    d = _day(payer=COMMERCIAL, by_video=True, video_place_of_service="02")
    assert d.place_of_service == "02"


def test_a_mixed_day_keeps_the_payers_usual_place() -> None:
    # `by_video` is False as soon as one minute of the day was in person.
    assert _day(payer=COMMERCIAL, by_video=False).place_of_service == "57"
    assert _day(payer=BOTH, by_video=False).place_of_service == "53"


def test_institutional_claims_have_no_place_even_by_video() -> None:
    d = _day(payer=MEDICAID, by_video=True)
    assert (d.place_of_service, d.revenue_code) == ("", "0906")
    # A payer taking both forms: the professional claim gets 10, the UB-04 its revenue code.
    both = _day(payer=BOTH, by_video=True)
    assert (both.place_of_service, both.revenue_code) == ("10", "0906")


def test_a_discrete_day_by_video_is_telehealth_too() -> None:
    d = _day(payer=COMMERCIAL, by_video=True, minutes=90, discrete_code="90853")
    assert (d.service, d.place_of_service) == (Service.DISCRETE, "10")


def test_self_pay_by_video_has_no_place() -> None:
    assert _day(payer=None, self_pay=True, by_video=True).place_of_service == ""


@pytest.mark.parametrize("bad", ["11", "57", "", "2"])
def test_only_02_or_10_is_a_video_place(bad: str) -> None:
    with pytest.raises(ValueError, match="02 or 10"):
        _day(by_video=True, video_place_of_service=bad)


NY = ZoneInfo("America/New_York")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def _seen(
    start: datetime,
    end: datetime,
    *,
    video: bool,
    patient: int = 1,
    check_in: datetime | None = None,
    check_out: datetime | None = None,
) -> Attended:
    return Attended(patient, "America/New_York", start, end, check_in, check_out, video)


def test_video_days_only_video_minutes() -> None:
    days = video_days([_seen(_at(DAY, 18), _at(DAY, 21), video=True)])
    assert days == {(1, DAY)}


def test_video_days_any_minute_in_person_makes_the_day_mixed() -> None:
    records = [
        _seen(_at(DAY, 18), _at(DAY, 21), video=True),
        _seen(_at(DAY, 10), _at(DAY, 10, 30), video=False),
    ]
    assert video_days(records) == frozenset()
    # Another patient's in-person time changes nothing for the first.
    other = [records[0], _seen(_at(DAY, 10), _at(DAY, 11), video=False, patient=2)]
    assert video_days(other) == {(1, DAY)}


def test_video_days_in_person_record_without_a_minute_does_not_count() -> None:
    # Checked out before the session began: no minute attended, nothing in person.
    records = [
        _seen(_at(DAY, 18), _at(DAY, 21), video=True),
        _seen(_at(DAY, 10), _at(DAY, 11), video=False, check_out=_at(DAY, 9)),
    ]
    assert video_days(records) == {(1, DAY)}


def test_video_days_are_local_days_cut_at_the_patients_midnight() -> None:
    # 22:00-01:00 New York in person, then video the next evening: the in-person hour after
    # midnight falls on the next local day, which is mixed; a UTC day would differ.
    nxt = DAY + timedelta(days=1)
    records = [
        _seen(_at(DAY, 22), _at(nxt, 1), video=False),
        _seen(_at(nxt, 18), _at(nxt, 21), video=True),
        _seen(_at(nxt + timedelta(days=1), 20), _at(nxt + timedelta(days=1), 23), video=True),
    ]
    assert video_days(records) == {(1, nxt + timedelta(days=1))}


def test_video_days_across_a_week_boundary() -> None:
    sunday = DAY + timedelta(days=(6 - DAY.weekday()))
    monday = sunday + timedelta(days=1)
    records = [_seen(_at(sunday, 23), _at(monday, 2), video=True)]
    assert video_days(records) == {(1, sunday), (1, monday)}
