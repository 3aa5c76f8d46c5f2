"""Per-program taper policy: the phases and the thresholds that are clinical policy.

Published facts fix the bounds a program's choices must respect, and ``TaperPolicy`` refuses
a configuration outside them (ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1):
- level 2.1 (IOP) is 9-19 hours a week for adults and 6-19 for adolescents;
- a patient stepping down may receive fewer hours "for one or two weeks" and still count as
  IOP, hence a step-down phase below the minimum lasts at most 2 weeks;
- level 2.5 (partial hospitalisation) is 20 or more hours a week.
Everything else (phase lengths, how many weeks without use, attendance, meetings) is the
program's choice; the defaults and their reasoning are in docs/tapering.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from openiop.domain.placement.model import LevelOfCare
from openiop.domain.tapering.model import TaperInputError

ADULT_IOP_MIN_HOURS = 9.0
"""ASAM level 2.1, adults: at least 9 hours a week (ASAM Criteria, 3rd ed. (Mee-Lee 2013); SAMHSA 2021 advisory)."""
ADOLESCENT_IOP_MIN_HOURS = 6.0
"""ASAM level 2.1, adolescents: at least 6 hours a week (ASAM Criteria, 3rd ed. (Mee-Lee 2013); SAMHSA 2021 advisory)."""
IOP_MAX_HOURS = 19.0
"""ASAM level 2.1: at most 19 hours a week; 20 or more is level 2.5 (ASAM Criteria, 3rd ed. (Mee-Lee 2013))."""
PARTIAL_HOSPITALISATION_MIN_HOURS = 20.0
"""ASAM level 2.5: 20 or more hours a week (ASAM Criteria, 3rd ed. (Mee-Lee 2013))."""
STEP_DOWN_MAX_WEEKS = 2
"""ASAM: fewer hours than the minimum "for one or two weeks" when stepping down (ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1)."""

LOOKBACK_WEEKS = 26
"""Default look-back for drug screens and relapse events: 26 weeks, about six months
(program policy, no published source; ``TaperPolicy.lookback_weeks``)."""
LOOKBACK_WEEKS_BOUNDS = (4, 104)
"""A program's look-back is 4 to 104 weeks: at least the default 4-week screen and relapse
windows, at most two years (sanity bounds of OpenIOP, not a published rule)."""
ATTENDANCE_WEEKS = 4
"""Default attendance window: the last 4 complete weeks (program policy, no published source;
``TaperPolicy.attendance_window_weeks``)."""
ATTENDANCE_WEEKS_BOUNDS = (1, 26)
"""A program's attendance window is 1 to 26 complete weeks (sanity bounds of OpenIOP)."""


class PhaseKind(StrEnum):
    REGULAR = "regular"
    STEP_DOWN = "step_down"
    CONTINUING_CARE = "continuing_care"
    PARTIAL_HOSPITALISATION = "partial_hospitalisation"
    RESIDENTIAL = "residential"


@dataclass(frozen=True)
class TaperPhase:
    """One rung of the taper ladder.

    ``hours_per_week`` is ``None`` where the IOP schedule sets no hours (residential care;
    continuing care, whose contacts the continuing-care plan sets). ``min_weeks`` is how long
    a patient stays before a step down is considered; ``max_weeks`` caps a step-down phase.
    """

    id: str
    label: str
    kind: PhaseKind
    level: LevelOfCare
    hours_per_week: float | None
    days_per_week: int | None
    min_weeks: int = 0
    max_weeks: int | None = None


def default_phases() -> tuple[TaperPhase, ...]:
    """OpenIOP default: 5 days/15 h, 4 days/12 h, 3 days/9 h, a 6 h step-down, then care.

    The 3-hour sessions match common IOP practice ("sessions last about 3 hours, 3 to 5 days a
    week") and the HCPCS H0015 descriptor, a program that "operates at least 3 hours/day and at
    least 3 days/week" (`openiop.domain.compliance.H0015_DESCRIPTOR`). Two weeks per phase
    before a step down and the step-down's 2 days are program choices.
    """
    iop = LevelOfCare.INTENSIVE_OUTPATIENT
    return (
        TaperPhase("phase-1", "Phase 1", PhaseKind.REGULAR, iop, 15.0, 5, min_weeks=2),
        TaperPhase("phase-2", "Phase 2", PhaseKind.REGULAR, iop, 12.0, 4, min_weeks=2),
        TaperPhase("phase-3", "Phase 3", PhaseKind.REGULAR, iop, 9.0, 3, min_weeks=2),
        TaperPhase(
            "step-down",
            "Step-down",
            PhaseKind.STEP_DOWN,
            iop,
            6.0,
            2,
            min_weeks=1,
            max_weeks=STEP_DOWN_MAX_WEEKS,
        ),
        TaperPhase(
            "continuing-care",
            "Outpatient / continuing care",
            PhaseKind.CONTINUING_CARE,
            LevelOfCare.OUTPATIENT,
            None,
            None,
        ),
    )


