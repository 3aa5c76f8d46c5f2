"""Inputs and outputs of the tapering engine.

Inputs are frozen dataclasses that refuse invalid values when built, naming the field. Time
is counted in whole weeks back from now: ``weeks_ago=0`` is the current week.

Sources: the three tapering criteria (ability to avoid relapse, progress on the treatment
plan, growing reliance on community support) are common IOP practice; the other inputs (drug
screens with prescribed medications not counted as use, measure trends with reliable change,
attendance, relapse events, community support) are the program's own records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from openiop.domain.placement.model import LevelOfCare


class TaperInputError(ValueError):
    """Raised when an input is incomplete or out of range; the message names the fields."""


class Decision(StrEnum):
    STEP_DOWN = "step_down"
    HOLD = "hold"
    STEP_UP = "step_up"


class Stance(StrEnum):
    """What one input argues."""

    FOR_STEP_DOWN = "for_step_down"
    FOR_HOLD = "for_hold"
    FOR_STEP_UP = "for_step_up"
    NEUTRAL = "neutral"


class RelapseSource(StrEnum):
    """How a relapse became known."""

    SELF_REPORT = "self_report"
    POSITIVE_SCREEN = "positive_screen"
    FAMILY_REPORT = "family_report"
    OTHER = "other"


class ReliableChange(StrEnum):
    """A measure's change from baseline, classified upstream by its reliable-change index."""

    IMPROVED = "reliable_improvement"
    NO_CHANGE = "no_reliable_change"
    DETERIORATED = "reliable_deterioration"


class SafetyFlag(StrEnum):
    """Open safety concerns at the time of the decision."""

    SUICIDE_RISK_HIGH = "suicide_risk_high"  # C-SSRS high (Columbia triage)
    SUICIDAL_IDEATION = "suicidal_ideation"  # PHQ-9 item 9 > 0, or C-SSRS low/moderate
    DANGEROUS_WITHDRAWAL = "dangerous_withdrawal"
    UNSAFE_ENVIRONMENT = "unsafe_environment"
    OTHER = "other"


def _check(problems: list[str], ok: bool, message: str) -> None:
    if not ok:
        problems.append(message)


def _raise(problems: list[str]) -> None:
    if problems:
        raise TaperInputError("; ".join(problems))


@dataclass(frozen=True)
class DrugScreen:
    """One drug-screen result by substance class.

    Classes explained by a current prescription (buprenorphine, methadone, prescribed
    benzodiazepines) are expected and are not use.
    """

    weeks_ago: int
    positive_classes: frozenset[str] = frozenset()
    prescribed_classes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check(
            problems,
            self.weeks_ago >= 0,
            f"drug screen weeks_ago must be >= 0, got {self.weeks_ago}",
        )
        _raise(problems)

    @property
    def unexplained(self) -> frozenset[str]:
        """Positive classes not explained by a prescription: these count as use."""
        return self.positive_classes - self.prescribed_classes

    @property
    def shows_use(self) -> bool:
        return bool(self.unexplained)


@dataclass(frozen=True)
class RelapseEvent:
    weeks_ago: int
    source: RelapseSource
    substance: str = ""

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check(
            problems, self.weeks_ago >= 0, f"relapse weeks_ago must be >= 0, got {self.weeks_ago}"
        )
        _raise(problems)


@dataclass(frozen=True)
class PlanProgress:
    """Counts of the treatment plan's measurable objectives."""

    met: int
    on_track: int
    behind: int

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("met", "on_track", "behind"):
            value = getattr(self, name)
            _check(problems, value >= 0, f"plan {name} must be >= 0, got {value}")
        _raise(problems)

    @property
    def total(self) -> int:
        return self.met + self.on_track + self.behind


