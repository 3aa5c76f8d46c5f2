"""Write path of treatment plans: a draft collects problems (ICD-10-CM), goals, measurable
objectives and interventions; the patient's signature locks the version; a revision copies it
into a new draft; objective status and linked progress are recorded on the version in effect.

Each public function is one ``@service`` transaction that checks who may act, validates
everything before writing anything (a ``ValidationError`` keyed by field, so nothing partial
is saved), writes, and records its audit event in the same transaction.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.access import require_clinician_for
from openiop.care.common import OPEN_ENROLLMENT, TEXT_MAX, checked_choice, checked_text, record
from openiop.care.models import (
    Goal,
    Intervention,
    InterventionKind,
    Objective,
    ObjectiveProgressNote,
    ObjectiveStatus,
    PlanStatus,
    Problem,
    SkillDomain,
    TreatmentPlan,
)
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.delivery.models import Note
from openiop.domain.diagnosis import icd10
from openiop.patients.models import Enrollment
from openiop.support.models import Need, NeedStatus


def _require_draft(plan: TreatmentPlan) -> None:
    if plan.locked:
        raise ValidationError(
            {"__all__": "This plan version is signed and locked: revise it to make changes."}
        )


@service
def plan_create(
    *, actor: User, enrollment: Enrollment, review_on: date, request: HttpRequest | None = None
) -> TreatmentPlan:
    """Start the first plan of an enrolment, as a draft."""
    patient = enrollment.patient
    require_clinician_for(actor, patient)
    if enrollment.status not in OPEN_ENROLLMENT:
        raise ValidationError({"enrollment": "This enrolment is discharged."})
    if TreatmentPlan.objects.filter(enrollment=enrollment).exists():
        raise ValidationError({"enrollment": "This enrolment already has a plan: revise it."})
    if review_on < timezone.localdate():
        raise ValidationError({"review_on": "The review date is in the past."})
    plan = TreatmentPlan.objects.create(
        enrollment=enrollment,
        patient=patient,
        version=1,
        review_on=review_on,
        created_by=actor,
        created_at=timezone.now(),
    )
    record(actor, AuditAction.ADD, patient, plan, ["version", "review_on"], request)
    return plan


@service
def problem_add(
    *,
    actor: User,
    plan: TreatmentPlan,
    description: str,
    icd10_code: str,
    request: HttpRequest | None = None,
) -> Problem:
    """Add a problem linked to a diagnosis: a billable code of the full ICD-10-CM code set
    (``domain.diagnosis.icd10``); a code that does not exist or a category heading is refused
    on the field, naming the billable codes to choose. The problem keeps the code's description
    and the code set's version."""
    require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    errors: dict[str, str] = {}
    try:
        description = checked_text(description, "description", minimum=3)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    checked = icd10.check(icd10_code)
    if not checked.ok:
        errors["icd10_code"] = checked.error
    if errors:
        raise ValidationError(errors)
    problem = Problem.objects.create(
        plan=plan,
        description=description,
        icd10_code=checked.code,
        icd10_label=checked.description,
        code_set_version=checked.version,
        code_in_table=True,
    )
    fields = ["description", "icd10_code", "code_set_version"]
    record(actor, AuditAction.ADD, plan.patient, problem, fields, request)
    return problem


def linkable_needs(plan: TreatmentPlan) -> QuerySet[Need]:
    """The needs a goal of ``plan`` may address: the patient's open needs, and closed ones a
    goal of this enrolment's plans already addresses (a revision keeps its links)."""
    return (
        Need.objects.filter(patient_id=plan.patient_id)
        .filter(Q(status=NeedStatus.OPEN) | Q(goals__plan__enrollment_id=plan.enrollment_id))
        .distinct()
        .order_by("status", "-identified_on", "id")
    )


def _check_need(plan: TreatmentPlan, need: Need | None) -> None:
    """A goal addresses a need of the plan's own patient, open or already linked."""
    if need is None:
        return
    if need.patient_id != plan.patient_id:
        raise ValidationError({"need": "That need is another patient's: choose one of theirs."})
    if not linkable_needs(plan).filter(pk=need.pk).exists():
        raise ValidationError({"need": "That need is closed: choose an open need."})


@service
def goal_add(
    *,
    actor: User,
    plan: TreatmentPlan,
    description: str,
    skill_domain: str,
    problem: Problem | None = None,
    need: Need | None = None,
    request: HttpRequest | None = None,
) -> Goal:
    """A goal in a skill domain, for a problem of the plan and, when it addresses one, a social
    need of the patient (SAMHSA TIP 47: the plan covers the enhanced services a patient needs,
    such as housing or work, so the plan and the referral work are one picture)."""
    require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    errors: dict[str, str] = {}
    try:
        description = checked_text(description, "description", minimum=3)
    except ValidationError as exc:
        errors["description"] = exc.message_dict["description"][0]
    for field, check in (
        ("skill_domain", lambda: checked_choice(skill_domain, SkillDomain, "skill_domain")),
        ("need", lambda: _check_need(plan, need)),
    ):
        try:
            check()
        except ValidationError as exc:
            errors[field] = exc.message_dict[field][0]
    if problem is not None and problem.plan_id != plan.pk:
        errors["problem"] = "That problem belongs to another plan."
    if errors:
        raise ValidationError(errors)
    goal = Goal.objects.create(
        plan=plan, problem=problem, description=description, skill_domain=skill_domain, need=need
    )
    fields = ["description", "skill_domain"] + (["need"] if need is not None else [])
    record(actor, AuditAction.ADD, plan.patient, goal, fields, request)
    return goal


