"""The public self-check: "Is an intensive outpatient program right for me?"

Plain questions map onto the program criteria of the level-of-care engine (who benefits
from an IOP and who needs inpatient or residential care instead: common IOP practice), and the engine's
own rules decide; this module turns its reasons into plain language. It is not an ASAM
assessment: no dimension is rated (each is entered as 0, "not assessed"), so the result only
says what the criteria suggest and always sends the person to a professional assessment.
Nothing is stored: no model is touched, nothing is logged, nothing goes in the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openiop.domain.placement import (
    Condition,
    Dimension,
    DimensionRating,
    LevelOfCare,
    PlacementInput,
    ProgramCriteria,
    ScreeningResults,
    recommend_placement,
)

NOT_ASSESSED = "not assessed (public self-check)"
ADOLESCENT_AGE, ADULT_AGE = 16, 30  # stand-ins: the engine reads age only for the teen track

# Self-check question -> ProgramCriteria facts it stands for.
CRITERIA_MAP: dict[str, tuple[str, ...]] = {
    "dangerous_withdrawal": ("dangerous_withdrawal_symptoms",),
    "needs_supervision": ("needs_full_time_supervision",),
    "serious_conditions": ("significant_comorbidities",),
    "unsafe_home": ("unsupportive_social_environment", "poor_living_conditions"),
    "severe_use": ("severe_addiction",),
    "must_keep_obligations": ("must_work_or_attend_school",),
    "has_support": ("has_support_system",),
    "stepping_down": ("transitioning_from_residential_or_hospital",),
    "tried_before": ("history_of_relapse",),
}

PLAIN = {
    "needs_full_time_supervision": "needing someone there day and night to stay safe",
    "severe_addiction": "severe use",
    "high_tolerance": "high tolerance",
    "unsupportive_social_environment": "a home setting that makes recovery hard",
    "poor_living_conditions": "unstable living conditions",
    "history_of_dangerous_or_impulsive_behaviour": "dangerous or impulsive behaviour",
    "significant_comorbidities": "a condition that needs care around the clock",
    "must_work_or_attend_school": "needing to keep working, studying or caring for family",
    "has_support_system": "people who support recovery",
    "transitioning_from_residential_or_hospital": "stepping down from a hospital, "
    "residential program or detox",
    "history_of_relapse": "having started again after stopping",
    "early_stage_of_treatment": "being early in treatment",
    "cannot_afford_inpatient": "inpatient care being out of reach",
    "co_occurring": "both a mental-health concern and alcohol or drug use",
}


@dataclass(frozen=True)
class SelfCheckResult:
    """What the result page says. `fit` is one of: inpatient, iop, iop_or_outpatient."""

    fit: str
    crisis: bool
    withdrawal_first: bool
    adolescent: bool
    for_self: bool
    inpatient_reasons: list[str] = field(default_factory=list)
    iop_reasons: list[str] = field(default_factory=list)
    rules: tuple[str, ...] = ()


def _plain(facts: tuple[str, ...]) -> list[str]:
    names = [fact.split("=")[0] for fact in facts]
    return [PLAIN[name] for name in names if name in PLAIN]


def evaluate(answers: dict[str, bool], *, for_self: bool) -> SelfCheckResult:
    """Run the engine's criteria rules on the self-check answers (yes = True)."""
    criteria_facts = {
        fact: True
        for question, facts in CRITERIA_MAP.items()
        if answers.get(question)
        for fact in facts
    }
    conditions = (
        frozenset({Condition.MENTAL_HEALTH, Condition.SUBSTANCE_USE})
        if answers.get("mental_and_substance")
        else frozenset({Condition.SUBSTANCE_USE})
    )
    adolescent = bool(answers.get("under_18"))
    recommendation = recommend_placement(
        PlacementInput(
            dimensions=tuple(DimensionRating(d, 0, NOT_ASSESSED) for d in Dimension),
            criteria=ProgramCriteria(**criteria_facts),
            screening=ScreeningResults(
                age=ADOLESCENT_AGE if adolescent else ADULT_AGE, conditions=conditions
            ),
        )
    )
    inpatient: list[str] = []
    fit: list[str] = []
    for reason in recommendation.reasons:
        if reason.rule == "PL-CRIT-1":
            inpatient = _plain(reason.facts)
        elif reason.rule in ("PL-CRIT-2", "PL-CRIT-3"):
            fit.extend(p for p in _plain(reason.facts) if p not in fit)
    level = recommendation.level
    if level.rank > LevelOfCare.INTENSIVE_OUTPATIENT.rank:
        kind = "inpatient"
    elif level is LevelOfCare.INTENSIVE_OUTPATIENT:
        kind = "iop"
    else:
        kind = "iop_or_outpatient"
    return SelfCheckResult(
        fit=kind,
        crisis=bool(answers.get("danger_now")),
        withdrawal_first=recommendation.withdrawal_management_first,
        adolescent=adolescent,
        for_self=for_self,
        inpatient_reasons=inpatient,
        iop_reasons=fit,
        rules=recommendation.rules,
    )
