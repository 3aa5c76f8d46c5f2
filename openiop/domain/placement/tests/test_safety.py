"""Suicide-risk signals: C-SSRS triage and PHQ-9 item 9."""

import pytest

from openiop.domain.placement import CssrsRisk, Effect, LevelOfCare
from openiop.domain.placement.tests.builders import place

IOP = {5: 2}


def test_cssrs_high_risk_means_crisis_evaluation_and_a_provisional_level() -> None:
    rec = place(IOP, cssrs_risk=CssrsRisk.HIGH)
    assert rec.crisis_evaluation
    assert rec.level is LevelOfCare.INTENSIVE_OUTPATIENT
    reason = rec.reason("PL-SAFE-1")
    assert reason.effect is Effect.CRISIS
    assert "988" in reason.text
    assert "provisional" in reason.text
    assert rec.rules[0] == "PL-SAFE-1"


@pytest.mark.parametrize("risk", [CssrsRisk.LOW, CssrsRisk.MODERATE])
def test_cssrs_low_or_moderate_means_follow_up_not_crisis(risk: CssrsRisk) -> None:
    rec = place(IOP, cssrs_risk=risk)
    assert not rec.crisis_evaluation
    assert rec.reason("PL-SAFE-2").facts == (f"cssrs_risk={risk}",)


def test_negative_cssrs_gives_no_safety_reason() -> None:
    rec = place(IOP, cssrs_risk=CssrsRisk.NEGATIVE)
    assert not rec.crisis_evaluation
    assert not [r for r in rec.rules if r.startswith("PL-SAFE")]


def test_phq9_item9_positive_without_cssrs_asks_for_the_screen() -> None:
    rec = place(IOP, phq9_item9=1)
    assert rec.safety_screen_needed
    assert not rec.crisis_evaluation
    assert "C-SSRS" in rec.reason("PL-SAFE-3").text


def test_phq9_item9_positive_with_cssrs_done_needs_no_further_screen() -> None:
    rec = place(IOP, phq9_item9=2, cssrs_risk=CssrsRisk.LOW)
    assert not rec.safety_screen_needed
    assert "cssrs_done=True" in rec.reason("PL-SAFE-3").facts


def test_phq9_item9_zero_is_no_signal() -> None:
    rec = place(IOP, phq9_item9=0)
    assert not rec.safety_screen_needed
    assert "PL-SAFE-3" not in rec.rules


def test_crisis_and_withdrawal_can_both_come_first() -> None:
    rec = place(IOP, cssrs_risk=CssrsRisk.HIGH, withdrawal_seizure_history=True)
    assert rec.crisis_evaluation
    assert rec.withdrawal_management_first
