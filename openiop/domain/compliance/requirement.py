"""How many minutes a patient must attend in a given week, and why.

Order of precedence:
1. a step-down allowance in its first or second week (ASAM Level 2.1: fewer hours "for one or
   two weeks" while stepping down, ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1); from the third week the normal minimum
   applies again;
2. the patient's current phase requirement (set by tapering);
3. the track's minimum;
4. the ASAM Level 2.1 minimum for the population: 9 hours for adults, 6 for adolescents.
Steps 2-4 give one requirement for the patient however many tracks they are in
(`combined.weekly_requirement`: the highest of their tracks', program policy).

The admission week (program policy): in the week holding the day the patient was admitted,
when that is not the week's first day, the requirement is prorated by the share of their
tracks' group time in the week that meets on or after that day (rounded down). A patient
admitted when enough group time is left still owes the full minimum in proportion; one
admitted on the week's last day, after the last group, owes nothing that week.

A leave of absence (common IOP practice) then reduces the
requirement by the share of the patient's scheduled time that falls on leave days, or by the
share of the 7 days on leave if nothing is scheduled; a leave covering the whole week, or every
scheduled session, suspends it.

The program's days a week (program compliance, reported only) follow the hours: prorated by the
same share in the admission week and for leave days, rounded down
(`program_days_required`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from openiop.domain.compliance.clock import format_minutes
from openiop.domain.compliance.combined import weekly_requirement
from openiop.domain.compliance.model import CompliancePolicy, Patient, StepDown


def prorate(value: int, part: int, whole: int) -> int:
    """`value` x `part` / `whole`, rounded down, never above `value`; 0 when `whole` is 0
    (nothing was there to share)."""
    if not whole:
        return 0
    return min(value * part // whole, value)


def program_days_required(
    days: int,
    *,
    admission: tuple[int, int] | None,
    on_leave: frozenset[int],
    scheduled_minutes: int,
    scheduled_on_leave_minutes: int,
    suspended: bool,
) -> int:
    """The program's days a week (with the daily minimum attended), prorated the same way as
    the hours: in the admission week by the share of group time left (`admission` is
    (group minutes from the start day, group minutes of the week), None in other weeks), then
    by the share a leave leaves; rounded down, and 0 when the requirement is suspended or
    nothing is left (program policy, as the prorated hours)."""
    if suspended:
        return 0
    if admission is not None:
        days = prorate(days, *admission)
    if on_leave:
        days = prorate(days, *leave_share(on_leave, scheduled_minutes, scheduled_on_leave_minutes))
    return days


@dataclass(frozen=True)
class Requirement:
    minutes: int
    suspended: bool
    reasons: tuple[str, ...]


def step_down_week(step_down: StepDown, week_start: date) -> int:
    """1 for the week (of 7 days from `week_start`) holding `starts_on`, 2 for the next, ...;
    0 or less for weeks before the step-down."""
    week_end = week_start + timedelta(days=6)
    return (week_end - step_down.starts_on).days // 7 + 1


def _normal(patient: Patient, policy: CompliancePolicy) -> tuple[int, str]:
    if patient.enrolments:
        combined = weekly_requirement(
            patient.enrolments, adolescent=patient.adolescent, policy=policy
        )
        return combined.minutes, combined.reason
    if patient.phase_minimum_minutes is not None:
        minutes = patient.phase_minimum_minutes
        return minutes, f"Requirement {format_minutes(minutes)}: the patient's current phase."
    if patient.track_minimum_minutes is not None:
        minutes = patient.track_minimum_minutes
        return minutes, f"Requirement {format_minutes(minutes)}: the track minimum."
    if patient.adolescent:
        minutes = policy.adolescent_minimum_minutes
        return minutes, f"Requirement {format_minutes(minutes)}: adolescent minimum (ASAM 2.1)."
    minutes = policy.adult_minimum_minutes
    return minutes, f"Requirement {format_minutes(minutes)}: adult minimum (ASAM 2.1)."


def base_requirement(
    patient: Patient, week_start: date, policy: CompliancePolicy
) -> tuple[int, list[str]]:
    """The week's requirement before any leave, with the sentences explaining it."""
    minutes, reason = _normal(patient, policy)
    step = patient.step_down
    if step is None:
        return minutes, [reason]
    week = step_down_week(step, week_start)
    if 1 <= week <= step.weeks:
        return step.minimum_minutes, [
            f"Requirement {format_minutes(step.minimum_minutes)}: step-down week {week} of "
            f"{step.weeks} (ASAM 2.1 allows fewer hours for one or two weeks)."
        ]
    if week > step.weeks:
        return minutes, [
            reason,
            f"The step-down allowance ended after {step.weeks} week(s); the normal minimum "
            "applies.",
        ]
    return minutes, [reason]


