"""Reads of the care app for pages and the API: the progress view's evidence, the care
dashboard (due measures, open relapse responses, pending recommendations).

Callers have already authorized the patient (``core.access.patient_for``) or pass the user,
whose visible patients bound every list. Each function runs a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet

from openiop.accounts.models import User
from openiop.care import measures
from openiop.care.models import (
    DrugScreen,
    EnrollmentPhase,
    Objective,
    ObjectiveProgressNote,
    PeerMeetingWeek,
    PlanStatus,
    Prescription,
    RecommendationStatus,
    RelapseEvent,
    RelapseStatus,
    SupportProfile,
    TaperRecommendation,
    TreatmentPlan,
)
from openiop.care.rules.trajectory import Chart
from openiop.care.taper import monday
from openiop.core import access
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient

OPEN = (EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE)


@dataclass
class ObjectiveView:
    objective: Objective
    progress: list[ObjectiveProgressNote]


@dataclass
class PlanView:
    plan: TreatmentPlan
    objectives_by_goal: dict[int, list[ObjectiveView]]
    draft: TreatmentPlan | None = None

    @property
    def goals(self) -> list[tuple[Any, list[ObjectiveView]]]:
        """(goal, its objectives) in plan order; the plan's goals are prefetched."""
        return [(g, self.objectives_by_goal.get(g.pk, [])) for g in self.plan.goals.all()]

    @property
    def counts(self) -> dict[str, int]:
        out = {"met": 0, "on_track": 0, "behind": 0}
        for views in self.objectives_by_goal.values():
            for v in views:
                out[v.objective.status] += 1
        return out


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


@dataclass(frozen=True)
class WeekRow:
    week_start: date
    counts: list[int | None]
    total: int
    summary: str


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


def plans_with_objectives(enrollment_ids: list[int]) -> dict[int, PlanView]:
    """The plan in effect of each enrolment (signed, else draft) with its objectives and the
    progress documented on them across versions (one query each for plans, objectives,
    progress)."""
    plans = list(
        TreatmentPlan.objects.filter(enrollment_id__in=enrollment_ids)
        .exclude(status=PlanStatus.SUPERSEDED)
        .select_related("signature_attested_by")
        .prefetch_related("problems", "goals", "interventions")
        .order_by("enrollment_id", "-version")
    )
    chosen: dict[int, TreatmentPlan] = {}
    drafts: dict[int, TreatmentPlan] = {}
    for plan in plans:
        if plan.status == PlanStatus.DRAFT:
            drafts[plan.enrollment_id] = plan
        if plan.enrollment_id not in chosen or (
            plan.status == PlanStatus.SIGNED and chosen[plan.enrollment_id].status != "signed"
        ):
            chosen[plan.enrollment_id] = plan
    objectives = list(
        Objective.objects.filter(plan__in=[p.pk for p in chosen.values()]).order_by(
            "target_on", "id"
        )
    )
    progress: dict[Any, list[ObjectiveProgressNote]] = defaultdict(list)
    for note in ObjectiveProgressNote.objects.filter(
        lineage__in=[o.lineage for o in objectives]
    ).select_related("recorded_by"):
        progress[note.lineage].append(note)
    out: dict[int, PlanView] = {}
    for enrollment_id, plan in chosen.items():
        by_goal: dict[int, list[ObjectiveView]] = defaultdict(list)
        for o in objectives:
            if o.plan_id == plan.pk:
                by_goal[o.goal_id].append(ObjectiveView(o, progress.get(o.lineage, [])))
        draft = drafts.get(enrollment_id)
        out[enrollment_id] = PlanView(plan, dict(by_goal), draft if draft is not plan else None)
    return out


