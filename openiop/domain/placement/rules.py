"""Level and track rules: ASAM dimensions, the program's criteria, and the tracks to offer.

Each rule returns the reasons it gives; every reason names its rule id, the facts that
triggered it and its source.
"""

from __future__ import annotations

from openiop.domain.placement.model import (
    Condition,
    Dimension,
    Effect,
    LevelOfCare,
    PlacementInput,
    Reason,
    Track,
)
from openiop.domain.placement.policy import PlacementPolicy

IOP_MD = "common IOP practice"
ASAM_GRIDS = "ASAM placement grids (PPC); program policy (dimension levels, set in Settings)"


def dimension_reasons(inp: PlacementInput, policy: PlacementPolicy) -> list[Reason]:
    """PL-DIM-1..6: the level each dimension's rating calls for, one reason per dimension.

    Source: The ASAM Criteria 3rd ed. dimensions rated 0-4 (Mee-Lee 2013); the
    rating-to-level table is policy (``PlacementPolicy.dimension_levels``), see
    ``default_dimension_levels`` for its basis.
    """
    reasons = []
    for dimension in Dimension:
        rated = inp.rating(dimension)
        if rated is None:
            reasons.append(
                Reason(
                    rule=f"PL-DIM-{int(dimension)}",
                    effect=Effect.INFO,
                    facts=(f"D{int(dimension)} not rated",),
                    text=f"Dimension {int(dimension)} ({dimension.label}) is not rated: no "
                    "screening result or fact speaks to it. A clinician rates it at assessment; "
                    "the level may rise when it is rated.",
                    source="The ASAM Criteria, 3rd ed. (2013): six dimensions, each assessed",
                )
            )
            continue
        level = policy.level_for(dimension, rated.rating)
        reasons.append(
            Reason(
                rule=f"PL-DIM-{int(dimension)}",
                effect=Effect.LEVEL,
                facts=(
                    f"D{int(dimension)} rating={rated.rating}",
                    f"D{int(dimension)} evidence: {rated.evidence}",
                ),
                text=f"Dimension {int(dimension)} ({dimension.label}) rated {rated.rating} "
                f"({rated.evidence.strip()}): fits level {level} ({level.label}) or above.",
                source=ASAM_GRIDS,
                level=level,
            )
        )
    return reasons