def leave_days(patient: Patient, days: tuple[date, ...]) -> frozenset[int]:
    """Indices (0-6) of the week's local days that fall in a leave."""
    if not patient.leaves:
        return frozenset()
    return frozenset(
        i
        for i, day in enumerate(days)
        if any(leave.first_day <= day <= leave.last_day for leave in patient.leaves)
    )


def leave_share(
    on_leave: frozenset[int], scheduled_minutes: int, scheduled_on_leave_minutes: int
) -> tuple[int, int]:
    """The part of the week a leave leaves to attend, as (kept, whole): the scheduled time
    off leave days, or the days off leave of 7 if nothing is scheduled (module docstring)."""
    if scheduled_minutes:
        return scheduled_minutes - scheduled_on_leave_minutes, scheduled_minutes
    return 7 - len(on_leave), 7


def apply_leave(
    minutes: int,
    reasons: list[str],
    on_leave: frozenset[int],
    scheduled_minutes: int,
    scheduled_on_leave_minutes: int,
) -> Requirement:
    """Reduce or suspend `minutes` for leave days (see the module docstring); rounded down."""
    if not on_leave:
        return Requirement(minutes, False, tuple(reasons))
    if len(on_leave) == 7 or (
        scheduled_minutes and scheduled_on_leave_minutes == scheduled_minutes
    ):
        return Requirement(0, True, (*reasons, "On leave: the requirement is suspended."))
    kept, whole = leave_share(on_leave, scheduled_minutes, scheduled_on_leave_minutes)
    reduced = minutes * kept // whole
    if scheduled_minutes:
        share = f"{format_minutes(scheduled_on_leave_minutes)} of scheduled time"
    else:
        share = f"{len(on_leave)} of 7 days"
    if reduced == 0:
        return Requirement(0, True, (*reasons, "On leave: the requirement is suspended."))
    note = (
        f"On leave {len(on_leave)} day(s) ({share}): requirement reduced from "
        f"{format_minutes(minutes)} to {format_minutes(reduced)}."
    )
    return Requirement(reduced, False, (*reasons, note))


def admission_week(
    minutes: int,
    reasons: list[str],
    *,
    starts_on: date | None,
    days: tuple[date, ...],
    group_minutes: int,
    group_minutes_after: int,
) -> tuple[int, list[str]]:
    """Prorate `minutes` in the admission week (module docstring): `group_minutes` is the
    group time of the patient's tracks in the week, `group_minutes_after` the part of it on
    or after `starts_on`. Other weeks are unchanged."""
    if starts_on is None or not days[0] < starts_on <= days[-1]:
        return minutes, reasons
    prorated = prorate(minutes, group_minutes_after, group_minutes)
    if prorated == minutes:
        return minutes, reasons
    when = f"{starts_on:%A} {starts_on.day} {starts_on:%B}"
    if not group_minutes_after:
        left = "no group time of their tracks was left this week"
    else:
        left = (
            f"{format_minutes(group_minutes_after)} of their tracks' "
            f"{format_minutes(group_minutes)} of group time this week was still to come"
        )
    note = (
        f"Admitted on {when}: {left}, so this week's requirement is "
        f"{format_minutes(prorated)} (program policy: the admission week is prorated)."
    )
    return prorated, [*reasons, note]
