"""The charge of a patient's day: boundaries, notes, Medicare, discrete fallback."""

from __future__ import annotations

from datetime import date

from openiop.domain.billing.charges import (
    ChargeDecision,
    ClaimType,
    Outcome,
    PatientDay,
    PayerTerms,
    Service,
    decide,
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
