"""The level-of-care engine: runs every rule, resolves conflicts explicitly, explains itself.

Resolution principle: "emergency needs come first, then the least intensive level of care
that is safe" [S: ASAM PPC checklists, e.g. Kentucky 2012 edition]. So:
1. safety (crisis evaluation) and withdrawal management are separate indicators that come
   before the placement itself;
2. the level is the most intensive level any need-based rule argues for (dimension ratings,
   inpatient criteria, the IOP-need raise);
3. facts that make an IOP convenient or suitable never lower a level a need calls for; when
   they disagree with the result, a PL-CONFLICT reason names both sides and the resolution,
   and the clinician may override with a reason.
"""

from __future__ import annotations

from openiop.domain.placement.model import (
    Effect,
    LevelOfCare,
    PlacementInput,
    PlacementRecommendation,
    Reason,
    most_intensive,
)
from openiop.domain.placement.policy import PlacementPolicy
from openiop.domain.placement.rules import (
    dimension_reasons,
    inpatient_criteria,
    iop_fit_criteria,
    iop_need_raise,
    plain_facts,
    track_reasons,
)
from openiop.domain.placement.withdrawal import SAFETY_RULES, WITHDRAWAL_RULES

RESOLUTION = "ASAM principle: emergency needs first, then the least intensive safe level"


def recommend_placement(
    inp: PlacementInput, policy: PlacementPolicy | None = None
) -> PlacementRecommendation:
    """Recommend a level of care, tracks and the actions that come first, with reasons."""
    policy = policy or PlacementPolicy()
    safety = [r for rule in SAFETY_RULES if (r := rule(inp, policy)) is not None]
    withdrawal = [r for rule in WITHDRAWAL_RULES if (r := rule(inp, policy)) is not None]
    dimensions = dimension_reasons(inp, policy)
    criteria = [
        r for r in (inpatient_criteria(inp, policy), iop_fit_criteria(inp, policy)) if r is not None
    ]

    need = [r for r in dimensions + criteria if r.level is not None]
    raised = iop_need_raise(inp, policy, _level_of(need))
    if raised is not None:
        need.append(raised)
        criteria.append(raised)
    level = _level_of(need)

    wm_first = any(r.effect is Effect.WITHDRAWAL_MANAGEMENT for r in withdrawal)
    crisis = any(r.effect is Effect.CRISIS for r in safety)
    tracks, track_notes = track_reasons(inp, policy)
    decision = _decision(level, need, wm_first)
    conflicts = _conflicts(inp, level, dimensions, criteria, withdrawal)

    return PlacementRecommendation(
        level=level,
        withdrawal_management_first=wm_first,
        crisis_evaluation=crisis,
        safety_screen_needed=_item9_positive(inp) and inp.screening.cssrs_risk is None,
        tracks=tracks,
        reasons=(
            *safety,
            *withdrawal,
            *dimensions,
            *criteria,
            decision,
            *conflicts,
            *track_notes,
        ),
    )


def _item9_positive(inp: PlacementInput) -> bool:
    """PHQ-9 item 9 known and above 0 (an unknown item 9 is PL-SAFE-4, not a positive)."""
    item9 = inp.screening.phq9_item9
    return item9 is not None and item9 > 0


def _level_of(need: list[Reason]) -> LevelOfCare:
    return most_intensive([r.level for r in need if r.level is not None])


def _decision(level: LevelOfCare, need: list[Reason], wm_first: bool) -> Reason:
    """PL-LEVEL: the chosen level and the rules that set it (the highest need wins)."""
    setters = tuple(r.rule for r in need if r.level is level)
    then = "After withdrawal management, level" if wm_first else "Level"
    return Reason(
        rule="PL-LEVEL",
        effect=Effect.LEVEL,
        facts=setters,
        text=f"{then} {level} ({level.label}): the least intensive level that meets the "
        f"highest need found, set by {_who_sets(setters)}.",
        source=RESOLUTION,
        level=level,
    )


