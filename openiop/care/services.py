"""Write path of the care app (issue 6): treatment plans, drug screens, relapse response,
community support, tapering decisions and discharge.

Each public function is one transaction that checks who may act, validates everything before
writing anything (a ``ValidationError`` keyed by field, so nothing partial is saved), writes,
and records its audit event in the same transaction. Views and the API call only these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care import taper as taper_inputs
from openiop.care.models import (
    AlumniFollowUp,
    Discharge,
    DischargeType,
    DrugScreen,
    DrugScreenResult,
    EnrollmentPhase,
    FamilyInvolvement,
    Goal,
    Intervention,
    InterventionKind,
    MeasureSchedule,
    MeetingKind,
    Objective,
    ObjectiveProgressNote,
    ObjectiveStatus,
    PeerMeetingWeek,
    PlanStatus,
    Prescription,
    Problem,
    RecommendationStatus,
    RelapseEvent,
    RelapseSource,
    RelapseStatus,
    ReliabilitySetting,
    ResultValue,
    SafetyFinding,
    ScreenMethod,
    ScreenStatus,
    SkillDomain,
    Specimen,
    SubstanceClass,
    SupportProfile,
    TaperRecommendation,
    TaperSettings,
    TreatmentPlan,
)
from openiop.care.rules import icd10
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.delivery.models import Note
from openiop.domain.screening import INSTRUMENTS
from openiop.domain.tapering import TaperInputError
from openiop.organization.models import Organization, Program, Track
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient

OPEN_ENROLLMENT = (EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE)
TEXT_MAX = 500


# --- who may act ---------------------------------------------------------------------------


def is_clinician(user: User) -> bool:
    """The policy's `care.write`: counselors and clinical directors past TOTP."""
    return policy.allows(user, Action.CARE_WRITE)


def can_configure(user: User) -> bool:
    return policy.allows(user, Action.CARE_SETTINGS)


def _require_clinician(actor: User) -> None:
    policy.require(actor, Action.CARE_WRITE)


def _require_patient(actor: User, patient: Patient) -> None:
    """The actor sees this patient (membership or an active emergency grant)."""
    access.require_in_scope(actor, patient)


def _require_clinician_for(actor: User, patient: Patient) -> None:
    _require_clinician(actor)
    _require_patient(actor, patient)


def _require_configure(actor: User, organization_id: int) -> None:
    policy.require(actor, Action.CARE_SETTINGS, object_type="care.settings")
    if access.organization_id(actor) != organization_id:
        raise policy.refuse(
            actor, "That belongs to another organization.", object_type="care.settings"
        )


def _text(value: str, field: str, *, minimum: int = 1, maximum: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        if minimum <= 1:
            raise ValidationError({field: "This field is required."})
        raise ValidationError({field: f"Write at least {minimum} characters."})
    if len(text) > maximum:
        raise ValidationError({field: f"Keep this under {maximum} characters."})
    return text


def _not_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "This date is in the future."})


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"Choose one of: {', '.join(choices.values)}."})
    return value


def _record(
    actor: User | None,
    action: str,
    patient: Patient,
    obj: Any,
    fields: Sequence[str],
    request: HttpRequest | None,
    detail: str = "",
) -> None:
    audit.record(
        actor=actor,
        action=action,
        patient=patient,
        obj=obj,
        fields=list(fields),
        request=request,
        detail=detail,
        organization_id=patient.organization_id,
    )


# --- treatment plans -------------------------------------------------------------------------


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
    _require_clinician_for(actor, patient)
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
    _record(actor, AuditAction.ADD, patient, plan, ["version", "review_on"], request)
    return plan


@service
def problem_add(
    *,
    actor: User,
    plan: TreatmentPlan,
    description: str,
    icd10_code: str,
    request: HttpRequest | None = None,
) -> tuple[Problem, str]:
    """Add a problem linked to a diagnosis. Returns it and the code's warning, if any (a
    well-formed code outside the curated table is accepted with a warning)."""
    _require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    errors: dict[str, str] = {}
    try:
        description = _text(description, "description", minimum=3)
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
        icd10_label=checked.label,
        code_in_table=checked.known,
    )
    _record(actor, AuditAction.ADD, plan.patient, problem, ["description", "icd10_code"], request)
    return problem, checked.warning


