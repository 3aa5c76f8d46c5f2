"""The tapering engine: step down, hold or step up, with a reason for every input.

Combination:
1. any input that argues for a step up wins, and the most intensive target among them is
   proposed (partial hospitalisation or residential care when an input warrants it);
2. a step down needs every input to allow it (neutral inputs do not stand in the way): the
   seed's three criteria (avoiding relapse, plan progress, community support) plus weeks
   without use, measures, attendance, safety and time in phase;
3. otherwise hold.
Then the step-down allowance: fewer hours than the IOP minimum are allowed "for one or two
weeks" (ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1); once a patient has spent them, a hold would break the minimum, so
it becomes a step up to the least intensive regular phase. Adolescents never go below 6
hours a week in an IOP phase (ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1: adolescents 6-19).
"""

from __future__ import annotations

from openiop.domain.tapering.ladder import Assessment, Ladder
from openiop.domain.tapering.model import (
    Decision,
    SafetyFlag,
    Stance,
    TaperInput,
    TaperInputError,
    TaperReason,
    TaperRecommendation,
)
from openiop.domain.tapering.policy import (
    ADOLESCENT_IOP_MIN_HOURS,
    PhaseKind,
    TaperPhase,
    TaperPolicy,
)
from openiop.domain.tapering.rules import (
    assess_age,
    assess_attendance,
    assess_community,
    assess_measures,
    assess_needs,
    assess_phase,
    assess_plan,
    assess_relapse,
    assess_safety,
    assess_use,
)

ALLOWANCE = "ASAM: fewer hours when stepping down 'for one or two weeks' (ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1)"


def recommend_taper(inp: TaperInput, policy: TaperPolicy | None = None) -> TaperRecommendation:
    """Propose the next step for one patient, citing every input."""
    policy = policy or TaperPolicy()
    current = policy.phase(inp.phase_id)
    if current.kind in (PhaseKind.PARTIAL_HOSPITALISATION, PhaseKind.RESIDENTIAL):
        raise TaperInputError(f"phase {current.id!r} is not an IOP phase this engine tapers")
    ladder = Ladder(policy, current)
    assessments: list[Assessment] = [
        assess_phase(inp, ladder),
        assess_use(inp, policy),
        assess_relapse(inp, ladder),
        assess_plan(inp, policy),
        assess_community(inp, policy),
        assess_measures(inp, ladder),
        assess_attendance(inp, policy),
        *assess_safety(inp, policy),
        assess_age(inp, policy),
    ]
    needs = assess_needs(inp)  # a caution (neutral), only when the patient has needs on record
    if needs is not None:
        assessments.append(needs)
    reasons = [a.reason for a in assessments]
    decision, target = _combine(assessments, ladder)

    minimum = policy.minimum_hours(inp.age)
    hours = _hours(current, inp, policy)
    if (
        decision is Decision.HOLD
        and hours is not None
        and _allowance_spent(current, inp, hours, minimum)
    ):
        back = ladder.regular()[-1]
        reasons.append(_allowance_reason(inp, current, back, hours, minimum))
        decision, target = Decision.STEP_UP, back

    target_hours = _hours(target, inp, policy)
    if (
        target.kind in (PhaseKind.REGULAR, PhaseKind.STEP_DOWN)
        and target.hours_per_week is not None
        and target_hours != target.hours_per_week
    ):
        reasons.append(_adolescent_minimum_reason(inp, target, minimum))
    reasons.append(_summary(decision, target, target_hours, minimum))
    return TaperRecommendation(
        decision=decision,
        target_level=target.level,
        target_phase=target.id,
        weekly_hours=target_hours,
        days_per_week=target.days_per_week,
        crisis_evaluation=SafetyFlag.SUICIDE_RISK_HIGH in inp.safety_flags,
        withdrawal_management_first=SafetyFlag.DANGEROUS_WITHDRAWAL in inp.safety_flags,
        reasons=tuple(reasons),
    )


