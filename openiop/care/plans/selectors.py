"""Reads of treatment plans: the plan in effect of each enrolment with its objectives and the
progress documented on them across versions, and the signed notes progress can quote.

Callers have already authorized the patient (``care.access``). Fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from openiop.care.models import Goal, Objective, ObjectiveProgressNote, PlanStatus, TreatmentPlan
from openiop.patients.models import Patient


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
    def goals_with_needs(self) -> list[Any]:
        """The plan's goals that address a social need (their need is loaded with them)."""
        return [g for g in self.plan.goals.all() if g.need_id is not None]

    @property
    def counts(self) -> dict[str, int]:
        out = {"met": 0, "on_track": 0, "behind": 0}
        for views in self.objectives_by_goal.values():
            for v in views:
                out[v.objective.status] += 1
        return out


def plans_with_objectives(enrollment_ids: list[int]) -> dict[int, PlanView]:
    """The plan in effect of each enrolment (signed, else draft) with its objectives and the
    progress documented on them across versions (one query each for plans, objectives,
    progress)."""
    plans = list(
        TreatmentPlan.objects.filter(enrollment_id__in=enrollment_ids)
        .exclude(status=PlanStatus.SUPERSEDED)
        .select_related("signature_attested_by")
        .prefetch_related(
            "problems",
            Prefetch("goals", queryset=Goal.objects.select_related("need")),
            "interventions",
        )
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


def signed_notes_about(patient: Patient) -> QuerySet[Any] | None:
    """Signed clinical notes about this patient (delivery), newest first; None without delivery."""
    try:
        from openiop.delivery.models import Note

        return (
            Note.objects.filter(Q(patient=patient) | Q(sections__patient=patient))
            .exclude(signed_at=None)
            .distinct()
            .order_by("-service_date", "-id")
        )
    except ImportError:
        return None