@service
def goal_add(
    *,
    actor: User,
    plan: TreatmentPlan,
    description: str,
    skill_domain: str,
    problem: Problem | None = None,
    request: HttpRequest | None = None,
) -> Goal:
    _require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    description = _text(description, "description", minimum=3)
    _choice(skill_domain, SkillDomain, "skill_domain")
    if problem is not None and problem.plan_id != plan.pk:
        raise ValidationError({"problem": "That problem belongs to another plan."})
    goal = Goal.objects.create(
        plan=plan, problem=problem, description=description, skill_domain=skill_domain
    )
    _record(actor, AuditAction.ADD, plan.patient, goal, ["description", "skill_domain"], request)
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
    _require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    errors: dict[str, str] = {}
    for field, value in (("description", description), ("measure", measure)):
        try:
            _text(value, field, minimum=3, maximum=300 if field == "measure" else TEXT_MAX)
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
    _record(
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
    _require_clinician_for(actor, plan.patient)
    _require_draft(plan)
    _choice(kind, InterventionKind, "kind")
    frequency = _text(frequency, "frequency", maximum=100)
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": "That goal belongs to another plan."})
    intervention = Intervention.objects.create(
        plan=plan,
        goal=goal,
        kind=kind,
        frequency=frequency,
        responsible=(responsible or "").strip()[:100],
    )
    _record(actor, AuditAction.ADD, plan.patient, intervention, ["kind", "frequency"], request)
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
    _require_clinician_for(actor, plan.patient)
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
    _record(
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


@service
def plan_revise(
    *, actor: User, plan: TreatmentPlan, reason: str, request: HttpRequest | None = None
) -> TreatmentPlan:
    """Copy a signed plan into a new draft version (objectives keep their lineage and status)."""
    _require_clinician_for(actor, plan.patient)
    reason = _text(reason, "reason", minimum=5, maximum=300)
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
    problems = {p.pk: p for p in plan.problems.all()}
    new_problems = {
        pk: Problem.objects.create(
            plan=draft,
            description=p.description,
            icd10_code=p.icd10_code,
            icd10_label=p.icd10_label,
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
    _record(
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
    _require_clinician_for(actor, plan.patient)
    _choice(status, ObjectiveStatus, "status")
    if plan.status == PlanStatus.SUPERSEDED:
        raise ValidationError({"status": "This objective belongs to a superseded plan version."})
    if objective.status == status:
        return objective
    objective.status = status
    objective.status_changed_at = timezone.now()
    objective.save(update_fields=["status", "status_changed_at"])
    _record(actor, AuditAction.CHANGE, plan.patient, objective, ["status"], request)
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
    _require_clinician_for(actor, patient)
    excerpt = _text(excerpt, "excerpt", minimum=3, maximum=2000)
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
    _record(actor, AuditAction.ADD, patient, entry, ["excerpt"], request)
    return entry


# --- drug screens -----------------------------------------------------------------------------


@service
def prescription_add(
    *,
    actor: User,
    patient: Patient,
    medication: str,
    substance_class: str,
    starts_on: date,
    ends_on: date | None = None,
    prescriber: str = "",
    request: HttpRequest | None = None,
) -> Prescription:
    """Record a prescribed medication whose class drug screens detect: expected, not use."""
    _require_clinician_for(actor, patient)
    errors: dict[str, str] = {}
    if len((medication or "").strip()) < 2:
        errors["medication"] = "Name the medication."
    if substance_class not in SubstanceClass.values:
        errors["substance_class"] = "Choose the class a drug screen reports it as."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end is before the start."
    if errors:
        raise ValidationError(errors)
    rx = Prescription.objects.create(
        patient=patient,
        medication=medication.strip()[:100],
        substance_class=substance_class,
        prescriber=(prescriber or "").strip()[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _record(actor, AuditAction.ADD, patient, rx, ["medication", "substance_class"], request)
    return rx


@service
def drug_screen_order(
    *,
    actor: User,
    patient: Patient,
    method: str,
    panel: Sequence[str],
    specimen: str = Specimen.URINE,
    observed: bool = False,
    request: HttpRequest | None = None,
) -> DrugScreen:
    _require_clinician_for(actor, patient)
    errors: dict[str, str] = {}
    if method not in ScreenMethod.values:
        errors["method"] = "Choose a point-of-care cup or a laboratory test."
    if specimen not in Specimen.values:
        errors["specimen"] = "Choose urine or oral fluid."
    unknown = sorted(set(panel) - set(SubstanceClass.values))
    if not panel:
        errors["panel"] = "Choose at least one substance class."
    elif unknown:
        errors["panel"] = f"Unknown substance classes: {', '.join(unknown)}."
    if errors:
        raise ValidationError(errors)
    screen = DrugScreen.objects.create(
        patient=patient,
        method=method,
        specimen=specimen,
        panel=sorted(set(panel)),
        observed=observed,
        ordered_by=actor,
        ordered_at=timezone.now(),
    )
    _record(actor, AuditAction.ADD, patient, screen, ["method", "panel"], request)
    return screen


def prescribed_classes(patient: Patient, on: date) -> set[str]:
    return set(
        Prescription.objects.filter(patient=patient, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .values_list("substance_class", flat=True)
    )


@service
def drug_screen_record_result(
    *,
    actor: User,
    screen: DrugScreen,
    collected_on: date,
    results: Mapping[str, str],
    request: HttpRequest | None = None,
) -> tuple[DrugScreen, RelapseEvent | None]:
    """Record a result for every class of the panel. Positives for a class prescribed on the
    collection date are expected (not use); an unexpected positive opens the relapse
    response workflow in the same transaction. Returns the screen and that event, if any."""
    patient = screen.patient
    _require_clinician_for(actor, patient)
    screen = DrugScreen.objects.select_for_update().get(pk=screen.pk)
    errors: dict[str, str] = {}
    if screen.status != ScreenStatus.ORDERED:
        errors["__all__"] = f"This screen is already {screen.get_status_display().lower()}."
    try:
        _not_future(collected_on, "collected_on")
    except ValidationError:
        errors["collected_on"] = "The collection date is in the future."
    if collected_on < timezone.localtime(screen.ordered_at).date() - timedelta(days=1):
        errors["collected_on"] = "The collection date is before the order."
    panel = set(screen.panel)
    for cls in sorted(set(results) - panel):
        errors[cls] = "This class was not on the ordered panel."
    for cls in sorted(panel):
        if results.get(cls) not in ResultValue.values:
            errors[cls] = "Give a result (negative, positive or invalid)."
    if errors:
        raise ValidationError(errors)
    prescribed = prescribed_classes(patient, collected_on)
    rows = [
        DrugScreenResult(
            screen=screen,
            substance_class=cls,
            value=results[cls],
            expected=results[cls] == ResultValue.POSITIVE and cls in prescribed,
        )
        for cls in sorted(panel)
    ]
    DrugScreenResult.objects.bulk_create(rows)
    screen.status = ScreenStatus.RESULTED
    screen.collected_on = collected_on
    screen.resulted_by = actor
    screen.resulted_at = timezone.now()
    screen.save()
    expected = [r.substance_class for r in rows if r.expected]
    unexpected = [r.substance_class for r in rows if r.unexpected_positive]
    _record(
        actor,
        AuditAction.CHANGE,
        patient,
        screen,
        ["results"],
        request,
        detail="drug screen resulted"
        + (f"; expected (prescribed): {', '.join(expected)}" if expected else ""),
    )
    event = None
    if unexpected:
        labels = ", ".join(str(SubstanceClass(c).label) for c in unexpected)
        event = _relapse_open(
            actor=actor,
            patient=patient,
            source=RelapseSource.POSITIVE_SCREEN,
            occurred_on=collected_on,
            substances=labels,
            description=f"Opened automatically: the screen collected on {collected_on:%Y-%m-%d} "
            f"was positive for {labels}, which no current prescription explains.",
            drug_screen=screen,
            request=request,
        )
    return screen, event


# --- relapse response --------------------------------------------------------------------------


def _active_enrollment(patient: Patient) -> Enrollment | None:
    return (
        Enrollment.objects.filter(patient=patient, status__in=OPEN_ENROLLMENT)
        .select_related("track")
        .order_by("starts_on", "id")
        .first()
    )


def _relapse_open(
    *,
    actor: User,
    patient: Patient,
    source: str,
    occurred_on: date,
    substances: str,
    description: str,
    drug_screen: DrugScreen | None,
    request: HttpRequest | None,
) -> RelapseEvent:
    event = RelapseEvent.objects.create(
        patient=patient,
        enrollment=_active_enrollment(patient),
        source=source,
        occurred_on=occurred_on,
        substances=substances[:200],
        description=description,
        drug_screen=drug_screen,
        opened_by=actor,
        opened_at=timezone.now(),
    )
    _record(
        actor,
        AuditAction.ADD,
        patient,
        event,
        ["source", "occurred_on", "substances"],
        request,
        detail=f"relapse response opened ({source})",
    )
    return event


@service
def relapse_open(
    *,
    actor: User,
    patient: Patient,
    source: str,
    occurred_on: date,
    substances: str = "",
    description: str = "",
    request: HttpRequest | None = None,
) -> RelapseEvent:
    """Open the relapse response for a return to use the patient or family reported."""
    _require_clinician_for(actor, patient)
    errors: dict[str, str] = {}
    if source not in RelapseSource.values or source == RelapseSource.POSITIVE_SCREEN:
        errors["source"] = (
            "Choose who reported it (a positive drug screen opens the response by itself)."
        )
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = "This date is in the future."
    if len(substances or "") > 200:
        errors["substances"] = "Keep this under 200 characters."
    if len(description or "") > 4000:
        errors["description"] = "Keep this under 4000 characters."
    if errors:
        raise ValidationError(errors)
    return _relapse_open(
        actor=actor,
        patient=patient,
        source=source,
        occurred_on=occurred_on,
        substances=(substances or "").strip(),
        description=(description or "").strip(),
        drug_screen=None,
        request=request,
    )


def _open_event(event: RelapseEvent) -> RelapseEvent:
    event = RelapseEvent.objects.select_for_update().get(pk=event.pk)
    if event.status != RelapseStatus.OPEN:
        raise ValidationError({"__all__": "This relapse response is closed."})
    return event


@service
def relapse_safety_check(
    *,
    actor: User,
    event: RelapseEvent,
    findings: Sequence[str],
    notes: str = "",
    request: HttpRequest | None = None,
) -> RelapseEvent:
    """Step 1: the safety check. Findings other than "none" hold tapering (and high suicide
    risk or dangerous withdrawal point to a more intensive level) until the event closes."""
    _require_clinician_for(actor, event.patient)
    event = _open_event(event)
    chosen = list(dict.fromkeys(findings))
    if not chosen:
        raise ValidationError({"findings": "Record what the safety check found (or no concern)."})
    unknown = [f for f in chosen if f not in SafetyFinding.values]
    if unknown:
        raise ValidationError({"findings": f"Unknown findings: {', '.join(unknown)}."})
    if SafetyFinding.NONE in chosen and len(chosen) > 1:
        raise ValidationError({"findings": "'No immediate safety concern' excludes the others."})
    if len(notes or "") > 4000:
        raise ValidationError({"notes": "Keep this under 4000 characters."})
    event.safety_findings = [f for f in chosen if f != SafetyFinding.NONE]
    event.safety_notes = (notes or "").strip()
    event.safety_checked_by = actor
    event.safety_checked_at = timezone.now()
    event.save()
    _record(actor, AuditAction.CHANGE, event.patient, event, ["safety_findings"], request)
    return event


@service
def relapse_plan_step(
    *,
    actor: User,
    event: RelapseEvent,
    revise: bool,
    note: str,
    request: HttpRequest | None = None,
) -> RelapseEvent:
    """Step 2: start a revision of the signed plan (its reason is ``note``), or record why the
    current plan already covers this."""
    _require_clinician_for(actor, event.patient)
    event = _open_event(event)
    note = _text(note, "note", minimum=5, maximum=TEXT_MAX)
    draft = None
    if revise:
        enrollment = event.enrollment or _active_enrollment(event.patient)
        signed = (
            TreatmentPlan.objects.filter(enrollment=enrollment, status=PlanStatus.SIGNED)
            .order_by("-version")
            .first()
            if enrollment
            else None
        )
        draft = (
            TreatmentPlan.objects.filter(enrollment=enrollment, status=PlanStatus.DRAFT).first()
            if enrollment
            else None
        )
        if draft is None:
            if signed is None:
                raise ValidationError(
                    {"revise": "There is no signed plan to revise: write the plan first."}
                )
            draft = plan_revise(
                actor=actor, plan=signed, reason=f"Relapse response: {note}", request=request
            )
    event.plan_revision = draft
    event.plan_note = note
    event.plan_done_by = actor
    event.plan_done_at = timezone.now()
    event.save()
    _record(actor, AuditAction.CHANGE, event.patient, event, ["plan_revision"], request)
    return event


@service
def relapse_notify(
    *,
    actor: User,
    event: RelapseEvent,
    recipients: Sequence[User],
    text: str,
    request: HttpRequest | None = None,
) -> RelapseEvent:
    """Step 3: the care-team notice. Recipients see the open response on their care page."""
    _require_clinician_for(actor, event.patient)
    event = _open_event(event)
    text = _text(text, "text", minimum=5)
    if not recipients:
        raise ValidationError({"recipients": "Choose at least one member of the care team."})
    org = event.patient.organization_id
    if any(u.organization_id != org or not u.is_active for u in recipients):
        raise ValidationError(
            {"recipients": "Recipients must be active staff of this organization."}
        )
    event.notice_text = text
    event.notified_by = actor
    event.notified_at = timezone.now()
    event.save()
    event.notified.set(recipients)
    _record(
        actor,
        AuditAction.CHANGE,
        event.patient,
        event,
        ["notified"],
        request,
        detail=f"care team notified: {', '.join(sorted(u.username for u in recipients))}"[:500],
    )
    return event


@service
def relapse_review(
    *,
    actor: User,
    event: RelapseEvent,
    attendance_reported: float | None = None,
    request: HttpRequest | None = None,
) -> RelapseEvent:
    """Step 4: ask the tapering engine for a recommendation now (a step up when the evidence
    warrants it); a clinician approves or declines it like any other."""
    _require_clinician_for(actor, event.patient)
    event = _open_event(event)
    enrollment = event.enrollment or _active_enrollment(event.patient)
    if enrollment is None:
        raise ValidationError({"__all__": "The patient has no open enrolment to review."})
    rec = taper_recommend(
        actor=actor,
        enrollment=enrollment,
        attendance_reported=attendance_reported,
        request=request,
    )
    event.recommendation = rec
    event.save(update_fields=["recommendation"])
    _record(actor, AuditAction.CHANGE, event.patient, event, ["recommendation"], request)
    return event


@service
def relapse_close(
    *, actor: User, event: RelapseEvent, request: HttpRequest | None = None
) -> RelapseEvent:
    _require_clinician_for(actor, event.patient)
    event = _open_event(event)
    missing = [name for name, done in event.steps if not done]
    if missing:
        raise ValidationError({"__all__": "Still to do: " + ", ".join(missing) + "."})
    event.status = RelapseStatus.CLOSED
    event.closed_by = actor
    event.closed_at = timezone.now()
    event.save()
    _record(actor, AuditAction.CHANGE, event.patient, event, ["status"], request)
    return event


# --- community support --------------------------------------------------------------------------


@service
def peer_meetings_record(
    *,
    actor: User,
    patient: Patient,
    week_start: date,
    counts: Mapping[str, int],
    request: HttpRequest | None = None,
) -> list[PeerMeetingWeek]:
    """Meetings attended in one week, by kind (0 says "none of this kind"); replaces the
    week's earlier record of those kinds."""
    _require_clinician_for(actor, patient)
    errors: dict[str, str] = {}
    week = taper_inputs.monday(week_start)
    if week > timezone.localdate():
        errors["week_start"] = "This week has not started yet."
    if not counts:
        errors["__all__"] = "Give the number of meetings of at least one kind (0 when none)."
    for kind, count in counts.items():
        if kind not in MeetingKind.values:
            errors[kind] = "Unknown kind of meeting."
        elif isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 30:
            errors[kind] = "Give a whole number from 0 to 30."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    rows = []
    for kind, count in sorted(counts.items()):
        row, _ = PeerMeetingWeek.objects.update_or_create(
            patient=patient,
            week_start=week,
            kind=kind,
            defaults={"count": count, "recorded_by": actor, "recorded_at": now},
        )
        rows.append(row)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        object_type="care.peermeetingweek",
        object_id=f"{patient.pk}:{week.isoformat()}",
        fields=sorted(counts),
        request=request,
        detail=f"peer meetings for the week of {week:%Y-%m-%d}",
        organization_id=patient.organization_id,
    )
    return rows


SUPPORT_FIELDS = (
    "has_sponsor_or_mentor",
    "sponsor_name",
    "sober_supports",
    "sober_supports_notes",
    "family_involvement",
    "family_notes",
    "last_use_reported_on",
)


@service
def support_profile_set(
    *,
    actor: User,
    patient: Patient,
    data: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> SupportProfile:
    """Sponsor or mentor, sober supports, family involvement and self-reported last use."""
    _require_clinician_for(actor, patient)
    unknown = set(data) - set(SUPPORT_FIELDS)
    if unknown:
        raise ValidationError({k: "Unknown field." for k in sorted(unknown)})
    errors: dict[str, str] = {}
    family = data.get("family_involvement")
    if family is not None and family not in FamilyInvolvement.values:
        errors["family_involvement"] = "Choose how the family is involved."
    supports = data.get("sober_supports")
    if supports is not None and (
        isinstance(supports, bool) or not isinstance(supports, int) or not 0 <= supports <= 50
    ):
        errors["sober_supports"] = "Give a whole number from 0 to 50."
    last_use = data.get("last_use_reported_on")
    if last_use is not None and last_use > timezone.localdate():
        errors["last_use_reported_on"] = "This date is in the future."
    for field, limit in (
        ("sponsor_name", 200),
        ("sober_supports_notes", 500),
        ("family_notes", 500),
    ):
        if len(data.get(field) or "") > limit:
            errors[field] = f"Keep this under {limit} characters."
    if errors:
        raise ValidationError(errors)
    profile = SupportProfile.objects.filter(patient=patient).first()
    created = profile is None
    if profile is None:
        profile = SupportProfile(patient=patient)
    changed = [k for k, v in data.items() if created or getattr(profile, k) != v]
    for key, value in data.items():
        setattr(profile, key, value.strip() if isinstance(value, str) else value)
    profile.updated_by = actor
    profile.updated_at = timezone.now()
    profile.save()
    _record(
        actor,
        AuditAction.ADD if created else AuditAction.CHANGE,
        patient,
        profile,
        changed,
        request,
    )
    return profile


# --- tapering -----------------------------------------------------------------------------------


@service
def taper_recommend(
    *,
    actor: User | None,
    enrollment: Enrollment,
    attendance_reported: float | None = None,
    today: date | None = None,
    request: HttpRequest | None = None,
) -> TaperRecommendation:
    """Gather the inputs, ask the engine, store the recommendation with its reasons (a newer
    one supersedes the pending one). ``actor`` None: the ``openiop taper`` command."""
    patient = enrollment.patient
    if actor is not None:
        _require_clinician_for(actor, patient)
    # One recommender at a time per enrolment (one pending recommendation each).
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("patient", "track")
        .get(pk=enrollment.pk)
    )
    if enrollment.status not in OPEN_ENROLLMENT:
        raise ValidationError({"enrollment": "This enrolment is discharged."})
    if attendance_reported is not None and not 0 <= attendance_reported <= 1:
        raise ValidationError({"attendance_reported": "Give attendance between 0% and 100%."})
    gathered = taper_inputs.gather(enrollment, today=today, attendance_reported=attendance_reported)
    try:
        rec = taper_inputs.recommend(gathered)
    except TaperInputError as exc:
        raise ValidationError({"__all__": str(exc)}) from exc
    target = gathered.policy.phase(rec.target_phase)
    superseded = TaperRecommendation.objects.filter(
        enrollment=enrollment, status=RecommendationStatus.PENDING
    ).update(status=RecommendationStatus.SUPERSEDED)
    stored = TaperRecommendation.objects.create(
        enrollment=enrollment,
        patient=patient,
        decision=rec.decision.value,
        current_phase=gathered.current_phase.id,
        current_hours=enrollment.required_weekly_hours,
        target_phase=rec.target_phase,
        target_phase_label=target.label,
        target_level=rec.target_level.value,
        weekly_hours=taper_inputs.hours(rec.weekly_hours),
        days_per_week=rec.days_per_week,
        crisis_evaluation=rec.crisis_evaluation,
        withdrawal_management_first=rec.withdrawal_management_first,
        reasons=taper_inputs.reasons_to_json(rec),
        inputs=taper_inputs.inputs_to_json(gathered),
        created_by=actor,
        created_at=timezone.now(),
    )
    _record(
        actor,
        AuditAction.ADD,
        patient,
        stored,
        ["decision", "reasons", "inputs"],
        request,
        detail=f"taper recommendation {stored.decision} to {stored.target_phase}"
        + (f"; {superseded} pending superseded" if superseded else ""),
    )
    return stored


def _pending(rec: TaperRecommendation) -> TaperRecommendation:
    rec = (
        TaperRecommendation.objects.select_for_update().select_related("enrollment").get(pk=rec.pk)
    )
    if rec.status != RecommendationStatus.PENDING:
        raise ValidationError(
            {"__all__": f"This recommendation is {rec.get_status_display().lower()}."}
        )
    return rec


@service
def taper_approve(
    *, actor: User, recommendation: TaperRecommendation, request: HttpRequest | None = None
) -> TaperRecommendation:
    """Approve: for an IOP target, set the enrolment's phase and required weekly hours (the
    scheduler's input). A target outside the IOP (2.5, residential, continuing care) records
    the decision; the move itself is a discharge or transfer."""
    patient = recommendation.patient
    _require_clinician_for(actor, patient)
    rec = _pending(recommendation)
    enrollment = Enrollment.objects.select_for_update().get(pk=rec.enrollment_id)
    if enrollment.status not in OPEN_ENROLLMENT:
        raise ValidationError({"__all__": "This enrolment is discharged."})
    now = timezone.now()
    rec.status = RecommendationStatus.APPROVED
    rec.decided_by = actor
    rec.decided_at = now
    rec.save(update_fields=["status", "decided_by", "decided_at"])
    _record(actor, AuditAction.CHANGE, patient, rec, ["status"], request, detail="approved")
    if not rec.outside_iop and rec.weekly_hours is not None:
        old = enrollment.required_weekly_hours
        enrollment.required_weekly_hours = rec.weekly_hours
        enrollment.save(update_fields=["required_weekly_hours"])
        EnrollmentPhase.objects.update_or_create(
            enrollment=enrollment,
            defaults={
                "phase_id": rec.target_phase,
                "started_on": timezone.localdate(),
                "updated_at": now,
            },
        )
        _record(
            actor,
            AuditAction.CHANGE,
            patient,
            enrollment,
            ["required_weekly_hours", "taper_phase"],
            request,
            detail=f"required weekly hours {old} -> {rec.weekly_hours} ({rec.target_phase}), "
            f"taper recommendation {rec.pk}",
        )
    return rec


@service
def taper_decline(
    *,
    actor: User,
    recommendation: TaperRecommendation,
    reason: str,
    request: HttpRequest | None = None,
) -> TaperRecommendation:
    patient = recommendation.patient
    _require_clinician_for(actor, patient)
    reason = _text(reason, "reason", minimum=5)
    rec = _pending(recommendation)
    rec.status = RecommendationStatus.DECLINED
    rec.decided_by = actor
    rec.decided_at = timezone.now()
    rec.decline_reason = reason
    rec.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    _record(
        actor,
        AuditAction.CHANGE,
        patient,
        rec,
        ["status", "decline_reason"],
        request,
        detail="declined",
    )
    return rec


TAPER_SETTING_FIELDS = (
    "min_weeks_without_use",
    "screen_window_weeks",
    "relapse_window_weeks",
    "min_objectives_met",
    "min_peer_meetings_per_week",
    "min_sober_supports",
    "min_attendance_for_step_down",
    "require_measures",
)


@service
def taper_settings_set(
    *,
    actor: User,
    program: Program,
    phases: list[dict[str, Any]],
    thresholds: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> TaperSettings:
    """A program's phases and thresholds, refused (field ``phases``) when they break the
    published bounds that ``TaperPolicy`` checks (9-19 h, step-down at most 2 weeks...)."""
    _require_configure(actor, program.site.organization_id)
    unknown = set(thresholds) - set(TAPER_SETTING_FIELDS)
    if unknown:
        raise ValidationError({k: "Unknown field." for k in sorted(unknown)})
    errors: dict[str, str] = {}
    for name in ("min_weeks_without_use", "screen_window_weeks", "relapse_window_weeks"):
        value = thresholds.get(name, 4)
        if not isinstance(value, int) or not 1 <= value <= 52:
            errors[name] = "Give a whole number of weeks from 1 to 52."
    attendance = thresholds.get("min_attendance_for_step_down", Decimal("0.8"))
    try:
        if not Decimal("0.1") <= Decimal(str(attendance)) <= 1:
            errors["min_attendance_for_step_down"] = "Give a fraction from 0.1 to 1."
    except InvalidOperation:
        errors["min_attendance_for_step_down"] = "Give a fraction from 0.1 to 1."
    if errors:
        raise ValidationError(errors)
    row = TaperSettings.objects.filter(program=program).first() or TaperSettings(program=program)
    row.phases = phases
    for key, value in thresholds.items():
        setattr(row, key, value)
    try:
        taper_inputs.policy_from_settings(row)
    except (TaperInputError, KeyError, ValueError, TypeError) as exc:
        raise ValidationError({"phases": str(exc)}) from exc
    row.updated_by = actor
    row.updated_at = timezone.now()
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=row,
        fields=["phases", *sorted(thresholds)],
        request=request,
        detail=f"taper settings of program {program.pk}",
        part2=False,
    )
    return row


@service
def measure_schedule_set(
    *,
    actor: User,
    track: Track,
    items: Mapping[str, int],
    request: HttpRequest | None = None,
) -> list[MeasureSchedule]:
    """Replace a track's repeated measures: instrument -> every N weeks (empty: defaults)."""
    _require_configure(actor, track.program.site.organization_id)
    errors: dict[str, str] = {}
    for instrument, weeks in items.items():
        if instrument not in INSTRUMENTS:
            errors[instrument] = "Unknown instrument."
        elif isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 26:
            errors[instrument] = "Give a whole number of weeks from 1 to 26."
    if errors:
        raise ValidationError(errors)
    MeasureSchedule.objects.filter(track=track).delete()
    rows = MeasureSchedule.objects.bulk_create(
        [
            MeasureSchedule(track=track, instrument=i, every_weeks=w)
            for i, w in sorted(items.items())
        ]
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type="care.measureschedule",
        object_id=str(track.pk),
        fields=sorted(items),
        request=request,
        detail=f"measure schedule of track {track.pk}",
        part2=False,
    )
    return rows


@service
def reliability_set(
    *,
    actor: User,
    organization: Organization,
    instrument: str,
    sd: Decimal,
    reliability: Decimal,
    source: str,
    request: HttpRequest | None = None,
) -> ReliabilitySetting:
    """An organization's SD and reliability for an instrument's reliable change (cited)."""
    _require_configure(actor, organization.pk)
    errors: dict[str, str] = {}
    if instrument not in INSTRUMENTS or INSTRUMENTS[instrument].total_range is None:
        errors["instrument"] = "Choose an instrument with a total score."
    if not Decimal("0.1") <= sd <= Decimal("100"):
        errors["sd"] = "Give a standard deviation from 0.1 to 100."
    if not Decimal("0") <= reliability < Decimal("1"):
        errors["reliability"] = "Give a reliability from 0 to 0.999."
    if len((source or "").strip()) < 5:
        errors["source"] = "Cite where the values come from."
    if errors:
        raise ValidationError(errors)
    setting, _ = ReliabilitySetting.objects.update_or_create(
        organization=organization,
        instrument=instrument,
        defaults={"sd": sd, "reliability": reliability, "source": source.strip()[:300]},
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=setting,
        fields=["sd", "reliability", "source"],
        request=request,
        part2=False,
    )
    return setting


# --- discharge ---------------------------------------------------------------------------------


@service
def discharge_record(
    *,
    actor: User,
    enrollment: Enrollment,
    kind: str,
    discharged_on: date,
    summary: str,
    crisis_plan: str,
    next_provider: str = "",
    peer_groups: str = "",
    medications: str = "",
    follow_up_dates: Sequence[date] = (),
    request: HttpRequest | None = None,
) -> Discharge:
    """Discharge an enrolment with its summary and continuing-care plan; schedules alumni
    follow-ups, sets the enrolment to discharged and supersedes pending recommendations."""
    patient = enrollment.patient
    _require_clinician_for(actor, patient)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    errors: dict[str, str] = {}
    if enrollment.status not in OPEN_ENROLLMENT:
        errors["__all__"] = "This enrolment is already discharged."
    if kind not in DischargeType.values:
        errors["kind"] = "Choose the type of discharge."
    if discharged_on > timezone.localdate():
        errors["discharged_on"] = "The discharge date is in the future."
    elif discharged_on < enrollment.starts_on:
        errors["discharged_on"] = "The discharge date is before the enrolment began."
    if len((summary or "").strip()) < 20:
        errors["summary"] = "Write a discharge summary (at least 20 characters)."
    if len((crisis_plan or "").strip()) < 10:
        errors["crisis_plan"] = "Write the crisis plan: who to call and what to do (988, ...)."
    for field, value, limit in (
        ("next_provider", next_provider, 300),
        ("peer_groups", peer_groups, 300),
        ("medications", medications, 500),
    ):
        if len(value or "") > limit:
            errors[field] = f"Keep this under {limit} characters."
    dates = sorted(set(follow_up_dates))
    if any(d <= discharged_on for d in dates):
        errors["follow_up_dates"] = "Follow-up dates must be after the discharge date."
    if errors:
        raise ValidationError(errors)
    discharge = Discharge.objects.create(
        enrollment=enrollment,
        patient=patient,
        kind=kind,
        discharged_on=discharged_on,
        summary=summary.strip(),
        next_provider=(next_provider or "").strip(),
        peer_groups=(peer_groups or "").strip(),
        medications=(medications or "").strip(),
        crisis_plan=crisis_plan.strip(),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    AlumniFollowUp.objects.bulk_create(
        [AlumniFollowUp(discharge=discharge, patient=patient, due_on=d) for d in dates]
    )
    enrollment.status = EnrollmentStatus.DISCHARGED
    enrollment.ends_on = discharged_on
    enrollment.save(update_fields=["status", "ends_on"])
    TaperRecommendation.objects.filter(
        enrollment=enrollment, status=RecommendationStatus.PENDING
    ).update(status=RecommendationStatus.SUPERSEDED)
    _record(
        actor,
        AuditAction.ADD,
        patient,
        discharge,
        ["kind", "summary", "continuing_care", "follow_ups"],
        request,
    )
    _record(actor, AuditAction.CHANGE, patient, enrollment, ["status", "ends_on"], request)
    return discharge


@service
def follow_up_complete(
    *,
    actor: User,
    follow_up: AlumniFollowUp,
    done_on: date,
    outcome: str,
    request: HttpRequest | None = None,
) -> AlumniFollowUp:
    patient = follow_up.patient
    _require_clinician_for(actor, patient)
    errors: dict[str, str] = {}
    if follow_up.done_on is not None:
        errors["__all__"] = "This follow-up is already recorded."
    if done_on > timezone.localdate():
        errors["done_on"] = "This date is in the future."
    if len((outcome or "").strip()) < 3:
        errors["outcome"] = "Say how the follow-up went."
    if errors:
        raise ValidationError(errors)
    follow_up.done_on = done_on
    follow_up.outcome = outcome.strip()[:500]
    follow_up.done_by = actor
    follow_up.save(update_fields=["done_on", "outcome", "done_by"])
    _record(actor, AuditAction.CHANGE, patient, follow_up, ["done_on", "outcome"], request)
    return follow_up


def default_follow_up_dates(discharged_on: date) -> list[date]:
    """Alumni check-ins at about 1, 3, 6 and 12 months (program practice, not a standard)."""
    return [discharged_on + timedelta(days=d) for d in (30, 91, 182, 365)]
