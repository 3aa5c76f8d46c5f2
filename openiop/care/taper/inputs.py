"""Gathering the tapering engine's inputs from the database.

``gather(enrollment)`` reads, for one enrolment, over the windows of the program's taper
settings (``TaperPolicy.lookback_weeks`` for drug screens and relapse events, 26 weeks by
default, or longer when another window of the program reaches further back,
``domain.look_back_weeks``; ``TaperPolicy.attendance_window_weeks`` for attendance, 4 weeks
by default):
- phase and weeks in it: ``EnrollmentPhase`` (set by approved decisions); without one, the
  program phase whose weekly hours equal the enrolment's required hours, counted from the
  enrolment's start (named "inferred" in the facts);
- weeks without use: the patient's self-report (``SupportProfile.last_use_reported_on``),
  resulted drug screens (prescribed classes are expected, not use) and relapse events;
- plan progress: objectives of the current plan (met / on track / behind);
- community support: peer meetings in each of the last complete weeks, sponsor or mentor,
  sober supports; contacts with a peer recovery specialist (support's ``PeerContact``, not
  unanswered attempts) in the same recorded weeks; the kinds of the patient's social needs
  open at the decision and resolved during the enrolment (support's ``Need``);
- measure trends: scheduled instruments' baseline and latest totals with reliable change
  (``care.measures.selectors``), from intake's ``ScreeningResponse``;
- attendance: delivery's attendance records over the program's last complete weeks of the
  enrolment (``attendance_window_weeks``)
  against the required hours, a week without any record counting as missed and a week on
  leave left out (``domain.weekly_attendance``); when no attendance was ever recorded for the
  enrolment, the fraction a clinician reports; else unknown;
- safety: open relapse responses' safety findings and open intake safety tasks;
- age.

Unknown is never zero. When self-reported use, peer meetings or attendance are unknown, the
engine (whose inputs are numbers) receives a value that can only argue for holding, and its
reason for that input is replaced by one that says the input is unknown and what to record.
A step down therefore always rests on known evidence; the stored ``inputs`` name every unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from openiop.care.common import monday
from openiop.care.measures import selectors as measures
from openiop.care.models import (
    DrugScreen,
    EnrollmentPhase,
    PeerMeetingWeek,
    PlanStatus,
    RelapseEvent,
    RelapseStatus,
    ResultValue,
    ScreenStatus,
    SupportProfile,
    TaperSettings,
    TreatmentPlan,
)
from openiop.domain import tapering as domain
from openiop.domain.placement import LevelOfCare
from openiop.domain.tapering import (
    CommunitySupport,
    Decision,
    MeasureTrend,
    PhaseKind,
    PlanProgress,
    RelapseSource,
    SafetyFlag,
    Stance,
    TaperInput,
    TaperPhase,
    TaperPolicy,
    TaperReason,
    TaperRecommendation,
    recommend_taper,
)
from openiop.patients.models import Enrollment, Patient
from openiop.support.models import Need, NeedStatus, PeerContact, PeerContactKind

SAFETY_FLAGS = {
    "suicidal_ideation": SafetyFlag.SUICIDAL_IDEATION,
    "suicide_risk_high": SafetyFlag.SUICIDE_RISK_HIGH,
    "cssrs_high_risk": SafetyFlag.SUICIDE_RISK_HIGH,
    "dangerous_withdrawal": SafetyFlag.DANGEROUS_WITHDRAWAL,
    "unsafe_environment": SafetyFlag.UNSAFE_ENVIRONMENT,
    "overdose_risk": SafetyFlag.OTHER,
}

IOP_KINDS = (PhaseKind.REGULAR, PhaseKind.STEP_DOWN)

SUBSTANCE_TRACKS = frozenset({"substance_use", "alcohol", "co_occurring", "adolescents"})
"""Tracks whose patients are treated for substance use. In the others (mental health, eating
disorders) weeks without use are not a taper criterion; relapse events and drug screens,
when there are any, are still read by the relapse rule."""


def policy_from_settings(settings: TaperSettings | None) -> TaperPolicy:
    """A program's ``TaperPolicy`` (the domain defaults when it has no settings).

    Raises ``TaperInputError`` when the phases break the published bounds."""
    if settings is None:
        return TaperPolicy()
    phases = []
    for p in settings.phases:
        kind = PhaseKind(p["kind"])
        phases.append(
            TaperPhase(
                id=p["id"],
                label=p["label"],
                kind=kind,
                level=LevelOfCare.INTENSIVE_OUTPATIENT
                if kind in IOP_KINDS
                else LevelOfCare.OUTPATIENT,
                hours_per_week=p.get("hours_per_week"),
                days_per_week=p.get("days_per_week"),
                min_weeks=int(p.get("min_weeks") or 0),
                max_weeks=p.get("max_weeks"),
            )
        )
    return TaperPolicy(
        phases=tuple(phases),
        min_weeks_without_use=settings.min_weeks_without_use,
        screen_window_weeks=settings.screen_window_weeks,
        relapse_window_weeks=settings.relapse_window_weeks,
        min_objectives_met=settings.min_objectives_met,
        min_peer_meetings_per_week=float(settings.min_peer_meetings_per_week),
        min_sober_supports=settings.min_sober_supports,
        min_attendance_for_step_down=float(settings.min_attendance_for_step_down),
        low_attendance=min(0.5, float(settings.min_attendance_for_step_down)),
        require_measures=settings.require_measures,
        lookback_weeks=settings.lookback_weeks,
        attendance_window_weeks=settings.attendance_window_weeks,
    )


def phases_to_json(phases: tuple[TaperPhase, ...]) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "label": p.label,
            "kind": p.kind.value,
            "hours_per_week": p.hours_per_week,
            "days_per_week": p.days_per_week,
            "min_weeks": p.min_weeks,
            "max_weeks": p.max_weeks,
        }
        for p in phases
    ]


def policy_for(enrollment: Enrollment) -> TaperPolicy:
    settings = TaperSettings.objects.filter(program_id=enrollment.track.program_id).first()
    return policy_from_settings(settings)


@dataclass
class Gathered:
    """The engine's input for one enrolment, and the record of what was read."""

    enrollment: Enrollment
    policy: TaperPolicy
    inp: TaperInput
    current_phase: TaperPhase
    unknown: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)


