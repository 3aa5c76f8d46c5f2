"""Reads across the care sub-areas: the progress view's evidence for one patient and the care
dashboard (due measures, open relapse responses, pending recommendations).

Callers have already authorized the patient (``care.access``) or pass the user, whose visible
patients bound every list. Each function runs a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet

from openiop.accounts.models import User
from openiop.care.common import OPEN_ENROLLMENT
from openiop.care.community.selectors import WeekRow, meeting_weeks
from openiop.care.measures import selectors as measures
from openiop.care.models import (
    DrugScreen,
    EnrollmentPhase,
    Prescription,
    RecommendationStatus,
    RelapseEvent,
    RelapseStatus,
    SupportProfile,
    TaperRecommendation,
)
from openiop.care.plans.selectors import PlanView, plans_with_objectives
from openiop.core import access
from openiop.domain.measures.reliable_change import ReliabilityValues
from openiop.domain.measures.trajectory import Chart
from openiop.patients.models import Enrollment, Patient
from openiop.patients.selectors import AgeOutFlag, age_out_flags
from openiop.portal.models import DailyCheckIn

CHECKIN_DAYS = 14


@dataclass
class EnrollmentView:
    enrollment: Enrollment
    phase: EnrollmentPhase | None
    plan: PlanView | None
    charts: list[Chart]
    tables: list[tuple[str, list[measures.Score]]]
    due: list[measures.DueRow]
    pending: TaperRecommendation | None
    decided: list[TaperRecommendation]


@dataclass
class Progress:
    patient: Patient
    enrollments: list[EnrollmentView]
    screens: list[DrugScreen]
    prescriptions: list[Prescription]
    weeks: list[WeekRow]
    meeting_kinds: list[tuple[str, str]]
    support: SupportProfile | None
    relapses: list[RelapseEvent]
    reliability_sources: dict[str, str] = field(default_factory=dict)
    checkins: list[DailyCheckIn] = field(default_factory=list)
    craving_points: str = ""  # SVG polyline points of the craving trend (0-10 a day)


def _enrollment_views(
    open_ones: list[Enrollment],
    reliability: dict[str, ReliabilityValues],
    *,
    patient_id: int,
    today: date,
) -> list[EnrollmentView]:
    """Each open enrolment's phase, plan in effect, charts and score tables, measures due and
    recommendations (a fixed number of queries for all of them)."""
    ids = [e.pk for e in open_ones]
    plans = plans_with_objectives(ids)
    phases = {p.enrollment_id: p for p in EnrollmentPhase.objects.filter(enrollment_id__in=ids)}
    recs: dict[int, list[TaperRecommendation]] = defaultdict(list)
    for rec in TaperRecommendation.objects.filter(enrollment_id__in=ids).select_related(
        "decided_by"
    )[:50]:
        recs[rec.enrollment_id].append(rec)
    first_start = min((e.starts_on for e in open_ones), default=today)
    all_scores = measures.scores(patient_id, since=first_start - measures.BASELINE_LOOKBACK)
    due = measures.due_rows(open_ones, today=today, horizon_days=6)
    views = []
    for e in open_ones:
        since = e.starts_on - measures.BASELINE_LOOKBACK
        mine = {k: [s for s in v if s.on >= since] for k, v in all_scores.items()}
        mine = {k: v for k, v in mine.items() if v}
        charts = measures.charts(mine, reliability)
        charted = {c.instrument for c in charts}
        tables = [
            (measures.instrument_name(k), v) for k, v in sorted(mine.items()) if k not in charted
        ]
        pending = next((r for r in recs[e.pk] if r.status == RecommendationStatus.PENDING), None)
        decided = [r for r in recs[e.pk] if r.status != RecommendationStatus.PENDING][:5]
        views.append(
            EnrollmentView(
                e,
                phases.get(e.pk),
                plans.get(e.pk),
                charts,
                tables,
                [d for d in due if d.enrollment_id == e.pk],
                pending,
                decided,
            )
        )
    return views


def progress(patient: Patient, *, today: date) -> Progress:
    """Everything the progress view shows for one patient."""
    enrollments = list(
        Enrollment.objects.filter(patient=patient)
        .select_related("track", "track__program")
        .order_by("-status", "starts_on")
    )
    open_ones = [e for e in enrollments if e.status in OPEN_ENROLLMENT]
    reliability = measures.reliability_for(patient.organization_id)
    views = _enrollment_views(open_ones, reliability, patient_id=patient.pk, today=today)
    screens = list(
        DrugScreen.objects.filter(patient=patient)
        .select_related("ordered_by", "resulted_by")
        .prefetch_related("results")[:12]
    )
    prescriptions = list(Prescription.objects.filter(patient=patient)[:20])
    meetings = meeting_weeks(patient, today=today)
    relapses = list(
        RelapseEvent.objects.filter(patient=patient)
        .select_related("drug_screen", "recommendation")
        .order_by("status", "-occurred_on")[:10]
    )
    checkins = recent_checkins(patient, today=today)
    return Progress(
        patient=patient,
        enrollments=views,
        screens=screens,
        prescriptions=prescriptions,
        weeks=meetings.weeks,
        meeting_kinds=meetings.meeting_kinds,
        support=SupportProfile.objects.filter(patient=patient).first(),
        relapses=relapses,
        reliability_sources={k: v.source for k, v in reliability.items()},
        checkins=checkins,
        craving_points=craving_points(checkins, today=today),
    )


def recent_checkins(patient: Patient, *, today: date) -> list[DailyCheckIn]:
    """The patient's daily check-ins from the portal of the last 14 days, newest first (one
    query)."""
    first = today - timedelta(days=CHECKIN_DAYS - 1)
    return list(
        DailyCheckIn.objects.filter(patient=patient, day__gte=first, day__lte=today).order_by(
            "-day"
        )
    )


def craving_points(checkins: list[DailyCheckIn], *, today: date) -> str:
    """The craving (0-10) of each day as points of a 280 x 100 SVG polyline, oldest at the
    left; days without a check-in are left out (never drawn as zero)."""
    first = today - timedelta(days=CHECKIN_DAYS - 1)
    return " ".join(
        f"{(c.day - first).days * 20 + 10},{100 - c.craving * 9 - 5}"
        for c in sorted(checkins, key=lambda c: c.day)
    )


@dataclass
class Dashboard:
    """The care page's lists: each a full list or a query, paged by the view (the page shows
    one page of each, so it stays the same size however many patients there are)."""

    due: list[measures.DueRow]
    patients: dict[int, Patient]
    relapses: QuerySet[RelapseEvent]
    pending: QuerySet[TaperRecommendation]
    age_outs: list[AgeOutFlag] = field(default_factory=list)


def dashboard(user: User, *, today: date) -> Dashboard:
    """The care page: measures due this week, open relapse responses (newest first),
    recommendations awaiting a clinician, patients who turned 18 in an adolescent track
    awaiting a review. Four queries here, plus a count and a page for each of the two
    queries the view pages, whatever the data size."""
    enrollments = list(measures.visible_open_enrollments(user))
    patients = {e.patient_id: e.patient for e in enrollments}
    names = {pid: f"{p.last_name}, {p.first_name}" for pid, p in patients.items()}
    due = measures.due_rows(enrollments, today=today, horizon_days=6, names=names)
    visible = access.patients_visible_to(user).values("pk")
    relapses = (
        RelapseEvent.objects.filter(patient__in=visible, status=RelapseStatus.OPEN)
        .select_related("patient")
        .prefetch_related(Prefetch("notified", queryset=User.objects.only("pk")))
        .order_by("-occurred_on", "-pk")
    )
    pending = (
        TaperRecommendation.objects.filter(patient__in=visible, status=RecommendationStatus.PENDING)
        .select_related("patient", "enrollment__track")
        .order_by("-created_at", "-pk")
    )
    age_outs = age_out_flags(access.patients_visible_to(user), today=today)
    return Dashboard(due, patients, relapses, pending, age_outs)
