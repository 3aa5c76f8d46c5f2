"""Glue between stored intake data and the level-of-care engine (`openiop.domain.placement`).

- `policy_for(program)`: the program's `PlacementPolicy` and screening thresholds (domain
  defaults merged with the program's `PlacementPolicySetting`).
- `latest_screening_facts(patient)`: the screening results the engine reads (CIWA-Ar, COWS,
  C-SSRS risk, PHQ-9 item 9), each from the latest response within the look-back window.
- `assess(...)`: build the engine's input, run it, and return what is shown and stored.
The engine decides; this module only translates.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from openiop.domain.placement import (
    Condition,
    CssrsRisk,
    Dimension,
    DimensionRating,
    LevelOfCare,
    PlacementInput,
    PlacementPolicy,
    PlacementRecommendation,
    ProgramCriteria,
    ScreeningResults,
    recommend_placement,
)
from openiop.domain.screening import INSTRUMENTS

if TYPE_CHECKING:
    from openiop.organization.models import Program
    from openiop.patients.models import Patient

SCREENING_LOOKBACK_DAYS = 30
"""Screenings older than this are not used by the engine (a program choice: withdrawal scales
and suicide screens describe the present, so a month-old score is read as not administered)."""

# Scalar policy fields a program may override (the dimension table keeps its default).
POLICY_FIELDS: dict[str, type] = {
    "ciwa_ar_withdrawal_management_above": int,
    "cows_withdrawal_management_min": int,  # or None: rule off
    "d1_withdrawal_management_min_rating": int,
    "residential_min_inpatient_facts": int,
    "iop_need_facts_raise_outpatient": bool,
    "adult_age": int,
    "adolescent_track_replaces_adult_tracks": bool,
}
NULLABLE_POLICY_FIELDS = frozenset({"cows_withdrawal_management_min"})

CRITERIA_FIELDS = tuple(f.name for f in fields(ProgramCriteria))
SCREENING_FACT_FIELDS = (
    "withdrawal_seizure_history",
    "withdrawal_delirium_history",
    "currently_intoxicated",
)
LEVEL_CHOICES = [(level.value, f"{level.value} {level.label}") for level in LevelOfCare]
CONDITION_CHOICES = [
    (Condition.SUBSTANCE_USE.value, "Substance use"),
    (Condition.ALCOHOL.value, "Alcohol"),
    (Condition.MENTAL_HEALTH.value, "Mental health"),
    (Condition.EATING_DISORDER.value, "Eating disorder"),
]
# Plain labels of the criteria facts (who benefits from an IOP, who needs inpatient care).
CRITERIA_LABELS = {
    "early_stage_of_treatment": "Early stage of treatment",
    "transitioning_from_residential_or_hospital": "Stepping down from residential care, "
    "hospital or detox",
    "has_support_system": "Has a support system (family or community)",
    "must_work_or_attend_school": "Must keep working, studying or caring for family",
    "cannot_afford_inpatient": "Cannot afford inpatient care",
    "history_of_relapse": "History of relapse",
    "needs_full_time_supervision": "Needs full-time supervision",
    "severe_addiction": "Severe addiction",
    "high_tolerance": "High tolerance for the substance",
    "dangerous_withdrawal_symptoms": "Dangerous withdrawal symptoms",
    "unsupportive_social_environment": "Unsupportive social environment",
    "poor_living_conditions": "Poor living conditions",
    "history_of_dangerous_or_impulsive_behaviour": "History of dangerous or impulsive behaviour",
    "significant_comorbidities": "Comorbidity needing 24-hour monitoring",
    "unable_to_attend_ambulatory_visits": "Unable to attend ambulatory withdrawal visits",
}
SCREENING_FACT_LABELS = {
    "withdrawal_seizure_history": "History of withdrawal seizures",
    "withdrawal_delirium_history": "History of withdrawal delirium",
    "currently_intoxicated": "Intoxicated now",
}


def policy_overrides(program: Program | None) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """The program's stored overrides: (placement, screening), empty when none."""
    if program is None:
        return {}, {}
    from openiop.intake.models import PlacementPolicySetting

    setting = PlacementPolicySetting.objects.filter(program=program).first()
    if setting is None:
        return {}, {}
    return dict(setting.placement or {}), {k: dict(v) for k, v in (setting.screening or {}).items()}