@dataclass
class _Read:
    """What ``gather`` has read so far: facts, inputs it could not read, inputs that do not
    apply to this track."""

    facts: dict[str, Any] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)


def current_plan(enrollment: Enrollment) -> TreatmentPlan | None:
    """The plan in effect: the latest signed version, else the draft."""
    plans = list(
        TreatmentPlan.objects.filter(enrollment=enrollment)
        .exclude(status=PlanStatus.SUPERSEDED)
        .order_by("-version")
    )
    signed = [p for p in plans if p.status == PlanStatus.SIGNED]
    return signed[0] if signed else (plans[0] if plans else None)


def _phase(
    enrollment: Enrollment, policy: TaperPolicy, today: date
) -> tuple[TaperPhase, int, bool]:
    stored = EnrollmentPhase.objects.filter(enrollment=enrollment).first()
    iop = [p for p in policy.phases if p.kind in IOP_KINDS]
    if stored is not None and any(p.id == stored.phase_id for p in iop):
        phase = policy.phase(stored.phase_id)
        return phase, max(0, (today - stored.started_on).days // 7), False
    hours = float(enrollment.required_weekly_hours)
    regular = [p for p in iop if p.kind is PhaseKind.REGULAR]
    # The least intensive regular phase that gives the required hours; never the step-down
    # phase (an adolescent track's 6 h is phase 3); above every phase, the most intensive.
    at_least = [p for p in regular if (p.hours_per_week or 0) >= hours]
    phase = at_least[-1] if at_least else regular[0]
    return phase, max(0, (today - enrollment.starts_on).days // 7), True


def _first_complete_week(starts_on: date) -> date:
    """The Monday of the first week wholly inside the enrolment."""
    first = monday(starts_on)
    return first if first == starts_on else first + timedelta(weeks=1)


def recorded_attendance(
    enrollment: Enrollment, today: date, policy: TaperPolicy | None = None
) -> tuple[float, dict[str, Any]] | None:
    """Share of the required hours attended over the program's last complete weeks of the
    enrolment (``policy.attendance_window_weeks``, 4 by default) (``domain.weekly_attendance``): a week with no attendance record at all
    counts as missed, and a week wholly on leave of absence is left out. None when attendance
    is not recorded for this enrolment at all (no record in its track, ever), or when delivery
    is not installed: then the clinician's report, else unknown."""
    window = domain.attendance_weeks(policy or TaperPolicy())
    end_day = monday(today)
    start_day = max(end_day - timedelta(weeks=window), _first_complete_week(enrollment.starts_on))
    if start_day >= end_day:
        return None
    tz = timezone.get_current_timezone()
    start = datetime.combine(start_day, time.min, tzinfo=tz)
    end = datetime.combine(end_day, time.min, tzinfo=tz)
    try:
        from openiop.delivery.models import ATTENDED_STATUSES, AttendanceRecord, LeaveOfAbsence

        with transaction.atomic():
            mine = AttendanceRecord.objects.filter(
                patient_id=enrollment.patient_id, session__track_id=enrollment.track_id
            )
            if not mine.filter(session__starts_at__lt=end).exists():
                return None
            rows = list(
                mine.filter(session__starts_at__gte=start, session__starts_at__lt=end).values(
                    "status",
                    "check_in_at",
                    "check_out_at",
                    "session__starts_at",
                    "session__ends_at",
                )
            )
            leaves = list(
                LeaveOfAbsence.objects.filter(
                    patient_id=enrollment.patient_id,
                    starts_on__lt=end_day,
                    ends_on__gte=start_day,
                ).values_list("starts_on", "ends_on")
            )
    except (ImportError, DatabaseError):
        return None
    attended: dict[date, float] = {}
    for r in rows:
        s, e = r["session__starts_at"], r["session__ends_at"]
        week = monday(timezone.localtime(s, tz).date())
        attended.setdefault(week, 0.0)
        if r["status"] not in ATTENDED_STATUSES:
            continue
        a = max(s, r["check_in_at"] or s)
        b = min(e, r["check_out_at"] or e)
        attended[week] += max(0.0, (b - a).total_seconds() / 60)
    required = int(enrollment.required_weekly_hours * 60)
    weeks = []
    day = start_day
    while day < end_day:
        on_leave = any(lo <= day and day + timedelta(days=6) <= hi for lo, hi in leaves)
        minutes = attended.get(day)
        weeks.append(
            domain.WeekAttendance(
                day, 0 if on_leave else required, None if minutes is None else round(minutes)
            )
        )
        day += timedelta(weeks=1)
    summary = domain.weekly_attendance(weeks)
    if summary is None:
        return None
    return summary.fraction, {
        "attendance_source": "delivery attendance records",
        "attendance_window_weeks": window,
        "attendance_weeks": summary.weeks,
        "attendance_weeks_recorded": summary.weeks_recorded,
        "attendance_weeks_missed": summary.weeks_missed,
        "attended_hours": round(summary.attended_minutes / 60, 1),
        "required_hours": round(summary.required_minutes / 60, 1),
    }


def _weeks_without_use(
    enrollment: Enrollment,
    profile: SupportProfile | None,
    policy: TaperPolicy,
    today: date,
    read: _Read,
) -> tuple[int, TaperPolicy]:
    """Whole weeks since the self-reported last use, and the policy to apply: outside
    substance-use tracks the input is not applicable, so the policy no longer asks for it."""
    if enrollment.track.kind not in SUBSTANCE_TRACKS:
        read.not_applicable["weeks_without_use"] = (
            f"{enrollment.track.get_kind_display()} track: weeks without use are not a taper "
            "criterion here (relapse events still are)."
        )
        return 0, replace(policy, min_weeks_without_use=0, require_screen_verification=False)
    if profile is None or profile.last_use_reported_on is None:
        read.unknown["weeks_without_use"] = (
            "The patient's own report of their last use is not recorded."
        )
        return 0, policy
    read.facts["last_use_reported_on"] = profile.last_use_reported_on.isoformat()
    return max(0, (today - profile.last_use_reported_on).days // 7), policy


def _drug_screens(patient: Patient, since: date, today: date) -> list[domain.DrugScreen]:
    """Resulted screens since ``since``; positives for a prescribed class are marked so."""
    screens = []
    for screen in DrugScreen.objects.filter(
        patient=patient, status=ScreenStatus.RESULTED, collected_on__gte=since
    ).prefetch_related("results"):
        assert screen.collected_on is not None
        positives = [r for r in screen.results.all() if r.value == ResultValue.POSITIVE]
        screens.append(
            domain.DrugScreen(
                weeks_ago=max(0, (today - screen.collected_on).days // 7),
                positive_classes=frozenset(r.substance_class for r in positives),
                prescribed_classes=frozenset(r.substance_class for r in positives if r.expected),
            )
        )
    return screens


def _plan_progress(enrollment: Enrollment, read: _Read) -> PlanProgress:
    """Objectives of the plan in effect by status (none without a plan)."""
    plan = current_plan(enrollment)
    counts = {"met": 0, "on_track": 0, "behind": 0}
    if plan is not None:
        for status in plan.objectives.values_list("status", flat=True):
            counts[status] += 1
        read.facts["plan"] = f"version {plan.version} ({plan.status})"
    else:
        read.facts["plan"] = "none"
    return PlanProgress(**counts)


def _peer_meetings(
    patient: Patient, policy: TaperPolicy, today: date, read: _Read
) -> tuple[tuple[int, ...], list[date]]:
    """Meetings of each recorded complete week in the community window, oldest first, and
    those weeks' Mondays; weeks without a record are left out (not recorded, never zero)."""
    window = policy.community_window_weeks * 2
    this_monday = monday(today)
    first = this_monday - timedelta(weeks=window)
    per_week: dict[date, int] = {}
    for week_start, count in PeerMeetingWeek.objects.filter(
        patient=patient, week_start__gte=first, week_start__lt=this_monday
    ).values_list("week_start", "count"):
        per_week[week_start] = per_week.get(week_start, 0) + count
    weeks = sorted(per_week)
    meetings = tuple(per_week[w] for w in weeks)
    read.facts["peer_meeting_weeks_recorded"] = len(meetings)
    read.facts["peer_meeting_weeks_not_recorded"] = window - len(meetings)
    if not meetings:
        read.unknown["community"] = (
            f"No peer meetings recorded for the last {window} complete weeks."
        )
    return meetings, weeks


def _peer_contacts(patient: Patient, weeks: list[date], read: _Read) -> tuple[int, ...]:
    """Contacts with a peer recovery specialist (``support.PeerContact``; unanswered attempts
    left out) in each of ``weeks`` (the recorded peer-meeting weeks, Mondays), index for index.
    Contacts in a week whose meetings are not recorded are not read: a contact never makes an
    unknown week known. Empty when no week is recorded."""
    if not weeks:
        return ()
    counts = dict.fromkeys(weeks, 0)
    for day in (
        PeerContact.objects.filter(
            patient=patient,
            contacted_on__gte=weeks[0],
            contacted_on__lt=weeks[-1] + timedelta(weeks=1),
        )
        .exclude(kind=PeerContactKind.ATTEMPT)
        .values_list("contacted_on", flat=True)
    ):
        week = monday(day)
        if week in counts:
            counts[week] += 1
    contacts = tuple(counts[w] for w in weeks)
    read.facts["peer_contacts"] = sum(contacts)
    return contacts


def _needs(
    enrollment: Enrollment, today: date, read: _Read
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Kinds of the patient's social needs as of ``today``: open (identified on or before it,
    not closed by then) and resolved during this enrolment (closed as resolved between its
    start and ``today``)."""
    open_kinds: set[str] = set()
    resolved: set[str] = set()
    for kind, status, closed_on in Need.objects.filter(
        patient_id=enrollment.patient_id, identified_on__lte=today
    ).values_list("kind", "status", "closed_on"):
        if closed_on is None or closed_on > today:
            open_kinds.add(kind)
        elif status == NeedStatus.RESOLVED and closed_on >= enrollment.starts_on:
            resolved.add(kind)
    needs_open = tuple(sorted(open_kinds))
    needs_resolved = tuple(sorted(resolved - open_kinds))
    read.facts["needs_open"] = list(needs_open)
    read.facts["needs_resolved"] = list(needs_resolved)
    return needs_open, needs_resolved


def _measure_trends(enrollment: Enrollment, read: _Read) -> list[MeasureTrend]:
    """Baseline-to-latest trends of the track's scheduled instruments."""
    by_instrument = measures.enrollment_scores(enrollment)
    reliability = measures.reliability_for(enrollment.patient.organization_id)
    schedule = measures.schedules_for_tracks([(enrollment.track_id, enrollment.track.kind)])[
        enrollment.track_id
    ]
    scheduled = {s.instrument for s in schedule}
    trends, not_computed = measures.trends(
        {k: v for k, v in by_instrument.items() if k in scheduled}, reliability
    )
    read.facts["measures_not_computed"] = not_computed
    return trends


def _attendance(
    enrollment: Enrollment,
    today: date,
    attendance_reported: float | None,
    policy: TaperPolicy,
    read: _Read,
) -> float:
    """Recorded attendance, else the clinician's report, else unknown (a value that holds)."""
    attendance = recorded_attendance(enrollment, today, policy)
    if attendance is not None:
        fraction, more = attendance
        read.facts.update(more)
    elif attendance_reported is not None:
        fraction = attendance_reported
        read.facts["attendance_source"] = "reported by the clinician"
    else:
        fraction = _hold_band_attendance(policy)
        read.unknown["attendance"] = (
            "No attendance recorded in the last complete weeks, and none reported by the clinician."
        )
    return fraction


def _safety_flags(
    patient: Patient, relapse_rows: list[RelapseEvent], read: _Read
) -> frozenset[SafetyFlag]:
    """Open relapse responses (not yet checked, or their findings) and open intake safety
    tasks."""
    flags: set[SafetyFlag] = set()
    for r in relapse_rows:
        if r.status != RelapseStatus.OPEN:
            continue
        if r.safety_checked_at is None:
            flags.add(SafetyFlag.OTHER)
            read.facts["safety_check_pending"] = True
        for finding in r.safety_findings:
            if finding in SAFETY_FLAGS:
                flags.add(SAFETY_FLAGS[finding])
    try:
        from openiop.intake.models import SafetyTask

        for task_flags in SafetyTask.objects.filter(patient=patient, status="open").values_list(
            "flags", flat=True
        ):
            for flag in task_flags or []:
                flags.add(SAFETY_FLAGS.get(flag, SafetyFlag.OTHER))
    except ImportError:  # intake without safety tasks
        pass
    return frozenset(flags)


def gather(
    enrollment: Enrollment,
    *,
    today: date | None = None,
    attendance_reported: float | None = None,
) -> Gathered:
    """Read every input of the engine for this enrolment (module docstring). Each reader
    adds what it read to the facts and names an input it could not read as unknown."""
    today = today or timezone.localdate()
    patient = enrollment.patient
    policy = policy_for(enrollment)
    phase, weeks_in_phase, inferred = _phase(enrollment, policy, today)
    look_back = domain.look_back_weeks(policy)
    since = today - timedelta(weeks=look_back)
    read = _Read(
        facts={
            "today": today.isoformat(),
            "phase": phase.id,
            "weeks_in_phase": weeks_in_phase,
            "phase_inferred_from_required_hours": inferred,
            "required_weekly_hours": float(enrollment.required_weekly_hours),
            "look_back_weeks": look_back,
        }
    )
    profile = SupportProfile.objects.filter(patient=patient).first()
    self_weeks, policy = _weeks_without_use(enrollment, profile, policy, today, read)
    screens = _drug_screens(patient, since, today)
    read.facts["drug_screens"] = len(screens)
    relapse_rows = list(RelapseEvent.objects.filter(patient=patient, occurred_on__gte=since))
    relapses = tuple(
        domain.RelapseEvent(
            weeks_ago=max(0, (today - r.occurred_on).days // 7),
            source=RelapseSource(r.source),
            substance=r.substances,
        )
        for r in relapse_rows
    )
    read.facts["relapse_events"] = len(relapses)
    plan = _plan_progress(enrollment, read)
    meetings, meeting_weeks = _peer_meetings(patient, policy, today, read)
    contacts = _peer_contacts(patient, meeting_weeks, read)
    needs_open, needs_resolved = _needs(enrollment, today, read)
    trends = _measure_trends(enrollment, read)
    fraction = _attendance(enrollment, today, attendance_reported, policy, read)
    flags = _safety_flags(patient, relapse_rows, read)
    inp = TaperInput(
        age=patient.age_on(today),
        phase_id=phase.id,
        weeks_in_phase=weeks_in_phase,
        self_reported_weeks_without_use=self_weeks,
        attendance_fraction=round(fraction, 3),
        plan=plan,
        community=CommunitySupport(
            peer_meetings_per_week=meetings,
            sponsor_or_mentor=bool(profile and profile.has_sponsor_or_mentor),
            sober_supports=profile.sober_supports if profile else 0,
            peer_contacts_per_week=contacts,
            needs_resolved=needs_resolved,
            needs_open=needs_open,
        ),
        screens=tuple(screens),
        relapses=relapses,
        measures=tuple(trends),
        safety_flags=flags,
    )
    return Gathered(enrollment, policy, inp, phase, read.unknown, read.facts, read.not_applicable)


def _hold_band_attendance(policy: TaperPolicy) -> float:
    """An attendance value the engine reads as "hold" without the low-attendance review."""
    low, need = policy.low_attendance, policy.min_attendance_for_step_down
    return (low + need) / 2 if low < need else max(0.0, need - 0.01)


def _unknown_reason(
    original: TaperReason, why: str, what_to_do: str, unknown_facts: dict[str, str]
) -> TaperReason:
    facts = []
    for fact in original.facts:
        key = fact.split("=", 1)[0]
        facts.append(f"{key}={unknown_facts[key]}" if key in unknown_facts else fact)
    return replace(
        original,
        stance=Stance.FOR_HOLD,
        rule=f"{original.rule}-UNKNOWN",
        facts=tuple(facts),
        text=f"Unknown: {why} {what_to_do}",
    )


def recommend(g: Gathered) -> TaperRecommendation:
    """The engine's recommendation, with every unknown input stated as unknown."""
    rec = recommend_taper(g.inp, g.policy)
    reasons = list(rec.reasons)
    for i, r in enumerate(reasons):
        if r.input in g.not_applicable:
            reasons[i] = replace(
                r,
                stance=Stance.NEUTRAL,
                rule=f"{r.rule}-NA",
                text=f"Not applicable: {g.not_applicable[r.input]}",
            )
        elif r.input == "weeks_without_use" and "weeks_without_use" in g.unknown:
            reasons[i] = _unknown_reason(
                r,
                g.unknown["weeks_without_use"],
                "Weeks without use cannot be shown: ask the patient and record their last use.",
                {"self_reported_weeks_without_use": "unknown"},
            )
        elif r.input == "community" and "community" in g.unknown:
            reasons[i] = _unknown_reason(
                r,
                g.unknown["community"],
                "Reliance on community support cannot be shown: record the meetings of each week "
                "(0 when none).",
                {"peer_meetings_per_week": "unknown", "recent_mean": "unknown", "trend": "unknown"},
            )
        elif r.input == "attendance" and "attendance" in g.unknown:
            reasons[i] = _unknown_reason(
                r,
                g.unknown["attendance"],
                f"A step down needs attendance of at least "
                f"{g.policy.min_attendance_for_step_down:.0%} of required hours.",
                {"attendance_fraction": "unknown"},
            )
    # The substituted values can only argue for holding, so a step down never rests on them.
    assert not (g.unknown and rec.decision is Decision.STEP_DOWN)
    return replace(rec, reasons=tuple(reasons))


def reasons_to_json(rec: TaperRecommendation) -> list[dict[str, Any]]:
    return [
        {
            "input": r.input,
            "stance": r.stance.value,
            "rule": r.rule,
            "facts": list(r.facts),
            "text": r.text,
            "source": r.source,
        }
        for r in rec.reasons
    ]


def inputs_to_json(g: Gathered) -> dict[str, Any]:
    inp = g.inp
    return {
        **g.facts,
        "age": inp.age,
        "self_reported_weeks_without_use": None
        if "weeks_without_use" in g.unknown
        else inp.self_reported_weeks_without_use,
        "attendance_fraction": None if "attendance" in g.unknown else inp.attendance_fraction,
        "plan_progress": {
            "met": inp.plan.met,
            "on_track": inp.plan.on_track,
            "behind": inp.plan.behind,
        },
        "peer_meetings_per_week": list(inp.community.peer_meetings_per_week),
        "peer_contacts_per_week": list(inp.community.peer_contacts_per_week),
        "sponsor_or_mentor": inp.community.sponsor_or_mentor,
        "sober_supports": inp.community.sober_supports,
        "measures": [
            {
                "instrument": m.instrument,
                "baseline": m.baseline,
                "latest": m.latest,
                "change": m.change.value,
            }
            for m in inp.measures
        ],
        "safety_flags": sorted(f.value for f in inp.safety_flags),
        "unknown": dict(g.unknown),
        "not_applicable": dict(g.not_applicable),
    }


def hours(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))