@service
def goal_set_need(
    *,
    actor: User,
    goal: Goal,
    need: Need | None,
    request: HttpRequest | None = None,
) -> Goal:
    """Link a goal of a draft to a need of the patient it addresses (``None`` unlinks)."""
    plan = goal.plan
    require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    _check_need(plan, need)
    if goal.need_id == (need.pk if need else None):
        return goal
    goal.need = need
    goal.save(update_fields=["need"])
    record(actor, AuditAction.CHANGE, plan.patient, goal, ["need"], request)
    return goal


@service
def objective_add(
    *,
    actor: User,
    goal: Goal,
    description: str,
    measure: str,
    target_on: date,
    request: HttpRequest | None = None,
) -> Objective:
    """A measurable objective: what, how it is measured, by when."""
    plan = goal.plan
    require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    errors: dict[str, str] = {}
    for field, value in (("description", description), ("measure", measure)):
        try:
            checked_text(value, field, minimum=3, maximum=300 if field == "measure" else TEXT_MAX)
        except ValidationError as exc:
            errors[field] = exc.message_dict[field][0]
    if target_on < plan.enrollment.starts_on:
        errors["target_on"] = "The target date is before the enrolment began."
    if errors:
        raise ValidationError(errors)
    objective = Objective.objects.create(
        goal=goal,
        plan=plan,
        description=description.strip(),
        measure=measure.strip(),
        target_on=target_on,
    )
    record(
        actor,
        AuditAction.ADD,
        plan.patient,
        objective,
        ["description", "measure", "target_on"],
        request,
    )
    return objective


@service
def intervention_add(
    *,
    actor: User,
    plan: TreatmentPlan,
    kind: str,
    frequency: str,
    responsible: str = "",
    goal: Goal | None = None,
    request: HttpRequest | None = None,
) -> Intervention:
    require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    checked_choice(kind, InterventionKind, "kind")
    frequency = checked_text(frequency, "frequency", maximum=100)
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": "That goal belongs to another plan."})
    intervention = Intervention.objects.create(
        plan=plan,
        goal=goal,
        kind=kind,
        frequency=frequency,
        responsible=(responsible or "").strip()[:100],
    )
    record(actor, AuditAction.ADD, plan.patient, intervention, ["kind", "frequency"], request)
    return intervention


@service
def plan_sign(
    *,
    actor: User,
    plan: TreatmentPlan,
    patient_name: str,
    signed_on: date,
    request: HttpRequest | None = None,
) -> TreatmentPlan:
    """The patient signs (typed name and date), attested by the actor; the plan locks and the
    version it revises becomes superseded."""
    require_clinician_for(actor, plan.patient)
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    _require_draft(plan)
    errors: dict[str, str] = {}
    name = (patient_name or "").strip()
    if len(name) < 2:
        errors["patient_name"] = "Type the patient's name as they sign."
    elif len(name) > 200:
        errors["patient_name"] = "Keep the name under 200 characters."
    today = timezone.localdate()
    if signed_on > today:
        errors["signed_on"] = "The signature date is in the future."
    elif signed_on < plan.created_at.date() - timedelta(days=1):
        errors["signed_on"] = "The signature date is before this version was written."
    missing = [
        label
        for label, present in (
            ("a problem", plan.problems.exists()),
            ("a goal", plan.goals.exists()),
            ("a measurable objective", plan.objectives.exists()),
            ("an intervention", plan.interventions.exists()),
        )
        if not present
    ]
    if missing:
        errors["__all__"] = "Before signing, the plan needs " + ", ".join(missing) + "."
    if errors:
        raise ValidationError(errors)
    plan.status = PlanStatus.SIGNED
    plan.patient_signature_name = name
    plan.patient_signed_on = signed_on
    plan.signature_attested_by = actor
    plan.signed_at = timezone.now()
    plan.save()
    superseded = TreatmentPlan.objects.filter(
        enrollment_id=plan.enrollment_id, status=PlanStatus.SIGNED, version__lt=plan.version
    ).update(status=PlanStatus.SUPERSEDED)
    record(
        actor,
        AuditAction.CHANGE,
        plan.patient,
        plan,
        ["status", "patient_signature"],
        request,
        detail=f"plan v{plan.version} signed by the patient, attested"
        + (f"; {superseded} earlier version superseded" if superseded else ""),
    )
    return plan