def build_policy(placement: dict[str, Any]) -> PlacementPolicy:
    """A `PlacementPolicy` from overrides; unknown fields or bad values raise ValueError."""
    unknown = set(placement) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"unknown policy settings: {', '.join(sorted(unknown))}")
    for name, value in placement.items():
        expected = POLICY_FIELDS[name]
        if value is None and name in NULLABLE_POLICY_FIELDS:
            continue
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{name} must be a whole number")
        if expected is bool and not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
    return PlacementPolicy(**placement)


def screening_settings(screening: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Validate per-instrument threshold overrides against the definitions (ValueError)."""
    for instrument_id, overrides in screening.items():
        instrument = INSTRUMENTS.get(instrument_id)
        if instrument is None:
            raise ValueError(f"unknown instrument {instrument_id!r}")
        instrument.resolve_settings(overrides)
    return screening


def policy_for(program: Program | None) -> tuple[PlacementPolicy, dict[str, dict[str, int]]]:
    placement, screening = policy_overrides(program)
    return build_policy(placement), screening_settings(screening)


def policy_json(policy: PlacementPolicy) -> dict[str, Any]:
    """The scalar settings of a policy, as stored with each decision."""
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


@dataclass(frozen=True)
class ScreeningFact:
    """One screening result the engine reads, with where it came from."""

    name: str
    value: int | str
    instrument: str
    screening_id: int
    administered_at: datetime


def latest_screening_facts(patient: Patient, now: datetime | None = None) -> list[ScreeningFact]:
    """CIWA-Ar total, COWS total, C-SSRS risk and PHQ-9 item 9 from the latest response of
    each within `SCREENING_LOOKBACK_DAYS` (one query)."""
    from openiop.intake.models import ScreeningResponse

    now = now or timezone.now()
    recent = ScreeningResponse.objects.filter(
        patient=patient,
        instrument__in=["ciwa-ar", "cows", "cssrs", "phq9"],
        administered_at__gte=now - timedelta(days=SCREENING_LOOKBACK_DAYS),
    ).order_by("-administered_at", "-id")
    latest: dict[str, ScreeningResponse] = {}
    for response in recent:
        latest.setdefault(response.instrument, response)
    facts: list[ScreeningFact] = []
    for instrument, name in (("ciwa-ar", "ciwa_ar_total"), ("cows", "cows_total")):
        r = latest.get(instrument)
        if r is not None and r.total is not None:
            facts.append(ScreeningFact(name, r.total, instrument, r.pk, r.administered_at))
    cssrs = latest.get("cssrs")
    if cssrs is not None and cssrs.band:
        facts.append(
            ScreeningFact("cssrs_risk", cssrs.band, "cssrs", cssrs.pk, cssrs.administered_at)
        )
    phq9 = latest.get("phq9")
    if phq9 is not None:
        item9 = _answer(phq9.response, "9")
        if isinstance(item9, int) and not isinstance(item9, bool):
            facts.append(ScreeningFact("phq9_item9", item9, "phq9", phq9.pk, phq9.administered_at))
    return facts


def _answer(response: object, link_id: str) -> object:
    items = response.get("item") if isinstance(response, dict) else None
    for entry in items if isinstance(items, list) else []:
        if isinstance(entry, dict) and entry.get("linkId") == link_id:
            answer = entry.get("answer")
            if isinstance(answer, list) and answer and isinstance(answer[0], dict):
                first = answer[0]
                return first.get("valueInteger", first.get("valueBoolean"))
    return None


@dataclass(frozen=True)
class Assessment:
    """What the clinician entered, as plain data (from the form or a stored decision)."""

    ratings: dict[int, tuple[int, str]]  # dimension number -> (rating, evidence)
    criteria: dict[str, bool]
    conditions: frozenset[str]
    screening_facts: dict[str, bool]


@dataclass(frozen=True)
class Assessed:
    """The engine's input and output, and the JSON to store with the decision."""

    recommendation: PlacementRecommendation
    policy: PlacementPolicy
    dimensions_json: list[dict[str, Any]]
    criteria_json: dict[str, bool]
    screening_json: dict[str, Any]


def assess(
    assessment: Assessment,
    *,
    patient: Patient,
    program: Program | None,
    today: date | None = None,
) -> Assessed:
    """Run the engine on an assessment plus the patient's latest screening results.

    Raises `PlacementInputError` (a ValueError naming the fields) on incomplete input.
    """
    today = today or timezone.localdate()
    policy, _ = policy_for(program)
    dimensions = tuple(
        DimensionRating(Dimension(number), rating, evidence)
        for number, (rating, evidence) in sorted(assessment.ratings.items())
    )
    criteria = ProgramCriteria(**{k: bool(assessment.criteria.get(k)) for k in CRITERIA_FIELDS})
    found = latest_screening_facts(patient)
    values: dict[str, Any] = {f.name: f.value for f in found}
    age = patient.age_on(today)
    cssrs = values.get("cssrs_risk")
    facts = assessment.screening_facts
    screening = ScreeningResults(
        age=age,
        conditions=frozenset(Condition(c) for c in assessment.conditions),
        ciwa_ar_total=values.get("ciwa_ar_total"),
        cows_total=values.get("cows_total"),
        withdrawal_seizure_history=bool(facts.get("withdrawal_seizure_history")),
        withdrawal_delirium_history=bool(facts.get("withdrawal_delirium_history")),
        currently_intoxicated=bool(facts.get("currently_intoxicated")),
        cssrs_risk=CssrsRisk(cssrs) if isinstance(cssrs, str) else None,
        phq9_item9=values.get("phq9_item9"),
    )
    recommendation = recommend_placement(
        PlacementInput(dimensions=dimensions, criteria=criteria, screening=screening), policy
    )
    return Assessed(
        recommendation=recommendation,
        policy=policy,
        dimensions_json=[
            {"dimension": int(d.dimension), "rating": d.rating, "evidence": d.evidence}
            for d in dimensions
        ],
        criteria_json={k: getattr(criteria, k) for k in CRITERIA_FIELDS},
        screening_json=_screening_json(assessment, age, found),
    )


def _screening_json(assessment: Assessment, age: int, found: list[ScreeningFact]) -> dict[str, Any]:
    """What the decision records of the screening it used: the facts entered with the
    assessment and each screening result, naming the screening it came from."""
    return {
        "age": age,
        "conditions": sorted(assessment.conditions),
        **{k: bool(assessment.screening_facts.get(k)) for k in SCREENING_FACT_FIELDS},
        "results": [
            {
                "name": f.name,
                "value": f.value,
                "instrument": f.instrument,
                "screening_id": f.screening_id,
                "administered_at": f.administered_at.isoformat(),
            }
            for f in found
        ],
    }


def reasons_json(recommendation: PlacementRecommendation) -> list[dict[str, Any]]:
    return [
        {
            "rule": r.rule,
            "effect": r.effect.value,
            "facts": list(r.facts),
            "text": r.text,
            "source": r.source,
            "level": r.level.value if r.level is not None else None,
        }
        for r in recommendation.reasons
    ]


def level_label(value: str) -> str:
    try:
        level = LevelOfCare(value)
    except ValueError:
        return value
    return f"{level.value} {level.label}"


DIMENSION_LABELS = [(int(d), d.label) for d in Dimension]
