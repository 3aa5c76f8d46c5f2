"""One week of hours compliance for many patients: `compute_week`.

Per patient: minutes attended against the week's requirement (requirement.py),
per-day billing eligibility, a projection from the sessions still to come, and, for those who
need it, open seats that would fix it (fixes.py).

Statuses:
- `on_leave`: a leave suspends the requirement (requirement.py);
- `met`: attended minutes reach the requirement;
- `short`: the week is over and they did not, or attended + the scheduled minutes still to come
  cannot reach it ("cannot reach": the projection);
- `at_risk`: they can still reach it, but only barely: time has already been lost this week
  (less slack than their schedule planned) and missing one more session would leave them short;
- `on_track`: otherwise. A patient scheduled for exactly the minimum who attends everything
  stays on track; one late arrival then makes them short, with seats suggested. A program that
  wants such zero-slack schedules flagged from the start sets
  `CompliancePolicy.at_risk_without_lost_time`.

Billing (`PerDiemRule`): by default a local day with at least 3 hours attended is a per-diem day
(HCPCS H0015 and S9480 descriptors: the per diem is a day's service), whatever the rest of the
week; any other day with attendance bills discrete services. A payer whose rule also requires
the weekly minimum (`PerDiemBasis.DAY_AND_WEEK`, set per program with its source) overrides it
for the patients billed under it. Days are local days in the patient's site zone.

Program compliance (H0015 describes a program of at least 3 hours a day and 3 days a week) is
reported, never used to deny a day: the weekly hours are the status above, and the days with
3 hours or more are `PatientWeek.program_days` against `program_days_required`, prorated like
the hours in the admission week and for leave days (requirement.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from openiop.domain.compliance.clock import WeekCalendar, format_minutes, seconds, week_calendar
from openiop.domain.compliance.fixes import SeatPool, SeatSuggestion, Span, free_spans
from openiop.domain.compliance.model import (
    ABSENCES,
    DEFAULT_PER_DIEM,
    DEFAULT_POLICY,
    Attendance,
    AttendanceStatus,
    ComplianceInputError,
    CompliancePolicy,
    OpenSeat,
    Patient,
    PerDiemRule,
    Session,
    require_aware,
)
from openiop.domain.compliance.requirement import (
    admission_week,
    apply_leave,
    base_requirement,
    leave_days,
    program_days_required,
)

_FOREVER = 2**62  # "now" when no as_of is given: the week is over


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    SHORT = "short"
    ON_LEAVE = "on_leave"
    MET = "met"


class Billing(StrEnum):
    PER_DIEM = "per_diem"
    DISCRETE = "discrete"
    NONE = "none"


# Module-level aliases: enum member lookups are slow in Python 3.11 and these sit in the hot loop.
_PER_DIEM, _DISCRETE, _NO_BILLING = Billing.PER_DIEM, Billing.DISCRETE, Billing.NONE
_UNEXCUSED = AttendanceStatus.ABSENT_UNEXCUSED


@dataclass(frozen=True)
class DayAttendance:
    day: date
    minutes: int
    meets_daily_minimum: bool
    billing: Billing


@dataclass(frozen=True)
class SessionAttendance:
    session_id: str
    status: AttendanceStatus
    minutes: int


@dataclass(frozen=True)
class PatientWeek:
    """The week of one patient, as of the time it was computed."""

    patient_id: str
    status: Status
    required_minutes: int
    attended_minutes: int
    scheduled_minutes: int  # scheduled sessions in the week, leave days left out
    remaining_minutes: int  # scheduled minutes still to come after as_of
    final: bool  # the week is over
    days: tuple[DayAttendance, ...]
    per_diem_week: bool  # the rule's weekly condition holds (always, under the per-day rule)
    sessions: tuple[SessionAttendance, ...]
    shortfall_minutes: int  # how far attended + remaining falls below the requirement
    suggestions: tuple[SeatSuggestion, ...]
    unresolved_minutes: int  # what is still missing after any suggested seats
    reasons: tuple[str, ...]
    per_diem_rule: PerDiemRule = DEFAULT_PER_DIEM  # the rule the days were billed under
    program_days: int = 0  # days with the program's daily minimum attended
    program_days_required: int = 0  # the program's days a week (0 when nothing is required)

    @property
    def program_days_met(self) -> bool:
        """Program compliance on days (reported, not a billing rule)."""
        return self.program_days >= self.program_days_required

    @property
    def cannot_reach(self) -> bool:
        """The mid-week projection: the sessions left cannot bring them to the requirement."""
        return self.status is Status.SHORT and not self.final


@dataclass
class _Need:
    """A patient to offer seats to, with what the seat search needs."""

    patient: Patient
    gap: int
    busy: list[Span]
    taken: set[str]
    on_leave: frozenset[int]
    calendar: WeekCalendar


def _billing(
    minutes: list[int], cal: WeekCalendar, rule: PerDiemRule
) -> tuple[tuple[DayAttendance, ...], bool]:
    """Each day's billing under `rule`, and whether the rule's weekly condition holds."""
    qualifying = [m >= rule.day_minutes for m in minutes]
    week_ok = not rule.requires_week or (
        sum(minutes) >= rule.week_minutes and sum(qualifying) >= rule.min_days
    )
    days = tuple(
        DayAttendance(
            day,
            m,
            ok,
            _PER_DIEM if ok and week_ok else _DISCRETE if m else _NO_BILLING,
        )
        for day, m, ok in zip(cal.days, minutes, qualifying, strict=True)
    )
    return days, week_ok


@dataclass
class _Tally:
    """What one patient's attendance and schedule add up to in the week so far."""

    per_day: list[int]  # minutes attended on each local day
    sessions: list[SessionAttendance]
    busy: list[Span]  # sessions they attend or are scheduled for: no seat may overlap them
    seen: set[str]  # sessions with an attendance record
    unexcused: int
    remaining: int = 0  # scheduled minutes still to come after now
    longest: int = 0  # the longest of those sessions: what missing one more would cost
    scheduled_total: int = 0
    scheduled_on_leave: int = 0
    scheduled_kept: int = 0  # scheduled minutes on days without leave
    unrecorded: int = 0  # past scheduled sessions without an attendance record


