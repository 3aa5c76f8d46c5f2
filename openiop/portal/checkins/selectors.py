"""Reads of the patient's own check-ins, due questionnaires and progress.

Every function takes the signed-in patient's portal account and reads that patient only; each
runs a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from openiop.care.common import OPEN_ENROLLMENT
from openiop.care.measures import selectors as measures
from openiop.care.measures.selectors import DueRow
from openiop.care.models import Goal, Objective, PlanStatus, TreatmentPlan
from openiop.domain.tapering import ReliableChange
from openiop.patients.models import Enrollment, Patient
from openiop.portal.checkins.services import local_day
from openiop.portal.models import DailyCheckIn, PortalAccount

RECENT_DAYS = 14


def open_enrollments(patient: Patient) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(patient=patient, status__in=OPEN_ENROLLMENT)
        .select_related("track")
        .order_by("starts_on", "id")
    )


def due_for(patient: Patient, *, today: date) -> list[DueRow]:
    """The repeated measures due today (or overdue) for the patient, one row per instrument
    (the earliest due date when two tracks ask for the same one). Three queries."""
    seen: dict[str, DueRow] = {}
    # The needs screen is given by staff, not at home: its safety-at-home questions may be
    # read by the person they are about, on a shared phone.
    for row in measures.due_rows(open_enrollments(patient), today=today, needs_screen=False):
        seen.setdefault(row.due.instrument, row)
    return list(seen.values())


def today_status(account: PortalAccount, now: datetime) -> tuple[bool, list[DueRow]]:
    """For the home page: whether the patient checked in today (local day) and the
    questionnaires due. Four queries."""
    patient = account.patient
    today = local_day(patient, now)
    done = DailyCheckIn.objects.filter(patient=patient, day=today).exists()
    return done, due_for(patient, today=today)


def recent_checkins(
    patient: Patient, *, today: date, days: int = RECENT_DAYS
) -> list[DailyCheckIn]:
    """The patient's check-ins of the last `days` local days, newest first (one query)."""
    return list(
        DailyCheckIn.objects.filter(
            patient=patient, day__gt=today - timedelta(days=days), day__lte=today
        ).order_by("-day")
    )


# --------------------------------------------------------------------------- progress

_CHANGE_WORDS = {
    ReliableChange.IMPROVED: "a reliable improvement",
    ReliableChange.NO_CHANGE: "no reliable change yet",
    ReliableChange.DETERIORATED: "a reliable worsening: talk about it with your counselor",
}


@dataclass(frozen=True)
class MeasureLine:
    name: str
    latest_on: date
    latest: int | None
    band: str
    summary: str  # "PHQ-9 went from 14 to 8: a reliable improvement."
    history: list[tuple[date, int | None]]


@dataclass(frozen=True)
class AttendanceWeek:
    label: str  # "This week" / "Last week"
    week_start: date
    attended_hours: float
    required_hours: float


@dataclass(frozen=True)
class GoalLine:
    goal: str
    area: str
    objectives: list[tuple[str, str]]  # (objective, its status in words)


@dataclass
class Progress:
    measures: list[MeasureLine] = field(default_factory=list)
    attendance: list[AttendanceWeek] = field(default_factory=list)
    requirement: str = ""
    goals: list[GoalLine] = field(default_factory=list)
    checkins: list[DailyCheckIn] = field(default_factory=list)


def _fmt(value: float) -> str:
    return f"{value:g}"


def measure_lines(patient: Patient) -> list[MeasureLine]:
    """Each instrument's scores in plain words, with the reliable change from the first to the
    latest total where the program has reliability values (Jacobson & Truax 1991). Two
    queries."""
    by_instrument = measures.scores(patient.pk)
    reliability = measures.reliability_for(patient.organization_id)
    trends, _ = measures.trends(by_instrument, reliability)
    by_id = {t.instrument: t for t in trends}
    out = []
    for instrument, rows in sorted(by_instrument.items()):
        name = measures.instrument_name(instrument)
        last = rows[-1]
        band = measures.band_label(instrument, last.band) if last.band else ""
        trend = by_id.get(instrument)
        totals = [r.total for r in rows if r.total is not None]
        if trend is not None:
            summary = (
                f"{name} went from {_fmt(trend.baseline)} to {_fmt(trend.latest)}: "
                f"{_CHANGE_WORDS[trend.change]}."
            )
        elif len(totals) >= 2:
            summary = f"{name} went from {totals[0]} to {totals[-1]}."
        elif totals:
            summary = f"{name}: {totals[-1]}, your first score. The next one will show the change."
        else:
            summary = f"{name}: answered {len(rows)} time{'s' if len(rows) != 1 else ''}."
        out.append(
            MeasureLine(name, last.on, last.total, band, summary, [(r.on, r.total) for r in rows])
        )
    return out


def attendance_weeks(patient: Patient, *, today: date) -> tuple[list[AttendanceWeek], str]:
    """Hours attended this week and last week against the weekly requirement (the current
    requirement across the patient's tracks). Four queries."""
    from openiop.delivery.hours import attended_sessions
    from openiop.scheduling.selectors import patient_sessions

    week = patient_sessions(patient, weeks=1, today=today)[0]
    monday = today - timedelta(days=today.weekday())
    last_monday = monday - timedelta(days=7)
    minutes = {monday: 0, last_monday: 0}
    for s in attended_sessions(patient, last_monday, today):
        start = s.day - timedelta(days=s.day.weekday())
        if start in minutes:
            minutes[start] += s.minutes
    return [
        AttendanceWeek("This week", monday, round(minutes[monday] / 60, 1), week.required),
        AttendanceWeek(
            "Last week", last_monday, round(minutes[last_monday] / 60, 1), week.required
        ),
    ], week.requirement


def signed_goals(patient: Patient) -> list[GoalLine]:
    """Goals and objectives of the patient's signed plans of open enrolments (a draft is not
    shown to the patient). Three queries."""
    plans = (
        TreatmentPlan.objects.filter(
            patient=patient, status=PlanStatus.SIGNED, enrollment__status__in=OPEN_ENROLLMENT
        )
        .order_by("enrollment_id", "-version")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("id")),
            Prefetch("goals__objectives", queryset=Objective.objects.order_by("target_on", "id")),
        )
    )
    out: list[GoalLine] = []
    seen: set[int] = set()
    for plan in plans:
        if plan.enrollment_id in seen:
            continue  # the latest signed version of each enrolment only
        seen.add(plan.enrollment_id)
        for goal in plan.goals.all():
            out.append(
                GoalLine(
                    goal.description,
                    goal.get_skill_domain_display(),
                    [(o.description, o.get_status_display()) for o in goal.objectives.all()],
                )
            )
    return out


def progress(account: PortalAccount, *, now: datetime | None = None) -> Progress:
    """Everything the patient's progress page shows, of this account's patient only."""
    patient = account.patient
    today = local_day(patient, now or timezone.now())
    weeks, requirement = attendance_weeks(patient, today=today)
    return Progress(
        measures=measure_lines(patient),
        attendance=weeks,
        requirement=requirement,
        goals=signed_goals(patient),
        checkins=recent_checkins(patient, today=today),
    )
