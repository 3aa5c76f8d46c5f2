"""Withdrawal-management and safety rules: the signals that come before any placement.

Each rule returns a ``Reason`` when it fires and ``None`` otherwise; the docstring of each rule
names its source. Withdrawal scales "should not be used alone to determine level of care"
(ASAM 2020, Recs III.1 and III.3), so these rules set the separate *withdrawal management first*
indicator and never the level the person goes to afterwards.
"""

from __future__ import annotations

from openiop.domain.placement.model import (
    CssrsRisk,
    Dimension,
    Effect,
    PlacementInput,
    Reason,
)
from openiop.domain.placement.policy import CIWA_AR_MODERATE_MIN, PlacementPolicy

ASAM_AWM_2020 = "ASAM Clinical Practice Guideline on Alcohol Withdrawal Management (2020)"
COLUMBIA_TRIAGE = "C-SSRS screener with triage points, Columbia clinical triage guidelines"
POLICY = "program policy (set in Settings)"


def ciwa_ar_above_threshold(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-1: CIWA-Ar above the program threshold -> withdrawal management first.

    Source: VA PAWS bands, >= 15 raised risk of severe
    withdrawal; ASAM 2020 Rec. VII.5, >= 19 severe. The threshold is
    policy: ``PlacementPolicy.ciwa_ar_withdrawal_management_above``.
    """
    total = inp.screening.ciwa_ar_total
    limit = policy.ciwa_ar_withdrawal_management_above
    if total is None or total <= limit:
        return None
    return Reason(
        rule="PL-WM-1",
        effect=Effect.WITHDRAWAL_MANAGEMENT,
        facts=(f"ciwa_ar_total={total}", f"policy.ciwa_ar_withdrawal_management_above={limit}"),
        text=f"CIWA-Ar {total} is above {limit}: risk of severe alcohol withdrawal; "
        "medically supervised withdrawal management comes first.",
        source=f"VA PAWS CIWA-Ar bands; {ASAM_AWM_2020}, Rec. VII.5; {POLICY}",
    )


def complicated_withdrawal_history(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-2: a history of withdrawal seizures or delirium -> withdrawal management first.

    Source: ASAM 2020 alcohol withdrawal guideline: "complicated" withdrawal is seizure or
    delirium, and its history rules out ambulatory withdrawal management (Rec. VII.8).
    """
    s = inp.screening
    facts = tuple(
        f"{name}=True"
        for name in ("withdrawal_seizure_history", "withdrawal_delirium_history")
        if getattr(s, name)
    )
    if not facts:
        return None
    return Reason(
        rule="PL-WM-2",
        effect=Effect.WITHDRAWAL_MANAGEMENT,
        facts=facts,
        text="History of complicated withdrawal (seizures or delirium): withdrawal must be "
        "managed under medical supervision before outpatient treatment.",
        source=f"{ASAM_AWM_2020}, Rec. VII.8",
    )


def ciwa_ar_moderate(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-3 / PL-WM-4: moderate CIWA-Ar (10 up to the program threshold).

    With a complicating factor (intoxicated now, significant medical or psychiatric
    comorbidity, unable to attend ambulatory visits) withdrawal management comes first
    (PL-WM-3); without one, ambulatory withdrawal management alongside the program is
    acceptable (PL-WM-4). Source: ASAM 2020 alcohol withdrawal guideline, Rec. VII.8
    (criteria for ambulatory withdrawal management).
    """
    total = inp.screening.ciwa_ar_total
    limit = policy.ciwa_ar_withdrawal_management_above
    if total is None or not CIWA_AR_MODERATE_MIN <= total <= limit:
        return None
    factors = tuple(
        f"{name}=True"
        for name, present in (
            ("currently_intoxicated", inp.screening.currently_intoxicated),
            ("significant_comorbidities", inp.criteria.significant_comorbidities),
            ("unable_to_attend_ambulatory_visits", inp.criteria.unable_to_attend_ambulatory_visits),
        )
        if present
    )
    if factors:
        return Reason(
            rule="PL-WM-3",
            effect=Effect.WITHDRAWAL_MANAGEMENT,
            facts=(f"ciwa_ar_total={total}", *factors),
            text=f"Moderate alcohol withdrawal (CIWA-Ar {total}) with a complicating factor: "
            "ambulatory withdrawal management is not suitable; manage withdrawal first.",
            source=f"{ASAM_AWM_2020}, Rec. VII.8",
        )
    return Reason(
        rule="PL-WM-4",
        effect=Effect.INFO,
        facts=(f"ciwa_ar_total={total}",),
        text=f"Moderate alcohol withdrawal (CIWA-Ar {total}) without complicating factors: "
        "ambulatory withdrawal management alongside the program is acceptable.",
        source=f"{ASAM_AWM_2020}, Rec. VII.8",
    )


def cows_above_threshold(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-5: COWS at or above the program threshold -> withdrawal management first.

    Source: COWS bands (Wesson & Ling 2003: 25-36 moderately severe, > 36 severe) [S]; the
    link to level of care is program policy (``cows_withdrawal_management_min``), not a
    published rule.
    """
    total = inp.screening.cows_total
    limit = policy.cows_withdrawal_management_min
    if total is None or limit is None or total < limit:
        return None
    return Reason(
        rule="PL-WM-5",
        effect=Effect.WITHDRAWAL_MANAGEMENT,
        facts=(f"cows_total={total}", f"policy.cows_withdrawal_management_min={limit}"),
        text=f"COWS {total} (at least {limit}): opioid withdrawal to be managed first "
        "(for example with buprenorphine induction) before the program.",
        source=f"COWS bands, Wesson & Ling 2003; {POLICY}",
    )


def dangerous_withdrawal_criterion(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-6: the program criterion "dangerous withdrawal symptoms".

    Source: common IOP practice (who needs inpatient/residential care instead). The engine reads it
    as withdrawal management first, after which the other facts decide the level.
    """
    if not inp.criteria.dangerous_withdrawal_symptoms:
        return None
    return Reason(
        rule="PL-WM-6",
        effect=Effect.WITHDRAWAL_MANAGEMENT,
        facts=("dangerous_withdrawal_symptoms=True",),
        text="Dangerous withdrawal symptoms: withdrawal management in a supervised setting first.",
        source="common IOP practice: who needs inpatient/residential care",
    )


def dimension_one_severe(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-7: dimension 1 rated at or above the program threshold (default 3).

    Source: ASAM placement grids [S]: dimension 1 "severe withdrawal risk" belongs in level
    III/IV withdrawal management; the threshold is policy
    (``d1_withdrawal_management_min_rating``).
    """
    rating = inp.rating(Dimension.INTOXICATION_WITHDRAWAL)
    limit = policy.d1_withdrawal_management_min_rating
    if rating.rating < limit:
        return None
    return Reason(
        rule="PL-WM-7",
        effect=Effect.WITHDRAWAL_MANAGEMENT,
        facts=(f"D1 rating={rating.rating}", f"D1 evidence: {rating.evidence}"),
        text=f"Dimension 1 (intoxication/withdrawal) rated {rating.rating}: severe withdrawal "
        "risk; withdrawal management first.",
        source=f"ASAM placement grids (PPC); {POLICY}",
    )


def cssrs_high(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-SAFE-1: C-SSRS high risk -> crisis evaluation before any placement.

    Source: Columbia triage: yes to items 4 or 5, or behaviour in the past 3 months, needs
    safety precautions until a mental-health professional evaluates;
    ASAM 2020 Rec. III.2: active suicide risk needs a setting equipped for it.
    """
    if inp.screening.cssrs_risk is not CssrsRisk.HIGH:
        return None
    return Reason(
        rule="PL-SAFE-1",
        effect=Effect.CRISIS,
        facts=("cssrs_risk=high",),
        text="C-SSRS high risk: keep the person safe and arrange a crisis evaluation by a "
        "mental-health professional now (988 Suicide & Crisis Lifeline). The level below is "
        "provisional until that evaluation.",
        source=f"{COLUMBIA_TRIAGE}; {ASAM_AWM_2020}, Rec. III.2",
    )


def cssrs_low_or_moderate(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-SAFE-2: C-SSRS low or moderate -> behavioural-health follow-up and crisis lines.

    Source: Columbia triage: positive answers below the high level need a behavioural-health
    referral and crisis-line information.
    """
    risk = inp.screening.cssrs_risk
    if risk not in (CssrsRisk.LOW, CssrsRisk.MODERATE):
        return None
    return Reason(
        rule="PL-SAFE-2",
        effect=Effect.SAFETY,
        facts=(f"cssrs_risk={risk}",),
        text=f"C-SSRS {risk} risk: include suicide-risk follow-up in the plan and give crisis "
        "resources (988).",
        source=COLUMBIA_TRIAGE,
    )


def phq9_item9_positive(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-SAFE-3: PHQ-9 item 9 above zero -> immediate clinical evaluation.

    Source: PHQ-9 item 9 (44260-8) > 0 needs immediate clinical evaluation whatever the total
    (MII PRO IG); in the IOP it triggers a C-SSRS screen.
    """
    item9 = inp.screening.phq9_item9
    if not item9:
        return None
    screened = inp.screening.cssrs_risk is not None
    return Reason(
        rule="PL-SAFE-3",
        effect=Effect.SAFETY,
        facts=(f"phq9_item9={item9}", f"cssrs_done={screened}"),
        text="PHQ-9 item 9 positive: a clinician evaluates suicide risk now"
        + ("." if screened else "; complete a C-SSRS screen before placement."),
        source="PHQ-9 item 9, MII PRO IG",
    )


WITHDRAWAL_RULES = (
    ciwa_ar_above_threshold,
    complicated_withdrawal_history,
    ciwa_ar_moderate,
    cows_above_threshold,
    dangerous_withdrawal_criterion,
    dimension_one_severe,
)
SAFETY_RULES = (cssrs_high, cssrs_low_or_moderate, phq9_item9_positive)