def _attendance(
    records: Iterable[Attendance], windows: dict[str, Span], cal: WeekCalendar, now: int
) -> _Tally:
    """Minutes attended per local day from the records of the week, each clipped to its
    session; a session in progress counts up to `now` and the rest as still to come."""
    week_from, week_to = cal.bounds[0], cal.bounds[7]
    per_day = [0] * 7
    remaining = longest = unexcused = 0
    busy: list[Span] = []
    seen: set[str] = set()
    sessions: list[SessionAttendance] = []
    for record in records:
        session_id, kind = record.session_id, record.status
        window_start, window_end = windows[session_id]
        seen.add(session_id)
        if window_end <= week_from or window_start >= week_to:
            continue
        busy.append((window_start, window_end))
        minutes = 0
        if kind in ABSENCES:
            unexcused += kind is _UNEXCUSED
        else:
            # Missing times default to the window; given times are clipped to it.
            start = window_start
            if record.check_in is not None:
                start = max(seconds(record.check_in), window_start)
            end = window_end
            if record.check_out is not None:
                end = min(seconds(record.check_out), window_end)
            if end > now:  # in progress: the rest of it is still to come
                future = cal.clip_minutes(max(start, now), end)
                remaining += future
                longest = max(longest, future)
                end = now
            minutes = cal.add_minutes(start, end, per_day)
        sessions.append(SessionAttendance(session_id, kind, minutes))
    return _Tally(per_day, sessions, busy, seen, unexcused, remaining, longest)


