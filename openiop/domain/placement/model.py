"""Inputs and outputs of the level-of-care engine.

Every input is a frozen dataclass that refuses invalid values when built, naming the field:
a missing or out-of-range fact is never silently read as "no problem".

Sources: the six dimensions are those of The ASAM Criteria, 3rd edition (2013, Mee-Lee ed.); the program criteria are common IOP practice (who benefits from an IOP
and who needs inpatient or residential care instead); the screening fields are those of the
published instruments (PHQ-9 item 9, C-SSRS screener risk levels, CIWA-Ar, COWS).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class PlacementInputError(ValueError):
    """Raised when an input is incomplete or out of range; the message names the fields."""


class LevelOfCare(StrEnum):
    """ASAM levels the engine recommends, least to most intensive.

    Source: ASAM Criteria, 3rd ed. (Mee-Lee 2013): 2.1 intensive outpatient (9-19 h/week adults, 6-19
    adolescents), 2.5 partial hospitalisation (20+ h/week); 1 outpatient, 3.x residential
    (3.1-3.7, the clinician chooses the sub-level) and 4 medically managed intensive inpatient.
    """

    OUTPATIENT = "1"
    INTENSIVE_OUTPATIENT = "2.1"
    PARTIAL_HOSPITALISATION = "2.5"
    RESIDENTIAL = "3.x"
    INPATIENT = "4"

    @property
    def rank(self) -> int:
        """Position on the continuum: higher is more intensive."""
        return _LEVEL_ORDER.index(self)

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_ORDER = list(LevelOfCare)
_LEVEL_LABELS = {
    LevelOfCare.OUTPATIENT: "outpatient",
    LevelOfCare.INTENSIVE_OUTPATIENT: "intensive outpatient",
    LevelOfCare.PARTIAL_HOSPITALISATION: "partial hospitalisation",
    LevelOfCare.RESIDENTIAL: "residential",
    LevelOfCare.INPATIENT: "medically managed intensive inpatient",
}


def most_intensive(levels: list[LevelOfCare]) -> LevelOfCare:
    """The most intensive of ``levels`` (outpatient when empty)."""
    return max(levels, key=lambda level: level.rank, default=LevelOfCare.OUTPATIENT)


class Dimension(IntEnum):
    """The six ASAM dimensions, 3rd edition names (ASAM Criteria, 3rd ed. (Mee-Lee 2013))."""

    INTOXICATION_WITHDRAWAL = 1
    BIOMEDICAL = 2
    EMOTIONAL_BEHAVIOURAL_COGNITIVE = 3
    READINESS_TO_CHANGE = 4
    RELAPSE_CONTINUED_USE = 5
    RECOVERY_ENVIRONMENT = 6

    @property
    def label(self) -> str:
        return _DIMENSION_LABELS[self]


_DIMENSION_LABELS = {
    Dimension.INTOXICATION_WITHDRAWAL: "acute intoxication and/or withdrawal potential",
    Dimension.BIOMEDICAL: "biomedical conditions and complications",
    Dimension.EMOTIONAL_BEHAVIOURAL_COGNITIVE: "emotional, behavioural or cognitive conditions",
    Dimension.READINESS_TO_CHANGE: "readiness to change",
    Dimension.RELAPSE_CONTINUED_USE: "relapse, continued use or continued problem potential",
    Dimension.RECOVERY_ENVIRONMENT: "recovery environment",
}


class Condition(StrEnum):
    """What the person is being treated for (common IOP program types)."""

    SUBSTANCE_USE = "substance_use"
    ALCOHOL = "alcohol"
    MENTAL_HEALTH = "mental_health"
    EATING_DISORDER = "eating_disorder"


SUBSTANCE_CONDITIONS = frozenset({Condition.SUBSTANCE_USE, Condition.ALCOHOL})
PSYCHIATRIC_CONDITIONS = frozenset({Condition.MENTAL_HEALTH, Condition.EATING_DISORDER})


class Track(StrEnum):
    """Program tracks the engine can recommend (common IOP program types)."""

    SUBSTANCE_USE = "substance_use"
    ALCOHOL = "alcohol"
    MENTAL_HEALTH = "mental_health"
    EATING_DISORDER = "eating_disorder"
    ADOLESCENT = "adolescent"


class CssrsRisk(StrEnum):
    """C-SSRS screener triage level (Columbia triage).

    An all-No screen is NEGATIVE, not LOW: the form defines only low, moderate and high.
    """

    NEGATIVE = "negative"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


@dataclass(frozen=True)
class DimensionRating:
    """One ASAM dimension rated 0 (no risk) to 4 (severe risk), with the evidence for it."""

    dimension: Dimension
    rating: int
    evidence: str

    def __post_init__(self) -> None:
        if isinstance(self.rating, bool) or not 0 <= self.rating <= 4:
            raise PlacementInputError(
                f"dimension {int(self.dimension)}: rating must be 0-4, got {self.rating!r}"
            )
        if not self.evidence.strip():
            raise PlacementInputError(f"dimension {int(self.dimension)}: evidence is required")


@dataclass(frozen=True)
class ProgramCriteria:
    """The program's criteria as facts about the person (common IOP practice).

    IOP-fit facts come from "Who benefits from an IOP"; the facts in ``inpatient_facts`` from
    "Who needs inpatient/residential care instead". ``needs_full_time_supervision`` is the
    negation of "people who do not need full-time supervision". A co-occurring disorder is
    derived from the screening conditions, not entered here. ``significant_comorbidities``
    means a medical or psychiatric comorbidity serious enough to need 24-hour monitoring
    (ASAM 2020 alcohol withdrawal guideline Rec. VII.8 "significant
    medical or psychiatric comorbidity").
    """

    # Who benefits from an IOP
    early_stage_of_treatment: bool = False
    transitioning_from_residential_or_hospital: bool = False
    has_support_system: bool = False
    must_work_or_attend_school: bool = False
    cannot_afford_inpatient: bool = False
    history_of_relapse: bool = False
    # Who needs inpatient/residential care instead
    needs_full_time_supervision: bool = False
    severe_addiction: bool = False
    high_tolerance: bool = False
    dangerous_withdrawal_symptoms: bool = False
    unsupportive_social_environment: bool = False
    poor_living_conditions: bool = False
    history_of_dangerous_or_impulsive_behaviour: bool = False
    significant_comorbidities: bool = False
    # ASAM 2020 Rec. VII.8: ambulatory withdrawal management needs the person to attend visits
    unable_to_attend_ambulatory_visits: bool = False

    def inpatient_facts(self) -> tuple[str, ...]:
        """Names of the true facts that point to 24-hour (residential/inpatient) care.

        Dangerous withdrawal is not among them: it calls for withdrawal management first,
        after which the person may well fit an IOP (rule PL-WM-6).
        """
        return tuple(name for name in _INPATIENT_FACTS if getattr(self, name))

    def iop_fit_facts(self) -> tuple[str, ...]:
        """Names of the true facts that say an IOP suits this person."""
        return tuple(name for name in _IOP_FIT_FACTS if getattr(self, name))


_INPATIENT_FACTS = (
    "needs_full_time_supervision",
    "severe_addiction",
    "high_tolerance",
    "unsupportive_social_environment",
    "poor_living_conditions",
    "history_of_dangerous_or_impulsive_behaviour",
    "significant_comorbidities",
)
_IOP_FIT_FACTS = (
    "early_stage_of_treatment",
    "transitioning_from_residential_or_hospital",
    "has_support_system",
    "must_work_or_attend_school",
    "cannot_afford_inpatient",
    "history_of_relapse",
)


@dataclass(frozen=True)
class ScreeningResults:
    """Scored screening results that bear on placement.

    ``None`` means "not administered"; a missing screen is never read as a zero score.
    Ranges: CIWA-Ar 0-67, COWS 0-48, PHQ-9 item 9 0-3 (the published forms).

    The withdrawal history and intoxication facts are ``None`` when not known (the evidence
    path): never read as "no" (rule PL-WM-8 asks for them). ``phq9_given`` says a PHQ-9 is on
    file even when its item 9 is unknown (only the total was recorded): rule PL-SAFE-4.
    """

    age: int
    conditions: frozenset[Condition]
    ciwa_ar_total: int | None = None
    cows_total: int | None = None
    withdrawal_seizure_history: bool | None = False
    withdrawal_delirium_history: bool | None = False
    currently_intoxicated: bool | None = False
    cssrs_risk: CssrsRisk | None = None
    phq9_item9: int | None = None
    phq9_given: bool = False

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.age <= 130:
            problems.append(f"age must be 0-130, got {self.age}")
        for name, top in (("ciwa_ar_total", 67), ("cows_total", 48), ("phq9_item9", 3)):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= top:
                problems.append(f"{name} must be 0-{top}, got {value}")
        if problems:
            raise PlacementInputError("; ".join(problems))

    @property
    def phq9_item9_unknown(self) -> bool:
        """A PHQ-9 is on file but its item 9 (thoughts of self-harm) is not known."""
        return self.phq9_given and self.phq9_item9 is None

    @property
    def co_occurring(self) -> bool:
        """A mental-health or eating disorder together with substance or alcohol use."""
        return bool(self.conditions & PSYCHIATRIC_CONDITIONS) and bool(
            self.conditions & SUBSTANCE_CONDITIONS
        )


@dataclass(frozen=True)
class PlacementInput:
    """Everything the engine reads: six dimension ratings, program criteria, screening.

    ``unrated`` names the dimensions deliberately left unrated because no evidence speaks to
    them (a proposal from screenings, see ``evidence.py``). They are never read as 0: each
    gets a reason saying it is not rated and the level may rise once a clinician rates it.
    Every other dimension must be rated exactly once.
    """

    dimensions: tuple[DimensionRating, ...]
    criteria: ProgramCriteria
    screening: ScreeningResults
    unrated: frozenset[Dimension] = frozenset()

    def __post_init__(self) -> None:
        seen = [rating.dimension for rating in self.dimensions]
        missing = [str(int(d)) for d in Dimension if d not in seen and d not in self.unrated]
        repeated = sorted({str(int(d)) for d in seen if seen.count(d) > 1})
        both = sorted(str(int(d)) for d in self.unrated if d in seen)
        problems = []
        if missing:
            problems.append("missing dimension(s) " + ", ".join(missing))
        if repeated:
            problems.append("dimension(s) rated more than once: " + ", ".join(repeated))
        if both:
            problems.append("dimension(s) both rated and unrated: " + ", ".join(both))
        if problems:
            raise PlacementInputError("; ".join(problems))

    def rating(self, dimension: Dimension) -> DimensionRating | None:
        """The rating of ``dimension``, or None when it is left unrated."""
        return next((r for r in self.dimensions if r.dimension == dimension), None)


class Effect(StrEnum):
    """What a reason argues for."""

    LEVEL = "level"
    WITHDRAWAL_MANAGEMENT = "withdrawal_management"
    CRISIS = "crisis"
    SAFETY = "safety"
    TRACK = "track"
    IOP_FIT = "iop_fit"
    CONFLICT = "conflict"
    INFO = "info"


@dataclass(frozen=True)
class Reason:
    """One rule that fired: its id, the facts that triggered it, what it argues and why."""

    rule: str
    effect: Effect
    facts: tuple[str, ...]
    text: str
    source: str
    level: LevelOfCare | None = None


@dataclass(frozen=True)
class PlacementRecommendation:
    """The engine's proposal; a clinician accepts it or overrides it with a reason."""

    level: LevelOfCare
    withdrawal_management_first: bool
    crisis_evaluation: bool
    safety_screen_needed: bool
    tracks: tuple[Track, ...]
    reasons: tuple[Reason, ...]

    @property
    def urgent_evaluation(self) -> bool:
        """Suicide risk must be evaluated before any outpatient level starts: a high C-SSRS
        (Columbia triage; ASAM 2020 Rec III.2), or a positive PHQ-9 item 9 with no C-SSRS yet
        (an unknown risk is not read as no risk)."""
        return self.crisis_evaluation or self.safety_screen_needed

    @property
    def conflicts(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.effect is Effect.CONFLICT)

    @property
    def rules(self) -> tuple[str, ...]:
        """Ids of every rule that fired, in order."""
        return tuple(r.rule for r in self.reasons)

    def reason(self, rule: str) -> Reason:
        """The reason given by ``rule`` (KeyError when that rule did not fire)."""
        for r in self.reasons:
            if r.rule == rule:
                return r
        raise KeyError(rule)