def progress(patient: Patient, *, today: date) -> Progress:
    """Everything the progress view shows for one patient."""
    enrollments = list(
        Enrollment.objects.filter(patient=patient)
        .select_related("track", "track__program")
        .order_by("-status", "starts_on")
    )
    open_ones = [e for e in enrollments if e.status in OPEN]
    ids = [e.pk for e in open_ones]
    plans = plans_with_objectives(ids)
    phases = {p.enrollment_id: p for p in EnrollmentPhase.objects.filter(enrollment_id__in=ids)}
    recs: dict[int, list[TaperRecommendation]] = defaultdict(list)
    for rec in TaperRecommendation.objects.filter(enrollment_id__in=ids).select_related(
        "decided_by"
    )[:50]:
        recs[rec.enrollment_id].append(rec)
    reliability = measures.reliability_for(patient.organization_id)
    first_start = min((e.starts_on for e in open_ones), default=today)
    all_scores = measures.scores(patient.pk, since=first_start - measures.BASELINE_LOOKBACK)
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
    screens = list(
        DrugScreen.objects.filter(patient=patient)
        .select_related("ordered_by", "resulted_by")
        .prefetch_related("results")[:12]
    )
    prescriptions = list(Prescription.objects.filter(patient=patient)[:20])
    this_monday = monday(today)
    first_week = this_monday - timedelta(weeks=7)
    week_rows: dict[date, dict[str, int]] = defaultdict(dict)
    for w, kind, count in PeerMeetingWeek.objects.filter(
        patient=patient, week_start__gte=first_week
    ).values_list("week_start", "kind", "count"):
        week_rows[w][kind] = count
    from openiop.care.models import MeetingKind

    kinds = list(MeetingKind.choices)
    weeks = [
        WeekRow(
            w,
            [week_rows[w].get(k) for k, _ in kinds],
            sum(week_rows[w].values()),
            ", ".join(f"{label} {n}" for k, label in kinds if (n := week_rows[w].get(k))),
        )
        for w in (first_week + timedelta(weeks=i) for i in range(8))
        if w in week_rows
    ]
    relapses = list(
        RelapseEvent.objects.filter(patient=patient)
        .select_related("drug_screen", "recommendation")
        .order_by("status", "-occurred_on")[:10]
    )
    return Progress(
        patient=patient,
        enrollments=views,
        screens=screens,
        prescriptions=prescriptions,
        weeks=list(reversed(weeks)),
        meeting_kinds=kinds,
        support=SupportProfile.objects.filter(patient=patient).first(),
        relapses=relapses,
        reliability_sources={k: v.source for k, v in reliability.items()},
    )


def visible_open_enrollments(user: User) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(
            patient__in=access.patients_visible_to(user).values("pk"), status__in=OPEN
        )
        .select_related("track", "patient")
        .order_by("patient__last_name", "patient__first_name", "id")
    )


def due_list(user: User, *, today: date, horizon_days: int = 6) -> list[measures.DueRow]:
    """Measures due for the user's visible open enrolments: three queries at any size."""
    return measures.due_rows(
        list(visible_open_enrollments(user)), today=today, horizon_days=horizon_days
    )


@dataclass
class Dashboard:
    due: list[measures.DueRow]
    patients: dict[int, Patient]
    relapses: list[RelapseEvent]
    pending: list[TaperRecommendation]


def dashboard(user: User, *, today: date, limit: int = 100) -> Dashboard:
    """The care page: measures due this week, open relapse responses (notices to this user
    first), recommendations awaiting a clinician. Five queries whatever the data size."""
    enrollments = list(visible_open_enrollments(user))
    patients = {e.patient_id: e.patient for e in enrollments}
    names = {pid: f"{p.last_name}, {p.first_name}" for pid, p in patients.items()}
    due = measures.due_rows(enrollments, today=today, horizon_days=6, names=names)[:limit]
    visible = access.patients_visible_to(user).values("pk")
    relapses = list(
        RelapseEvent.objects.filter(patient__in=visible, status=RelapseStatus.OPEN)
        .select_related("patient")
        .prefetch_related(Prefetch("notified", queryset=User.objects.only("pk")))
        .order_by("-occurred_on")[:limit]
    )
    pending = list(
        TaperRecommendation.objects.filter(patient__in=visible, status=RecommendationStatus.PENDING)
        .select_related("patient", "enrollment__track")
        .order_by("-created_at")[:limit]
    )
    return Dashboard(due, patients, relapses, pending)