def _add_schedule(
    tally: _Tally,
    scheduled: Iterable[str],
    windows: dict[str, Span],
    cal: WeekCalendar,
    on_leave: frozenset[int],
    now: int,
) -> None:
    """Add the scheduled sessions: minutes in the week (on leave days apart, as the leave
    rule of requirement.py needs) and those without a record, past or still to come."""
    week_from = cal.bounds[0]
    seen, busy = tally.seen, tally.busy
    remaining, longest = tally.remaining, tally.longest
    total = on_leave_total = kept = unrecorded = 0
    for session_id in scheduled:
        start, end = windows[session_id]
        length = cal.clip_minutes(start, end)
        if not length:
            continue
        total += length
        if on_leave and cal.day_index(max(start, week_from)) in on_leave:
            on_leave_total += length
            continue
        kept += length
        if session_id in seen:
            continue
        busy.append((start, end))
        if end <= now:
            unrecorded += 1
        else:
            future = cal.clip_minutes(max(start, now), end)
            remaining += future
            longest = max(longest, future)
    tally.remaining, tally.longest = remaining, longest
    tally.scheduled_total, tally.scheduled_on_leave = total, on_leave_total
    tally.scheduled_kept, tally.unrecorded = kept, unrecorded


def _status(
    required: int,
    attended: int,
    tally: _Tally,
    *,
    suspended: bool,
    final: bool,
    policy: CompliancePolicy,
) -> tuple[Status, int, list[str]]:
    """The week's status (module docstring), the minutes open seats should make up, and the
    sentence saying why when it is not fine."""
    margin = attended + tally.remaining - required
    planned = tally.scheduled_kept - required
    longest = tally.longest
    # At risk below this margin: one session's worth, or the slack the schedule planned if less.
    slack = longest if policy.at_risk_without_lost_time else min(longest, planned)
    if suspended:
        return Status.ON_LEAVE, 0, []
    if attended >= required:
        return Status.MET, 0, []
    if final:
        gap = required - attended
        return Status.SHORT, gap, [f"Short by {format_minutes(gap)}."]
    if margin < 0:
        return (
            Status.SHORT,
            -margin,
            [
                f"Cannot reach the requirement with the sessions left: {format_minutes(-margin)} short."
            ],
        )
    if margin < slack:
        return (
            Status.AT_RISK,
            slack - margin,
            [
                f"At risk: {format_minutes(margin)} to spare; missing one more session "
                f"(up to {format_minutes(longest)}) would leave them short."
            ],
        )
    return Status.ON_TRACK, 0, []


def _discrete_note(rule: PerDiemRule, minutes: list[int], final: bool) -> str:
    """Why days long enough for the per diem bill as discrete services: the payer's rule
    also requires the weekly minimum, which the week has not reached."""
    days = sum(m >= rule.day_minutes for m in minutes)
    return (
        f"{rule.payer or 'The payer'}'s rule requires at least "
        f"{format_minutes(rule.week_minutes)} and {rule.min_days} days of "
        f"{format_minutes(rule.day_minutes)} or more in the week; this week has "
        f"{format_minutes(sum(minutes))} and {days} such day(s)"
        + (" so far" if not final else "")
        + ", so days of "
        f"{format_minutes(rule.day_minutes)} or more bill as discrete services, not the per "
        f"diem (source: {rule.source})."
    )


def _program_days_note(days: int, required: int, policy: CompliancePolicy) -> str:
    """Program compliance on days: reported, never a denial of a per-diem day."""
    if required < policy.program_min_days:
        wanted = (
            f"fewer than the {required} required this week (the program's "
            f"{policy.program_min_days} a week, prorated as the hours are)"
        )
    else:
        wanted = f"fewer than the program's {required} a week"
    return (
        f"Program compliance: {days} day(s) with {format_minutes(policy.program_day_minutes)} "
        f"or more attended, {wanted} (HCPCS H0015 describes a program of at least 3 hours a "
        "day and 3 days a week); the per-diem days still bill."
    )