def _allowance_spent(current: TaperPhase, inp: TaperInput, hours: float, minimum: float) -> bool:
    """The patient has used up the weeks a step-down phase may stay below the IOP minimum
    ("for one or two weeks", ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1)."""
    return (
        current.kind is PhaseKind.STEP_DOWN
        and current.max_weeks is not None
        and hours < minimum
        and inp.weeks_in_phase >= current.max_weeks
    )


def _allowance_reason(
    inp: TaperInput, current: TaperPhase, back: TaperPhase, hours: float, minimum: float
) -> TaperReason:
    """Why a hold becomes a step up to ``back`` once the allowance is spent."""
    return TaperReason(
        input="phase",
        stance=Stance.FOR_STEP_UP,
        rule="TP-PHASE-ALLOWANCE",
        facts=(
            f"weeks_in_phase={inp.weeks_in_phase}",
            f"max_weeks={current.max_weeks}",
            f"phase_hours={hours:g}",
            f"iop_minimum_hours={minimum:g}",
        ),
        text=f"The step-down allowance of {current.max_weeks} weeks below "
        f"{minimum:g} hours is spent and the patient is not ready for continuing "
        f"care: return to {back.label} ({back.hours_per_week:g} h) rather than "
        "hold below the IOP minimum.",
        source=ALLOWANCE,
    )


def _adolescent_minimum_reason(inp: TaperInput, target: TaperPhase, minimum: float) -> TaperReason:
    """Why the target phase's hours were raised to the adolescent IOP minimum."""
    assert target.hours_per_week is not None
    return TaperReason(
        input="age",
        stance=Stance.NEUTRAL,
        rule="TP-AGE-MINIMUM",
        facts=(f"age={inp.age}", f"phase_hours={target.hours_per_week:g}"),
        text=f"{target.label} is {target.hours_per_week:g} hours; raised to the "
        f"adolescent minimum of {minimum:g} hours a week.",
        source="ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1: adolescents 6-19 hours a week",
    )


def _combine(assessments: list[Assessment], ladder: Ladder) -> tuple[Decision, TaperPhase]:
    ups = [a.target for a in assessments if a.target is not None]
    if ups:
        rungs = ladder.policy.ladder()
        return Decision.STEP_UP, min(ups, key=rungs.index)
    stances = {a.reason.stance for a in assessments}
    lower = ladder.one_down()
    if stances <= {Stance.FOR_STEP_DOWN, Stance.NEUTRAL} and lower is not None:
        return Decision.STEP_DOWN, lower
    return Decision.HOLD, ladder.current


def _hours(phase: TaperPhase, inp: TaperInput, policy: TaperPolicy) -> float | None:
    """Weekly hours for this patient: adolescents never go below 6 in an IOP phase."""
    hours = phase.hours_per_week
    iop = phase.kind in (PhaseKind.REGULAR, PhaseKind.STEP_DOWN)
    if hours is None or not iop or inp.age >= policy.adult_age:
        return hours
    return max(hours, ADOLESCENT_IOP_MIN_HOURS)


def _summary(
    decision: Decision, target: TaperPhase, hours: float | None, minimum: float
) -> TaperReason:
    amount = "hours set outside the IOP schedule" if hours is None else f"{hours:g} h a week"
    text = (
        f"{decision.replace('_', ' ').capitalize()}: {target.label} (level {target.level}, "
        f"{amount}). A clinician approves before hours change."
    )
    if hours is not None and hours < minimum and target.max_weeks is not None:
        text += (
            f" Below the {minimum:g}-hour IOP minimum, so for at most {target.max_weeks} "
            "weeks, then continuing care or back to a regular phase."
        )
    return TaperReason(
        input="decision",
        stance=_STANCE[decision],
        rule="TP-DECISION",
        facts=(f"target_phase={target.id}", f"target_level={target.level}"),
        text=text,
        source=ALLOWANCE,
    )


_STANCE = {
    Decision.STEP_DOWN: Stance.FOR_STEP_DOWN,
    Decision.HOLD: Stance.FOR_HOLD,
    Decision.STEP_UP: Stance.FOR_STEP_UP,
}