def default_partial_hospitalisation() -> TaperPhase:
    return TaperPhase(
        "partial-hospitalisation",
        "Partial hospitalisation",
        PhaseKind.PARTIAL_HOSPITALISATION,
        LevelOfCare.PARTIAL_HOSPITALISATION,
        PARTIAL_HOSPITALISATION_MIN_HOURS,
        5,
    )


def default_residential() -> TaperPhase:
    return TaperPhase(
        "residential", "Residential", PhaseKind.RESIDENTIAL, LevelOfCare.RESIDENTIAL, None, None
    )


@dataclass(frozen=True)
class TaperPolicy:
    """Configurable taper thresholds, one instance per program.

    The phase bounds are checked against ASAM (module docstring). Every other default is
    program policy with no published source; docs/tapering.md gives the reasoning:
    - abstinence: ``min_weeks_without_use`` 4, confirmed by a negative screen within
      ``screen_window_weeks`` 4 (common IOP practice, "ability to avoid relapse");
    - relapse: window 4 weeks; 2 relapses -> phase 1 or 2.5, 3 -> residential;
    - plan: at least 1 objective met, none behind (common IOP practice, "progress in the plan");
    - community: at least 1 peer meeting a week, not falling by more than 0.5 a week, a sponsor
      or mentor or 2 sober supports (common IOP practice, "growing reliance on community support");
    - measures required; 2 reliable deteriorations step up;
    - attendance: 80% of required hours to step down, below 50% flags engagement, read over
      ``attendance_window_weeks`` 4 complete weeks (1-26);
    - look-back: drug screens and relapse events of the last ``lookback_weeks`` 26 (4-104),
      widened to the longest of the program's own windows (``window.look_back_weeks``);
    - safety: high suicide risk -> 2.5, dangerous withdrawal -> 3.x (2.5 or 3.x only).
    """

    phases: tuple[TaperPhase, ...] = field(default_factory=default_phases)
    partial_hospitalisation: TaperPhase = field(default_factory=default_partial_hospitalisation)
    residential: TaperPhase = field(default_factory=default_residential)
    adult_age: int = 18
    min_weeks_without_use: int = 4
    screen_window_weeks: int = 4
    require_screen_verification: bool = True
    relapse_window_weeks: int = 4
    relapses_for_partial_hospitalisation: int = 2
    relapses_for_residential: int = 3
    min_objectives_met: int = 1
    max_objectives_behind: int = 0
    require_peer_meetings: bool = True
    min_peer_meetings_per_week: float = 1.0
    meeting_decline_tolerance: float = 0.5
    community_window_weeks: int = 2
    min_sober_supports: int = 2
    require_measures: bool = True
    measures_require_improvement: bool = False
    deteriorations_for_step_up: int = 2
    min_attendance_for_step_down: float = 0.8
    low_attendance: float = 0.5
    attendance_window_weeks: int = ATTENDANCE_WEEKS
    lookback_weeks: int = LOOKBACK_WEEKS
    suicide_risk_high_level: LevelOfCare = LevelOfCare.PARTIAL_HOSPITALISATION
    dangerous_withdrawal_level: LevelOfCare = LevelOfCare.RESIDENTIAL

    def __post_init__(self) -> None:
        problems = _phase_problems(self.phases)
        ph = self.partial_hospitalisation
        if ph.hours_per_week is None or ph.hours_per_week < PARTIAL_HOSPITALISATION_MIN_HOURS:
            problems.append("partial hospitalisation needs at least 20 hours a week (ASAM 2.5)")
        for name in ("suicide_risk_high_level", "dangerous_withdrawal_level"):
            if getattr(self, name) not in (
                LevelOfCare.PARTIAL_HOSPITALISATION,
                LevelOfCare.RESIDENTIAL,
            ):
                problems.append(f"{name} must be 2.5 or 3.x")
        if not 0 < self.low_attendance <= self.min_attendance_for_step_down <= 1:
            problems.append("need 0 < low_attendance <= min_attendance_for_step_down <= 1")
        if not 1 <= self.relapses_for_partial_hospitalisation <= self.relapses_for_residential:
            problems.append(
                "need 1 <= relapses_for_partial_hospitalisation <= relapses_for_residential"
            )
        problems += window_problems(self.lookback_weeks, self.attendance_window_weeks).values()
        if problems:
            raise TaperInputError("; ".join(problems))

    def ladder(self) -> tuple[TaperPhase, ...]:
        """Every rung, most intensive first: residential, 2.5, the IOP phases, continuing care."""
        return (self.residential, self.partial_hospitalisation, *self.phases)

    def phase(self, phase_id: str) -> TaperPhase:
        for rung in self.ladder():
            if rung.id == phase_id:
                return rung
        raise TaperInputError(f"unknown phase {phase_id!r}")

    def phase_for_level(self, level: LevelOfCare) -> TaperPhase:
        """The rung above the IOP for a step up to 2.5 or 3.x."""
        if level is LevelOfCare.RESIDENTIAL:
            return self.residential
        return self.partial_hospitalisation

    def minimum_hours(self, age: int) -> float:
        return ADOLESCENT_IOP_MIN_HOURS if age < self.adult_age else ADULT_IOP_MIN_HOURS