def _group_minutes(
    patient: Patient,
    windows: dict[str, Span],
    session_tracks: dict[str, str],
    cal: WeekCalendar,
    from_day: int,
) -> tuple[int, int]:
    """Minutes of group time in the week of the patient's tracks (and of the sessions they
    are scheduled for), overlapping sessions counted once; and the part of it from local day
    `from_day` on."""
    tracks = set(patient.tracks)
    mine = set(patient.scheduled)
    spans = sorted(
        windows[sid] for sid, track in session_tracks.items() if track in tracks or sid in mine
    )
    merged: list[Span] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    cut = cal.bounds[from_day]
    total = sum(cal.clip_minutes(start, end) for start, end in merged)
    after = sum(cal.clip_minutes(max(start, cut), end) for start, end in merged if end > cut)
    return total, after


def _one(
    patient: Patient,
    records: Iterable[Attendance],
    windows: dict[str, Span],
    week_start: date,
    now: int,
    policy: CompliancePolicy,
    session_tracks: dict[str, str],
) -> tuple[PatientWeek, _Need | None]:
    cal = week_calendar(patient.site_zone, week_start)
    on_leave = leave_days(patient, cal.days)
    tally = _attendance(records, windows, cal, now)
    _add_schedule(tally, patient.scheduled, windows, cal, on_leave, now)

    base, reasons = base_requirement(patient, week_start, policy)
    starts_on = patient.starts_on
    admission: tuple[int, int] | None = None  # (group minutes left, of the week's)
    if starts_on is not None and cal.days[0] < starts_on <= cal.days[-1]:
        total, after = _group_minutes(
            patient, windows, session_tracks, cal, (starts_on - cal.days[0]).days
        )
        admission = (after, total)
        base, reasons = admission_week(
            base,
            reasons,
            starts_on=starts_on,
            days=cal.days,
            group_minutes=total,
            group_minutes_after=after,
        )
    requirement = apply_leave(
        base, reasons, on_leave, tally.scheduled_total, tally.scheduled_on_leave
    )
    required = requirement.minutes
    attended = sum(tally.per_day)
    remaining = tally.remaining
    final = now >= cal.bounds[7]
    notes = list(requirement.reasons)
    notes.append(
        f"Attended {format_minutes(attended)} of {format_minutes(required)}"
        + ("." if final else f"; {format_minutes(remaining)} scheduled still to come.")
    )
    status, gap, why = _status(
        required, attended, tally, suspended=requirement.suspended, final=final, policy=policy
    )
    notes += why
    if tally.unexcused:
        notes.append(f"{tally.unexcused} unexcused absence(s).")
    if tally.unrecorded:
        notes.append(f"{tally.unrecorded} past scheduled session(s) have no attendance record.")
    rule = patient.per_diem or policy.per_diem
    days, week_ok = _billing(tally.per_day, cal, rule)
    if not week_ok and any(day.meets_daily_minimum for day in days):
        notes.append(_discrete_note(rule, tally.per_day, final))
    day_minimum = policy.program_day_minutes
    program_days = sum(m >= day_minimum for m in tally.per_day)
    days_required = (
        0
        if required == 0
        else program_days_required(
            policy.program_min_days,
            admission=admission,
            on_leave=on_leave,
            scheduled_minutes=tally.scheduled_total,
            scheduled_on_leave_minutes=tally.scheduled_on_leave,
            suspended=requirement.suspended,
        )
    )
    if final and program_days < days_required:
        notes.append(_program_days_note(program_days, days_required, policy))
    margin = attended + remaining - required
    result = PatientWeek(
        patient_id=patient.id,
        status=status,
        required_minutes=required,
        attended_minutes=attended,
        scheduled_minutes=tally.scheduled_kept,
        remaining_minutes=remaining,
        final=final,
        days=days,
        per_diem_week=week_ok,
        sessions=tuple(tally.sessions),
        shortfall_minutes=max(-margin, 0) if not requirement.suspended else 0,
        suggestions=(),
        unresolved_minutes=gap,
        reasons=tuple(notes),
        per_diem_rule=rule,
        program_days=program_days,
        program_days_required=days_required,
    )
    need = (
        _Need(patient, gap, tally.busy, tally.seen | set(patient.scheduled), on_leave, cal)
        if gap and not final
        else None
    )
    return result, need


