"""Glue between stored intake data and the level-of-care engine (`openiop.domain.placement`).

- `policy_for(program)`: the program's `PlacementPolicy` and screening thresholds (domain
  defaults merged with the program's `PlacementPolicySetting`).
- `latest_screens(patient)`: the latest scored response of each instrument within the look-back
  window; `latest_screening_facts(patient)` the ones the engine reads directly (CIWA-Ar, COWS,
  C-SSRS risk, PHQ-9 item 9).
- `propose_for(...)`: each dimension's proposed rating with its evidence, from those screens,
  the patient's age and the facts on the form (the program's evidence table).
- `assess(...)`: build the engine's input, check that every change to a proposed rating has a
  reason, run the engine, and return what is shown and stored.
The engine decides; this module only translates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from openiop.domain.placement import (
    EVIDENCE_ROWS,
    Condition,
    Dimension,
    DimensionRating,
    Evidence,
    LevelOfCare,
    PersonFacts,
    PlacementInput,
    PlacementInputError,
    PlacementPolicy,
    PlacementRecommendation,
    ProgramCriteria,
    Proposal,
    ScoredScreen,
    propose,
    recommend_placement,
)
from openiop.domain.placement.evidence import screening_results
from openiop.domain.placement.evidence_table import default_evidence_ratings
from openiop.domain.placement.policy import (
    COWS_BAND_STARTS,
    dimension_levels_from_table,
    dimension_levels_table,
)
from openiop.domain.screening import INSTRUMENTS

if TYPE_CHECKING:
    from openiop.organization.models import Program
    from openiop.patients.models import Patient

SCREENING_LOOKBACK_DAYS = 30
"""Screenings older than this are not used by the engine (a program choice: withdrawal scales
and suicide screens describe the present, so a month-old score is read as not administered)."""

# Policy fields a program may override. `evidence_ratings` holds only the rows the program
# changed; the rest take the defaults. `dimension_levels`, when present, is the whole
# dimension-to-level table ({"1": [level of rating 0, ..., of rating 4], ... "6": [...]}).
POLICY_FIELDS: dict[str, type] = {
    "cows_withdrawal_management_min": int,  # or None: rule off
    "d1_withdrawal_management_min_rating": int,
    "residential_min_inpatient_facts": int,
    "iop_need_facts_raise_outpatient": bool,
    "adult_age": int,
    "adolescent_track_replaces_adult_tracks": bool,
    "evidence_ratings": dict,
    "dimension_levels": dict,
}
RETIRED_PLACEMENT_SETTINGS = frozenset({"ciwa_ar_withdrawal_management_above"})
RETIRED_SCREENING_SETTINGS = {"ciwa-ar": frozenset({"withdrawal_flag_at"})}
"""Settings that no longer exist: CIWA-Ar now has one published threshold set (ASAM 2020),
shared by scoring and placement. Stored values are ignored when read and dropped on next save."""
MIN_CHANGE_REASON = 10
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
    return _current_settings(dict(setting.placement or {}), dict(setting.screening or {}))


def _current_settings(
    placement: dict[str, Any], screening: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """Stored overrides without retired settings; a COWS threshold saved before it had to be a
    band start is moved down to the start of its band (the safer side)."""
    placement = {k: v for k, v in placement.items() if k not in RETIRED_PLACEMENT_SETTINGS}
    cows = placement.get("cows_withdrawal_management_min")
    if isinstance(cows, int) and not isinstance(cows, bool) and cows not in COWS_BAND_STARTS:
        starts = [n for n in sorted(COWS_BAND_STARTS) if n <= cows]
        placement["cows_withdrawal_management_min"] = (
            starts[-1] if starts else min(COWS_BAND_STARTS)
        )
    current: dict[str, dict[str, int]] = {}
    for instrument_id, values in screening.items():
        retired = RETIRED_SCREENING_SETTINGS.get(instrument_id, frozenset())
        kept = {k: v for k, v in dict(values).items() if k not in retired}
        if kept:
            current[instrument_id] = kept
    return placement, current


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
        if expected is dict and not isinstance(value, dict):
            raise ValueError(f"{name} must be a table")
    values = dict(placement)
    if "evidence_ratings" in values:
        values["evidence_ratings"] = {**default_evidence_ratings(), **values["evidence_ratings"]}
    if "dimension_levels" in values:
        values["dimension_levels"] = dimension_levels_from_table(values["dimension_levels"])
    return PlacementPolicy(**values)


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
    """The settings of a policy, as stored with each decision (the whole evidence table and
    the whole dimension table)."""
    values = {
        name: dict(value) if isinstance(value := getattr(policy, name), dict) else value
        for name in POLICY_FIELDS
    }
    values["dimension_levels"] = dimension_levels_table(policy.dimension_levels)
    return values


EVIDENCE_TABLE = [(r.key, int(r.dimension), r.label, r.default, r.source) for r in EVIDENCE_ROWS]


@dataclass(frozen=True)
class ScreeningFact:
    """One screening result the engine reads, with where it came from."""

    name: str
    value: int | str
    instrument: str
    screening_id: int
    administered_at: datetime

    @property
    def label(self) -> str:
        """The result in words (no field name on screen)."""
        return FACT_LABELS.get(self.name, self.name)


FACT_LABELS = {
    "ciwa_ar_total": "CIWA-Ar total",
    "cows_total": "COWS total",
    "cssrs_risk": "C-SSRS risk",
    "phq9_item9": "PHQ-9 item 9",
}


@dataclass(frozen=True)
class LatestScreen:
    """The latest scored response of one instrument, and where it came from."""

    screen: ScoredScreen
    screening_id: int
    administered_at: datetime


def latest_screens(patient: Patient, now: datetime | None = None) -> dict[str, LatestScreen]:
    """The latest response of each instrument within `SCREENING_LOOKBACK_DAYS` (one query)."""
    from openiop.intake.models import ScreeningResponse

    now = now or timezone.now()
    recent = ScreeningResponse.objects.filter(
        patient=patient,
        administered_at__gte=now - timedelta(days=SCREENING_LOOKBACK_DAYS),
    ).order_by("-administered_at", "-id")
    latest: dict[str, LatestScreen] = {}
    for r in recent:
        if r.instrument in latest or r.instrument not in INSTRUMENTS:
            continue
        item9 = _answer(r.response, "9") if r.instrument == "phq9" else None
        screen = ScoredScreen(
            instrument=r.instrument,
            total=r.total,
            band=r.band or None,
            flags=tuple(r.flags or ()),
            phq9_item9=item9 if isinstance(item9, int) and not isinstance(item9, bool) else None,
        )
        latest[r.instrument] = LatestScreen(screen, r.pk, r.administered_at)
    return latest


def latest_screening_facts(
    patient: Patient,
    now: datetime | None = None,
    screens: dict[str, LatestScreen] | None = None,
) -> list[ScreeningFact]:
    """CIWA-Ar total, COWS total, C-SSRS risk and PHQ-9 item 9 from the latest response of
    each within `SCREENING_LOOKBACK_DAYS`."""
    latest = latest_screens(patient, now) if screens is None else screens
    facts: list[ScreeningFact] = []
    for instrument, name in (("ciwa-ar", "ciwa_ar_total"), ("cows", "cows_total")):
        found = latest.get(instrument)
        if found is not None and found.screen.total is not None:
            facts.append(
                ScreeningFact(
                    name, found.screen.total, instrument, found.screening_id, found.administered_at
                )
            )
    cssrs = latest.get("cssrs")
    if cssrs is not None and cssrs.screen.band:
        facts.append(
            ScreeningFact(
                "cssrs_risk", cssrs.screen.band, "cssrs", cssrs.screening_id, cssrs.administered_at
            )
        )
    phq9 = latest.get("phq9")
    if phq9 is not None and phq9.screen.phq9_item9 is not None:
        facts.append(
            ScreeningFact(
                "phq9_item9",
                phq9.screen.phq9_item9,
                "phq9",
                phq9.screening_id,
                phq9.administered_at,
            )
        )
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
    screening_facts: dict[str, bool | None]  # None: not asked yet
    change_reasons: dict[int, str] = field(default_factory=dict)  # why a proposal was changed

    def person_facts(self) -> PersonFacts:
        """The facts on the form, for the proposal. An unticked box is "not recorded" (None),
        never "no": only what the clinician ticked is evidence."""
        c, s = self.criteria, self.screening_facts
        home = True if c.get("has_support_system") else None
        if c.get("unsupportive_social_environment"):
            home = False
        return PersonFacts(
            must_work_or_study=True if c.get("must_work_or_attend_school") else None,
            supportive_home=home,
            stable_housing=False if c.get("poor_living_conditions") else None,
            withdrawal_seizure_history=s.get("withdrawal_seizure_history"),
            withdrawal_delirium_history=s.get("withdrawal_delirium_history"),
            currently_intoxicated=s.get("currently_intoxicated"),
        )


class UnexplainedChange(PlacementInputError):
    """A proposed rating was changed without a reason; `errors` maps form fields to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def propose_for(
    patient: Patient,
    program: Program | None,
    assessment: Assessment | None = None,
    *,
    today: date | None = None,
    screens: dict[str, LatestScreen] | None = None,
) -> Proposal:
    """Each dimension's proposed rating and evidence, from the latest screenings, the age and
    the facts on the form (none before the form is filled in)."""
    today = today or timezone.localdate()
    policy, _ = policy_for(program)
    latest = latest_screens(patient) if screens is None else screens
    evidence = Evidence(
        age=patient.age_on(today),
        screens={k: v.screen for k, v in latest.items()},
        facts=assessment.person_facts() if assessment is not None else PersonFacts(),
    )
    conditions = (
        frozenset(Condition(c) for c in assessment.conditions) if assessment is not None else None
    )
    return propose(evidence, policy, conditions=conditions)