@dataclass(frozen=True)
class CommunitySupport:
    """Reliance on community support.

    ``peer_meetings_per_week``: meetings attended (AA, NA, SMART Recovery, ...) in each recent
    week, oldest first.
    ``peer_contacts_per_week``: contacts with a peer recovery specialist (in person, phone,
    text, video or a peer group; not unanswered attempts) in the same weeks as
    ``peer_meetings_per_week``, index for index; empty when not read.
    ``needs_resolved`` / ``needs_open``: kinds of the patient's social needs (housing, food,
    safety ...) resolved during treatment / still open at the time of the decision.
    """

    peer_meetings_per_week: tuple[int, ...]
    sponsor_or_mentor: bool = False
    sober_supports: int = 0
    peer_contacts_per_week: tuple[int, ...] = ()
    needs_resolved: tuple[str, ...] = ()
    needs_open: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check(
            problems,
            all(n >= 0 for n in self.peer_meetings_per_week),
            "peer_meetings_per_week must not be negative",
        )
        _check(problems, self.sober_supports >= 0, "sober_supports must be >= 0")
        _check(
            problems,
            all(n >= 0 for n in self.peer_contacts_per_week),
            "peer_contacts_per_week must not be negative",
        )
        _check(
            problems,
            not self.peer_contacts_per_week
            or len(self.peer_contacts_per_week) == len(self.peer_meetings_per_week),
            "peer_contacts_per_week must cover the same weeks as peer_meetings_per_week "
            f"({len(self.peer_meetings_per_week)}), got {len(self.peer_contacts_per_week)}",
        )
        _raise(problems)

    @property
    def engagement_per_week(self) -> tuple[int, ...]:
        """Peer meetings of each week, plus one when the week had a peer recovery support
        contact (at most one counted a week, so a run of texts never stands in for meetings)."""
        if not self.peer_contacts_per_week:
            return self.peer_meetings_per_week
        return tuple(
            m + min(c, 1)
            for m, c in zip(self.peer_meetings_per_week, self.peer_contacts_per_week, strict=True)
        )


@dataclass(frozen=True)
class MeasureTrend:
    """A repeated instrument's change since baseline (e.g. PHQ-9, GAD-7, BAM)."""

    instrument: str
    baseline: float
    latest: float
    change: ReliableChange


@dataclass(frozen=True)
class TaperInput:
    """Everything the engine reads about one patient at one review."""

    age: int
    phase_id: str
    weeks_in_phase: int
    self_reported_weeks_without_use: int
    attendance_fraction: float
    plan: PlanProgress
    community: CommunitySupport
    screens: tuple[DrugScreen, ...] = ()
    relapses: tuple[RelapseEvent, ...] = ()
    measures: tuple[MeasureTrend, ...] = ()
    safety_flags: frozenset[SafetyFlag] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check(problems, 0 <= self.age <= 130, f"age must be 0-130, got {self.age}")
        _check(problems, self.weeks_in_phase >= 0, "weeks_in_phase must be >= 0")
        _check(
            problems,
            self.self_reported_weeks_without_use >= 0,
            "self_reported_weeks_without_use must be >= 0",
        )
        _check(
            problems,
            0.0 <= self.attendance_fraction <= 1.0,
            f"attendance_fraction must be 0-1, got {self.attendance_fraction}",
        )
        _raise(problems)


@dataclass(frozen=True)
class TaperReason:
    """What one input argued, the rule that read it, the facts and the source."""

    input: str
    stance: Stance
    rule: str
    facts: tuple[str, ...]
    text: str
    source: str


@dataclass(frozen=True)
class TaperRecommendation:
    """The proposed next step; a clinician approves it."""

    decision: Decision
    target_level: LevelOfCare
    target_phase: str
    weekly_hours: float | None
    days_per_week: int | None
    crisis_evaluation: bool
    withdrawal_management_first: bool
    reasons: tuple[TaperReason, ...]

    @property
    def inputs_cited(self) -> frozenset[str]:
        return frozenset(r.input for r in self.reasons)

    def reason(self, input_name: str) -> TaperReason:
        """The first reason about ``input_name`` (KeyError when none)."""
        for r in self.reasons:
            if r.input == input_name:
                return r
        raise KeyError(input_name)