def window_problems(lookback_weeks: object, attendance_window_weeks: object) -> dict[str, str]:
    """The look-back and attendance window outside their bounds, by name, each with a plain
    message (``LOOKBACK_WEEKS_BOUNDS``, ``ATTENDANCE_WEEKS_BOUNDS``); empty when both fit."""
    problems: dict[str, str] = {}
    for name, value, (low, high), what in (
        (
            "lookback_weeks",
            lookback_weeks,
            LOOKBACK_WEEKS_BOUNDS,
            "The look-back for drug screens and relapse events",
        ),
        (
            "attendance_window_weeks",
            attendance_window_weeks,
            ATTENDANCE_WEEKS_BOUNDS,
            "The attendance window",
        ),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems[name] = f"{what} must be a whole number of weeks from {low} to {high}."
    return problems


def _phase_problems(phases: tuple[TaperPhase, ...]) -> list[str]:
    """Check the program's phases against the published bounds (module docstring)."""
    problems: list[str] = []
    kinds = [p.kind for p in phases]
    order = [PhaseKind.REGULAR, PhaseKind.STEP_DOWN, PhaseKind.CONTINUING_CARE]
    if not kinds or kinds[0] is not PhaseKind.REGULAR:
        problems.append("phases must start with at least one regular phase")
    if any(k not in order for k in kinds) or kinds != sorted(kinds, key=order.index):
        problems.append("phases must be regular phases, then step-down, then continuing care")
    if kinds.count(PhaseKind.STEP_DOWN) > 1 or kinds.count(PhaseKind.CONTINUING_CARE) > 1:
        problems.append("at most one step-down phase and one continuing-care phase")
    ids = [p.id for p in phases]
    if len(set(ids)) != len(ids):
        problems.append("phase ids must be unique")
    iop = [p for p in phases if p.kind in (PhaseKind.REGULAR, PhaseKind.STEP_DOWN)]
    hours = [p.hours_per_week for p in iop if p.hours_per_week is not None]
    if len(hours) != len(iop):
        problems.append("regular and step-down phases need weekly hours")
    elif hours != sorted(hours, reverse=True):
        problems.append("weekly hours must not increase from one phase to the next")
    for p in iop:
        h = p.hours_per_week
        if p.days_per_week is None or not 1 <= p.days_per_week <= 7:
            problems.append(f"{p.id}: days_per_week must be 1-7")
        if (
            p.kind is PhaseKind.REGULAR
            and h is not None
            and not (ADULT_IOP_MIN_HOURS <= h <= IOP_MAX_HOURS)
        ):
            problems.append(f"{p.id}: a regular IOP phase needs 9-19 hours a week (ASAM 2.1)")
        if p.kind is PhaseKind.STEP_DOWN and h is not None:
            if h <= 0:
                problems.append(f"{p.id}: a step-down phase needs some hours")
            if h < ADULT_IOP_MIN_HOURS and (
                p.max_weeks is None or p.max_weeks > STEP_DOWN_MAX_WEEKS
            ):
                problems.append(
                    f"{p.id}: fewer than 9 hours is allowed for at most 2 weeks (ASAM step-down)"
                )
        if p.min_weeks < 0 or (p.max_weeks is not None and p.max_weeks < max(p.min_weeks, 1)):
            problems.append(f"{p.id}: need 0 <= min_weeks <= max_weeks, max_weeks >= 1")
    return problems