def unexplained_changes(assessment: Assessment, proposal: Proposal) -> dict[str, str]:
    """Form field -> message for each proposed rating changed without a reason."""
    errors = {}
    for number, (rating, _) in sorted(assessment.ratings.items()):
        proposed = proposal.dimension(Dimension(number)).rating
        reason = (assessment.change_reasons.get(number) or "").strip()
        if proposed is not None and rating != proposed and len(reason) < MIN_CHANGE_REASON:
            errors[f"d{number}_reason"] = (
                f"Dimension {number}: the evidence proposes {proposed} and you chose {rating}. "
                f"Give the reason for the change (at least {MIN_CHANGE_REASON} characters)."
            )
    return errors


@dataclass(frozen=True)
class Assessed:
    """The engine's input and output, and the JSON to store with the decision."""

    recommendation: PlacementRecommendation
    policy: PlacementPolicy
    dimensions_json: list[dict[str, Any]]
    criteria_json: dict[str, bool]
    screening_json: dict[str, Any]
    proposal: Proposal


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
    latest = latest_screens(patient)
    proposal = propose_for(patient, program, assessment, today=today, screens=latest)
    errors = unexplained_changes(assessment, proposal)
    if errors:
        raise UnexplainedChange(errors)
    found = latest_screening_facts(patient, screens=latest)
    age = patient.age_on(today)
    screening = screening_results(
        Evidence(
            age=age,
            screens={k: v.screen for k, v in latest.items()},
            facts=assessment.person_facts(),
        ),
        frozenset(Condition(c) for c in assessment.conditions),
    )
    recommendation = recommend_placement(
        PlacementInput(dimensions=dimensions, criteria=criteria, screening=screening), policy
    )
    return Assessed(
        recommendation=recommendation,
        policy=policy,
        dimensions_json=[
            _dimension_json(d, proposal, assessment.change_reasons) for d in dimensions
        ],
        criteria_json={k: getattr(criteria, k) for k in CRITERIA_FIELDS},
        screening_json=_screening_json(assessment, age, found),
        proposal=proposal,
    )


def _dimension_json(
    rated: DimensionRating, proposal: Proposal, reasons: dict[int, str]
) -> dict[str, Any]:
    proposed = proposal.dimension(rated.dimension)
    changed = proposed.rating is not None and proposed.rating != rated.rating
    return {
        "dimension": int(rated.dimension),
        "rating": rated.rating,
        "evidence": rated.evidence,
        "proposed": proposed.rating,
        "proposed_evidence": [
            {"text": i.text, "rating": i.rating, "row": i.key, "source": i.source}
            for i in proposed.evidence
        ],
        "change_reason": (reasons.get(int(rated.dimension)) or "").strip() if changed else "",
    }


def _screening_json(assessment: Assessment, age: int, found: list[ScreeningFact]) -> dict[str, Any]:
    """What the decision records of the screening it used: the facts entered with the
    assessment and each screening result, naming the screening it came from."""
    return {
        "age": age,
        "conditions": sorted(assessment.conditions),
        **{k: assessment.screening_facts.get(k) for k in SCREENING_FACT_FIELDS},
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
