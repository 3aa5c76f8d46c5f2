"""Withdrawal-management and safety rules: the signals that come before any placement.

Each rule returns a ``Reason`` when it fires and ``None`` otherwise; the docstring of each rule
names its source. Withdrawal scales "should not be used alone to determine level of care"
(ASAM 2020, Recs III.1 and III.3), so these rules set the separate *withdrawal management first*
indicator and never the level the person goes to afterwards.
"""

from __future__ import annotations

from openiop.domain.placement.model import (
    SUBSTANCE_CONDITIONS,
    CssrsRisk,
    Dimension,
    Effect,
    PlacementInput,
    Reason,
)
from openiop.domain.placement.policy import (
    CIWA_AR_MODERATE_MIN,
    CIWA_AR_SEVERE_MIN,
    PlacementPolicy,
    cows_band,
)

ASAM_AWM_2020 = "ASAM Clinical Practice Guideline on Alcohol Withdrawal Management (2020)"
COLUMBIA_TRIAGE = "C-SSRS screener with triage points, Columbia clinical triage guidelines"
POLICY = "program policy (set in Settings)"


def ciwa_ar_above_threshold(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-1: CIWA-Ar in the severe band (>= 19) -> withdrawal management first.

    Source: ASAM 2020 alcohol withdrawal guideline, Table 1 (severe: CIWA-Ar >= 19) and Rec
    VII.5; Rec VII.8 allows ambulatory withdrawal management only for mild or uncomplicated
    moderate withdrawal. The threshold is the scorer's own band
    (``openiop.domain.screening.withdrawal.CIWA_AR_SEVERE_MIN``), so the screening page and the
    placement never disagree; it is not a setting.
    """
    total = inp.screening.ciwa_ar_total
    if total is None or total < CIWA_AR_SEVERE_MIN:
        return None
    return Reason(
        rule="PL-WM-1",
        effect=Effect.WITHDRAWAL_MANAGEMENT,
        facts=(f"ciwa_ar_total={total}", "ciwa_ar_band=severe"),
        text=f"CIWA-Ar {total}: severe alcohol withdrawal (19 or more); medically supervised "
        "withdrawal management comes first.",
        source=f"{ASAM_AWM_2020}, Table 1 and Rec VII.5, VII.8",
    )


def complicated_withdrawal_history(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-2: a history of withdrawal seizures or delirium -> withdrawal management first.

    Source: ASAM 2020 alcohol withdrawal guideline: a history of withdrawal delirium or
    seizures is a risk factor for complicated withdrawal (Rec II.5), and ambulatory withdrawal
    management needs "no history of complicated alcohol withdrawal (seizures, delirium)" (Rec
    VII.8), so withdrawal is managed in a more intensive setting first, whatever the score.
    """
    s = inp.screening
    named = [
        (name, words)
        for name, words in (
            ("withdrawal_seizure_history", "withdrawal seizures"),
            ("withdrawal_delirium_history", "withdrawal delirium"),
        )
        if getattr(s, name)
    ]
    if not named:
        return None
    what = " and ".join(words for _, words in named)
    return Reason(
        rule="PL-WM-2",
        effect=Effect.WITHDRAWAL_MANAGEMENT,
        facts=tuple(f"{name}=True" for name, _ in named),
        text=f"History of {what}: risk of complicated withdrawal, so withdrawal is managed "
        "first in a more intensive, medically supervised setting, before any outpatient "
        "level, whatever the current withdrawal score.",
        source=f"{ASAM_AWM_2020}, Rec II.5 and VII.8",
    )


def ciwa_ar_moderate(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-3 / PL-WM-4: moderate CIWA-Ar (10-18, ASAM 2020 Table 1).

    With a complicating factor (intoxicated now, significant medical or psychiatric
    comorbidity, unable to attend ambulatory visits) withdrawal management comes first
    (PL-WM-3); without one, ambulatory withdrawal management alongside the program is
    acceptable (PL-WM-4). Source: ASAM 2020 alcohol withdrawal guideline, Rec. VII.8
    (criteria for ambulatory withdrawal management).
    """
    total = inp.screening.ciwa_ar_total
    if total is None or not CIWA_AR_MODERATE_MIN <= total < CIWA_AR_SEVERE_MIN:
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
    if inp.screening.currently_intoxicated is None:
        return Reason(
            rule="PL-WM-4",
            effect=Effect.INFO,
            facts=(f"ciwa_ar_total={total}", "currently_intoxicated=unknown"),
            text=f"Moderate alcohol withdrawal (CIWA-Ar {total}) with no complicating factor "
            "recorded, but whether the person is intoxicated now is not recorded: check it "
            "first. Ambulatory withdrawal management alongside the program is acceptable only "
            "if there is no complicating factor.",
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


def withdrawal_history_unknown(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-8: the withdrawal seizure or delirium history is not recorded -> ask for it.

    An unknown history is neither "no history" (which would allow ambulatory withdrawal
    management) nor "history" (which would send to withdrawal management first): the
    clinician must ask. Source: ASAM 2020 alcohol withdrawal guideline, Rec II.5 (risk factors
    for complicated withdrawal) and VII.8 (ambulatory withdrawal management needs no history
    of complicated withdrawal). It fires only where withdrawal is in question: a substance or
    alcohol condition, or a CIWA-Ar or COWS score (program convention).
    """
    s = inp.screening
    relevant = (
        bool(s.conditions & SUBSTANCE_CONDITIONS)
        or s.ciwa_ar_total is not None
        or s.cows_total is not None
    )
    unknown = [
        (name, words)
        for name, words in (
            ("withdrawal_seizure_history", "withdrawal seizures"),
            ("withdrawal_delirium_history", "withdrawal delirium"),
        )
        if getattr(s, name) is None
    ]
    if not relevant or not unknown:
        return None
    what = " or ".join(words for _, words in unknown)
    return Reason(
        rule="PL-WM-8",
        effect=Effect.SAFETY,
        facts=tuple(f"{name}=unknown" for name, _ in unknown),
        text=f"Whether the person has had {what} in the past is not recorded: ask before any "
        f"outpatient level starts. A history of {what} means withdrawal management first; "
        "not recorded is not read as no history.",
        source=f"{ASAM_AWM_2020}, Rec II.5 and VII.8",
    )


def cows_above_threshold(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-WM-5: COWS in the program's band or above -> withdrawal management first.

    Source: COWS bands (Wesson & Ling 2003: 5-12 mild, 13-24 moderate, 25-36 moderately severe,
    > 36 severe), the scorer's own bands; which band calls for withdrawal management first is
    program policy (``cows_withdrawal_management_min``, the start of a band), not a published
    rule.
    """
    total = inp.screening.cows_total
    limit = policy.cows_withdrawal_management_min
    if total is None or limit is None or total < limit:
        return None
    code, label = cows_band(total)
    _, from_label = cows_band(limit)
    return Reason(
        rule="PL-WM-5",
        effect=Effect.WITHDRAWAL_MANAGEMENT,
        facts=(
            f"cows_total={total}",
            f"cows_band={code}",
            f"policy.cows_withdrawal_management_min={limit}",
        ),
        text=f"COWS {total}: {label.lower()} opioid withdrawal; this program manages "
        f"withdrawal first from the {from_label.lower()} band up (for example with "
        "buprenorphine induction) before the program.",
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
    if rating is None or rating.rating < limit:
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
        text="C-SSRS high risk: urgent evaluation by a mental-health professional now, before "
        "any outpatient level (1, 2.1 or 2.5) starts; keep the person safe meanwhile (988 "
        "Suicide & Crisis Lifeline). The level below is provisional until that evaluation.",
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
    withdrawal_history_unknown,
    ciwa_ar_moderate,
    cows_above_threshold,
    dangerous_withdrawal_criterion,
    dimension_one_severe,
)


def phq9_item9_unknown(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-SAFE-4: a PHQ-9 on file whose item 9 is unknown, and no C-SSRS -> screen first.

    Only the total was recorded, so suicidal ideation was asked but its answer is not known;
    an unknown risk is not read as no risk. The program asks for a C-SSRS screen (or the
    item 9 answer) before any outpatient level starts. It does not claim urgency
    (``urgent_evaluation`` stays false): nothing positive is known. Program policy, following
    PL-SAFE-3 (PHQ-9 item 9, MII PRO IG) and Columbia triage.
    """
    s = inp.screening
    if not s.phq9_item9_unknown or s.cssrs_risk is not None:
        return None
    return Reason(
        rule="PL-SAFE-4",
        effect=Effect.SAFETY,
        facts=("phq9_item9=unknown", "cssrs_done=False"),
        text="PHQ-9 on file without the answer to item 9 (thoughts of self-harm): complete a "
        "C-SSRS screen before any outpatient level starts; an unknown risk is not read as "
        "no risk.",
        source=f"PHQ-9 item 9, MII PRO IG; {COLUMBIA_TRIAGE}; {POLICY}",
    )


SAFETY_RULES = (cssrs_high, cssrs_low_or_moderate, phq9_item9_positive, phq9_item9_unknown)
