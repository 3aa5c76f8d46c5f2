"""Coverage problems listed before any claim; certification currency."""

from __future__ import annotations

from datetime import date

from openiop.domain.billing.coverage import (
    CoverageFacts,
    certification_current,
    coverage_problems,
)

TODAY = date(2026, 12, 1)


def _c(**kw: object) -> CoverageFacts:
    base: dict[str, object] = {
        "rank": 1,
        "self_pay": False,
        "payer_name": "Medicaid",
        "member_id": "M1",
        "subscriber_last_name": "",
        "subscriber_first_name": "",
        "relationship": "self",
        "eligibility_checked_on": date(2026, 11, 20),
        "guarantor_name": "Pat",
    }
    base.update(kw)
    return CoverageFacts(**base)  # type: ignore[arg-type]


def test_a_complete_coverage_has_no_problems() -> None:
    assert coverage_problems(_c(), TODAY) == ()


def test_each_problem_is_listed() -> None:
    problems = coverage_problems(
        _c(member_id="", relationship="spouse", eligibility_checked_on=None, guarantor_name=""),
        TODAY,
    )
    assert len(problems) == 4
    assert any("member id" in p for p in problems)
    assert any("subscriber" in p for p in problems)
    assert any("never been checked" in p for p in problems)


def test_subscriber_names_are_needed_when_not_self() -> None:
    (problem,) = coverage_problems(_c(relationship="child", subscriber_first_name="Ana"), TODAY)
    assert problem == (
        "The subscriber is not the patient, and the subscriber's last name is missing."
    )
    (problem,) = coverage_problems(_c(relationship="child"), TODAY)
    assert "last name and first name are missing" in problem
    named = _c(relationship="child", subscriber_last_name="Ruiz", subscriber_first_name="Ana")
    assert coverage_problems(named, TODAY) == ()


def test_eligibility_older_than_30_days_is_program_policy() -> None:
    assert coverage_problems(_c(eligibility_checked_on=date(2026, 11, 1)), TODAY) == ()
    (problem,) = coverage_problems(_c(eligibility_checked_on=date(2026, 10, 31)), TODAY)
    assert "program policy" in problem


def test_medicare_without_certification() -> None:
    (problem,) = coverage_problems(_c(is_medicare=True, certification_current=False), TODAY)
    assert "certification" in problem


def test_certification_current_inclusive() -> None:
    a, b = date(2026, 11, 1), date(2026, 12, 30)
    assert certification_current(a, b, a) and certification_current(a, b, b)
    assert not certification_current(a, b, date(2026, 12, 31))
    assert not certification_current(a, b, date(2026, 10, 31))