def inpatient_criteria(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-CRIT-1: facts from "Who needs inpatient/residential care instead".

    Source: common IOP practice: severe addiction, high tolerance, unsupportive social environment,
    poor living conditions, history of dangerous or impulsive behaviour, comorbidities, and
    needing full-time supervision (the negation of "people who do not need full-time
    supervision"). With at least ``residential_min_inpatient_facts`` of them the floor is
    residential; with fewer (but some) it is partial hospitalisation (policy).
    """
    facts = inp.criteria.inpatient_facts()
    if not facts:
        return None
    enough = len(facts) >= policy.residential_min_inpatient_facts
    level = LevelOfCare.RESIDENTIAL if enough else LevelOfCare.PARTIAL_HOSPITALISATION
    return Reason(
        rule="PL-CRIT-1",
        effect=Effect.LEVEL,
        facts=(*(f"{name}=True" for name in facts),),
        text=f"{_names(facts)}: the program's criteria point to 24-hour care; "
        f"level {level} ({level.label}) or above.",
        source=f"{IOP_MD}, who needs inpatient/residential care; "
        f"policy.residential_min_inpatient_facts={policy.residential_min_inpatient_facts}",
        level=level,
    )


def iop_fit_criteria(inp: PlacementInput, policy: PlacementPolicy) -> Reason | None:
    """PL-CRIT-2: facts from "Who benefits from an IOP" (including a co-occurring disorder).

    Source: common IOP practice: early stage of treatment, transitioning from residential or
    hospital care, a support system, must work or attend school, cannot afford inpatient care,
    history of relapsing, co-occurring disorder. These say an IOP suits the person; they never
    lower a level that a need calls for (see the conflict rules).
    """
    facts = list(inp.criteria.iop_fit_facts())
    if inp.screening.co_occurring:
        facts.append("co_occurring")
    if not facts:
        return None
    return Reason(
        rule="PL-CRIT-2",
        effect=Effect.IOP_FIT,
        facts=tuple(f"{name}=True" for name in facts),
        text=f"{_names(facts)}: the person is among those an IOP is meant for.",
        source=f"{IOP_MD}, who benefits from an IOP",
    )


def iop_need_raise(
    inp: PlacementInput, policy: PlacementPolicy, floor: LevelOfCare
) -> Reason | None:
    """PL-CRIT-3: outpatient would do by the dimensions, but IOP-need facts argue for IOP.

    Source: common IOP practice: an IOP is "the step after inpatient/residential care,
    hospitalisation or medically supervised detox" and serves people with a history of
    relapsing and people with a co-occurring disorder; TIP 47 / SAMHSA 2021 advisory: step
    down along the continuum [V]. Applies only when ``iop_need_facts_raise_outpatient``.
    """
    if floor is not LevelOfCare.OUTPATIENT or not policy.iop_need_facts_raise_outpatient:
        return None
    facts = [
        f"{name}=True"
        for name in ("transitioning_from_residential_or_hospital", "history_of_relapse")
        if getattr(inp.criteria, name)
    ]
    if inp.screening.co_occurring:
        facts.append("co_occurring=True")
    if not facts:
        return None
    return Reason(
        rule="PL-CRIT-3",
        effect=Effect.LEVEL,
        facts=tuple(facts),
        text=f"The dimensions alone fit outpatient care, but {_names(facts)}: "
        "intensive outpatient is recommended as the safer step.",
        source=f"{IOP_MD}; SAMHSA TIP 47 step down/step up; policy.iop_need_facts_raise_outpatient",
        level=LevelOfCare.INTENSIVE_OUTPATIENT,
    )


def track_reasons(
    inp: PlacementInput, policy: PlacementPolicy
) -> tuple[tuple[Track, ...], list[Reason]]:
    """PL-TRK-*: which tracks to offer.

    Sources: common IOP program types (substances, alcohol, teenagers, eating disorders, mental
    health with or without co-occurring substance use) and "a person with co-occurring
    conditions may attend a mental-health IOP and a substance IOP at the same time"; program policy
    (co-occurring -> both; under 18 -> adolescents; eating disorder -> its track).
    """
    conditions = inp.screening.conditions
    age = inp.screening.age
    adolescent = age < policy.adult_age
    replace = adolescent and policy.adolescent_track_replaces_adult_tracks
    tracks: list[Track] = []
    reasons: list[Reason] = []

    def add(track: Track, rule: str, fact: str, text: str) -> None:
        tracks.append(track)
        reasons.append(_track(rule, fact, text))

    if adolescent:
        instead = " in place of adult tracks" if replace else ""
        add(
            Track.ADOLESCENT,
            "PL-TRK-ADOL",
            f"age={age}",
            f"Under {policy.adult_age}: adolescent track{instead}; adolescents keep attending "
            "school and need at least 6 hours a week at level 2.1 (ASAM).",
        )
    if Condition.MENTAL_HEALTH in conditions and not replace:
        add(
            Track.MENTAL_HEALTH, "PL-TRK-MH", "mental_health", "Mental health: mental-health track."
        )
    if Condition.EATING_DISORDER in conditions:
        add(
            Track.EATING_DISORDER,
            "PL-TRK-ED",
            "eating_disorder",
            "Eating disorder: eating-disorder track.",
        )
    if Condition.SUBSTANCE_USE in conditions and not replace:
        if Condition.ALCOHOL in conditions:
            add(
                Track.SUBSTANCE_USE,
                "PL-TRK-POLY",
                "substance_use, alcohol",
                "Alcohol and other substances: the substance-use track treats both (program "
                "convention, so that one person is not booked into two parallel addiction groups).",
            )
        else:
            add(
                Track.SUBSTANCE_USE,
                "PL-TRK-SUD",
                "substance_use",
                "Substance use: substance-use track.",
            )
    elif Condition.ALCOHOL in conditions and not replace:
        add(Track.ALCOHOL, "PL-TRK-ALC", "alcohol", "Alcohol use: alcohol track.")
    if inp.screening.co_occurring:
        both = (
            "the adolescent track addresses both"
            if replace
            else "mental-health (or eating-disorder) and substance-use tracks at the same time"
        )
        reasons.append(
            _track(
                "PL-TRK-COOC", "co_occurring", f"Co-occurring conditions treated together: {both}."
            )
        )
    if not tracks:
        reasons.append(
            _track("PL-TRK-NONE", "conditions=none", "No condition recorded: no track proposed.")
        )
    return tuple(tracks), reasons


def _track(rule: str, fact: str, text: str) -> Reason:
    return Reason(
        rule=rule,
        effect=Effect.TRACK,
        facts=(fact,),
        text=text,
        source="common IOP program types; program policy",
    )


FACT_WORDS = {
    "early_stage_of_treatment": "early in treatment",
    "transitioning_from_residential_or_hospital": "stepping down from residential care, "
    "hospital or detox",
    "has_support_system": "has support at home or in the community",
    "must_work_or_attend_school": "must keep working or studying",
    "cannot_afford_inpatient": "cannot afford inpatient care",
    "history_of_relapse": "history of relapse or of returning after treatment",
    "needs_full_time_supervision": "needs full-time supervision",
    "severe_addiction": "severe addiction",
    "high_tolerance": "high tolerance",
    "unsupportive_social_environment": "unsupportive social environment",
    "poor_living_conditions": "poor living conditions",
    "history_of_dangerous_or_impulsive_behaviour": "history of dangerous or impulsive behaviour",
    "significant_comorbidities": "a comorbidity needing 24-hour monitoring",
    "co_occurring": "co-occurring disorder",
}
"""Plain words for each fact, so that no reason shows a field name."""


def plain_facts(facts: list[str] | tuple[str, ...]) -> str:
    """Facts (``name`` or ``name=value``) in plain words, capitalised (no field names)."""
    return _names(facts)


def _names(facts: list[str] | tuple[str, ...]) -> str:
    words = [
        FACT_WORDS.get(name, name.replace("_", " ")) for name in (f.split("=")[0] for f in facts)
    ]
    text = "; ".join(words)
    return text[:1].upper() + text[1:]