def _copy_content(plan: TreatmentPlan, draft: TreatmentPlan) -> None:
    """Copy a version's problems, goals, objectives (same lineage and status, so documented
    progress follows them) and interventions into ``draft``, keeping their links."""
    problems = {p.pk: p for p in plan.problems.all()}
    new_problems = {
        pk: Problem.objects.create(
            plan=draft,
            description=p.description,
            icd10_code=p.icd10_code,
            icd10_label=p.icd10_label,
            code_set_version=p.code_set_version,
            code_in_table=p.code_in_table,
        )
        for pk, p in problems.items()
    }
    new_goals: dict[int, Goal] = {}
    for g in plan.goals.all():
        new_goals[g.pk] = Goal.objects.create(
            plan=draft,
            problem=new_problems.get(g.problem_id) if g.problem_id else None,
            description=g.description,
            skill_domain=g.skill_domain,
            need_id=g.need_id,
        )
    for o in plan.objectives.all():
        Objective.objects.create(
            goal=new_goals[o.goal_id],
            plan=draft,
            lineage=o.lineage,
            description=o.description,
            measure=o.measure,
            target_on=o.target_on,
            status=o.status,
            status_changed_at=o.status_changed_at,
        )
    for i in plan.interventions.all():
        Intervention.objects.create(
            plan=draft,
            goal=new_goals.get(i.goal_id) if i.goal_id else None,
            kind=i.kind,
            frequency=i.frequency,
            responsible=i.responsible,
        )


@service
def plan_revise(
    *, actor: User, plan: TreatmentPlan, reason: str, request: HttpRequest | None = None
) -> TreatmentPlan:
    """Copy a signed plan into a new draft version (objectives keep their lineage and status)."""
    require_clinician_for(actor, plan.patient)
    reason = checked_text(reason, "reason", minimum=5, maximum=300)
    plan = (
        TreatmentPlan.objects.select_for_update()
        .select_related("patient", "enrollment")
        .get(pk=plan.pk)
    )
    if plan.status != PlanStatus.SIGNED:
        raise ValidationError({"__all__": "Only the signed version in effect can be revised."})
    if TreatmentPlan.objects.filter(
        enrollment_id=plan.enrollment_id, status=PlanStatus.DRAFT
    ).exists():
        raise ValidationError({"__all__": "A revision of this plan is already in progress."})
    if plan.enrollment.status not in OPEN_ENROLLMENT:
        raise ValidationError({"__all__": "This enrolment is discharged."})
    draft = TreatmentPlan.objects.create(
        enrollment_id=plan.enrollment_id,
        patient=plan.patient,
        version=plan.version + 1,
        previous=plan,
        revision_reason=reason,
        review_on=max(plan.review_on, timezone.localdate()),
        created_by=actor,
        created_at=timezone.now(),
    )
    _copy_content(plan, draft)
    record(
        actor,
        AuditAction.ADD,
        plan.patient,
        draft,
        ["version", "revision_reason"],
        request,
        detail=f"revision v{draft.version} of plan v{plan.version}",
    )
    return draft


@service
def objective_set_status(
    *, actor: User, objective: Objective, status: str, request: HttpRequest | None = None
) -> Objective:
    """Record progress (met / on track / behind). Progress is not plan content, so it is
    recorded on the version in effect even when it is signed; not on superseded versions."""
    plan = objective.plan
    require_clinician_for(actor, plan.patient)
    checked_choice(status, ObjectiveStatus, "status")
    if plan.status == PlanStatus.SUPERSEDED:
        raise ValidationError({"status": "This objective belongs to a superseded plan version."})
    if objective.status == status:
        return objective
    objective.status = status
    objective.status_changed_at = timezone.now()
    objective.save(update_fields=["status", "status_changed_at"])
    record(actor, AuditAction.CHANGE, plan.patient, objective, ["status"], request)
    return objective


@service
def objective_progress_add(
    *,
    actor: User,
    objective: Objective,
    excerpt: str,
    note: Note | None = None,
    request: HttpRequest | None = None,
) -> ObjectiveProgressNote:
    """Link documented progress to an objective: an excerpt of a clinical note (``note``,
    delivery's Note about this patient) or an entry written here."""
    patient = objective.plan.patient
    require_clinician_for(actor, patient)
    excerpt = checked_text(excerpt, "excerpt", minimum=3, maximum=2000)
    if note is not None:
        concerns = note.patient_id == patient.pk or note.sections.filter(patient=patient).exists()
        if not concerns:
            raise ValidationError({"note": "That note does not concern this patient."})
        if note.signed_at is None:
            raise ValidationError({"note": "Link progress from a signed note."})
    entry = ObjectiveProgressNote.objects.create(
        objective=objective,
        patient=patient,
        lineage=objective.lineage,
        note=note,
        excerpt=excerpt,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    record(actor, AuditAction.ADD, patient, entry, ["excerpt"], request)
    return entry