def _conflicts(
    inp: PlacementInput,
    level: LevelOfCare,
    dimensions: list[Reason],
    criteria: list[Reason],
    withdrawal: list[Reason],
) -> list[Reason]:
    """PL-CONFLICT-*: signals that point different ways, each with its resolution."""
    c = inp.criteria
    out: list[Reason] = []
    wm_reasons = [r for r in withdrawal if r.effect is Effect.WITHDRAWAL_MANAGEMENT]
    wm_rules = tuple(r.rule for r in wm_reasons)
    if c.must_work_or_attend_school and wm_rules:
        out.append(
            _conflict(
                "PL-CONFLICT-WM",
                ("must_work_or_attend_school=True", *wm_rules),
                "The person must keep working or studying, which argues for an IOP "
                f"now, but {_withdrawal_findings(wm_reasons)} call for withdrawal management "
                "first. "
                f"Resolution: withdrawal management first, then level {level} "
                f"({level.label}); plan a short leave of absence for withdrawal management "
                "and flexible (evening or weekend) sessions afterwards.",
            )
        )
    fit = c.iop_fit_facts()
    if fit and level.rank > LevelOfCare.INTENSIVE_OUTPATIENT.rank:
        setters = tuple(r.rule for r in dimensions + criteria if r.level is level)
        out.append(
            _conflict(
                "PL-CONFLICT-FIT",
                (*(f"{name}=True" for name in fit), *setters),
                f"{plain_facts(fit)} argue for an IOP, but "
                f"{_who_sets(setters)} call for level {level} ({level.label}). Resolution: "
                "the need outweighs convenience, so the higher level is recommended; a "
                "clinician may override with a reason. Where work or school must continue, "
                "discuss a leave of absence.",
            )
        )
    if c.has_support_system and c.unsupportive_social_environment:
        out.append(
            _conflict(
                "PL-CONFLICT-SUPPORT",
                ("has_support_system=True", "unsupportive_social_environment=True"),
                "Both a support system and an unsupportive social environment are recorded. "
                "Resolution: the unsupportive environment counts (the safer reading); check "
                "who supports the person and who undermines recovery.",
            )
        )
    if inp.screening.co_occurring and c.significant_comorbidities:
        out.append(
            _conflict(
                "PL-CONFLICT-COMORBID",
                ("co_occurring=True", "significant_comorbidities=True"),
                "A co-occurring disorder on its own suits an IOP, but a comorbidity that needs "
                "24-hour monitoring does not. Resolution: the comorbidity counts.",
            )
        )
    dims_level = most_intensive([r.level for r in dimensions if r.level is not None])
    crit = next((r for r in criteria if r.rule == "PL-CRIT-1"), None)
    if crit is not None and crit.level is not None and crit.level.rank > dims_level.rank:
        out.append(
            _conflict(
                "PL-CONFLICT-DIMENSIONS",
                (*crit.facts, f"dimensions fit level {dims_level}"),
                f"The dimension ratings alone fit level {dims_level}, but the program's "
                f"criteria call for level {crit.level}. Resolution: level {crit.level}; check "
                "the ratings (environment facts belong in dimension 6, comorbidities in 2 and "
                "3, dangerous behaviour in 3).",
            )
        )
    return out


_WITHDRAWAL_WORDS = {
    "PL-WM-3": "moderate alcohol withdrawal with a complicating factor",
    "PL-WM-5": "opioid withdrawal",
    "PL-WM-6": "dangerous withdrawal symptoms",
    "PL-WM-7": "the dimension 1 rating",
}


def _withdrawal_findings(reasons: list[Reason]) -> str:
    """The withdrawal findings in words, naming a seizure or delirium history explicitly."""
    words: list[str] = []
    for r in reasons:
        if r.rule == "PL-WM-2":
            words.extend(
                "a history of withdrawal seizures"
                if "seizure" in f
                else "a history of withdrawal delirium"
                for f in r.facts
            )
        elif r.rule == "PL-WM-1":
            words.append("severe alcohol withdrawal")
        else:
            words.append(_WITHDRAWAL_WORDS.get(r.rule, "the withdrawal findings"))
    return ", ".join(dict.fromkeys(words)) or "the withdrawal findings"


def _who_sets(rules: tuple[str, ...]) -> str:
    """The rules that set a level, in words (their codes stay in the reason's facts)."""
    dims = sorted(r.removeprefix("PL-DIM-") for r in rules if r.startswith("PL-DIM-"))
    plural = "s" if len(dims) > 1 else ""
    parts = [f"the rating{plural} of dimension{plural} {', '.join(dims)}"] if dims else []
    if any(r == "PL-CRIT-3" for r in rules):
        parts.append("the step-down, relapse or co-occurring facts")
    if any(not r.startswith("PL-DIM-") and r != "PL-CRIT-3" for r in rules):
        parts.append("the program's criteria")
    return " and ".join(parts) if parts else "no rated need (outpatient is the least intensive)"


def _conflict(rule: str, facts: tuple[str, ...], text: str) -> Reason:
    return Reason(rule=rule, effect=Effect.CONFLICT, facts=facts, text=text, source=RESOLUTION)