def compute_week(
    patients: Sequence[Patient],
    records: Iterable[Attendance],
    *,
    sessions: Sequence[Session],
    week_start: date,
    as_of: datetime | None = None,
    open_seats: Sequence[OpenSeat] = (),
    policy: CompliancePolicy = DEFAULT_POLICY,
) -> dict[str, PatientWeek]:
    """The week of 7 local days from `week_start` for every patient, keyed by patient id.

    `records` may hold other patients' attendance (it is ignored). `as_of` is the moment of the
    projection; None means the week is over. Open seats are offered to those who are short
    first, then by the size of their gap, then by patient id, so the result is deterministic.
    """
    if as_of is not None:
        require_aware("as_of", as_of)
    now = seconds(as_of) if as_of is not None else _FOREVER
    windows: dict[str, Span] = {}
    session_tracks: dict[str, str] = {}
    for session in sessions:
        if session.id in windows:
            raise ComplianceInputError(f"session {session.id} is listed twice")
        windows[session.id] = (seconds(session.start), seconds(session.end))
        session_tracks[session.id] = session.track
    by_patient: dict[str, dict[str, Attendance]] = {p.id: {} for p in patients}
    if len(by_patient) != len(patients):
        raise ComplianceInputError("a patient is listed twice")
    for record in records:
        mine = by_patient.get(record.patient_id)
        if mine is None:
            continue
        if record.session_id not in windows:
            raise ComplianceInputError(f"attendance at unknown session {record.session_id}")
        if record.session_id in mine:
            raise ComplianceInputError(
                f"two attendance records for {record.patient_id} at {record.session_id}"
            )
        mine[record.session_id] = record
    results: dict[str, PatientWeek] = {}
    needs: list[_Need] = []
    for patient in patients:
        unknown = [s for s in patient.scheduled if s not in windows]
        if unknown:
            raise ComplianceInputError(f"patient {patient.id}: unknown sessions {unknown}")
        result, need = _one(
            patient,
            by_patient[patient.id].values(),
            windows,
            week_start,
            now,
            policy,
            session_tracks,
        )
        results[patient.id] = result
        if need is not None:
            needs.append(need)
    if needs and open_seats:
        _offer_seats(results, needs, SeatPool(open_seats), now)
    return results


def _offer_seats(
    results: dict[str, PatientWeek], needs: list[_Need], pool: SeatPool, now: int
) -> None:
    needs.sort(
        key=lambda n: (results[n.patient.id].status is not Status.SHORT, -n.gap, n.patient.id)
    )
    for need in needs:
        chosen, left = pool.suggest(
            tracks=need.patient.tracks,
            free=free_spans(need.patient.free),
            busy=need.busy,
            taken=need.taken,
            not_before=now,
            calendar=need.calendar,
            on_leave=need.on_leave,
            gap_minutes=need.gap,
        )
        if chosen:
            sentence = "Open seats that would fix it: " + ", ".join(
                f"{s.session_id} ({s.track}, {format_minutes(s.minutes)})" for s in chosen
            )
            sentence += "." if not left else f"; still {format_minutes(left)} short after them."
        else:
            sentence = "No open seat fits the patient's tracks and free times."
        result = results[need.patient.id]
        results[need.patient.id] = replace(
            result,
            suggestions=tuple(chosen),
            unresolved_minutes=left,
            reasons=(*result.reasons, sentence),
        )
