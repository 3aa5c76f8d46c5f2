"""Write path of intake: referrals, screenings and safety tasks, level-of-care decisions and
policy, admissions and weekly availability. Each function is one audited transaction; the
caller has already fetched its objects through `core.access`, and each function checks the
actor's role and reach again (defence in depth)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.compliance import admission_minimum_minutes
from openiop.domain.compliance.combined import ADOLESCENT_BELOW_AGE
from openiop.domain.placement import LevelOfCare, PlacementInputError
from openiop.domain.screening import (
    INSTRUMENTS,
    URGENT_FLAGS,
    InvalidAnswers,
    applicable,
    questionnaire_response,
    requires_urgent_safety_task,
    score,
)
from openiop.intake.models import (
    BLOCK_TIMES,
    Admission,
    PatientAvailability,
    PlacementDecision,
    PlacementDecisionKind,
    PlacementPolicySetting,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStage,
    SafetyTask,
    SafetyTaskStatus,
    ScreeningResponse,
)
from openiop.intake.placement import (
    Assessment,
    UnexplainedChange,
    assess,
    build_policy,
    policy_json,
    reasons_json,
    screening_settings,
)
from openiop.organization.models import Organization, Program, Site, Track
from openiop.organization.selectors import programs_for_user
from openiop.patients import services as patients_services
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient

PERSON_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email", "preferred_language")
REFERRER_FIELDS = ("referrer_name", "referrer_organization", "referrer_phone", "referrer_email")


@service
def referral_create(
    *,
    actor: User | None,
    organization: Organization,
    program: Program | None,
    source: str,
    person: dict[str, Any],
    referrer: dict[str, Any] | None = None,
    reason: str = "",
    consent_text: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Record a new referral at stage "inquiry".

    `actor` is None for a request sent from the public pages (then `consent_text` is
    required: the statement the person agreed to, stored verbatim).
    """
    if actor is not None:
        policy.require(actor, Action.REFERRAL_WRITE, object_type="intake.referral")
        if access.organization_id(actor) != organization.pk:
            raise policy.refuse(
                actor, "That organization is not yours.", object_type="intake.referral"
            )
    if program is not None and program.site.organization_id != organization.pk:
        raise ValidationError({"program": "This program belongs to another organization."})
    if source not in ReferralSource.values:
        raise ValidationError({"source": f"Unknown referral source {source!r}."})
    if actor is None and not consent_text.strip():
        raise ValidationError({"consent_text": "The consent statement is required."})
    unknown = (set(person) - set(PERSON_FIELDS)) | (set(referrer or {}) - set(REFERRER_FIELDS))
    if unknown:
        raise ValidationError({k: "Unknown field." for k in sorted(unknown)})
    now = timezone.now()
    referral = Referral(
        organization=organization,
        program=program,
        source=source,
        stage=ReferralStage.INQUIRY,
        stage_changed_at=now,
        reason=reason,
        consent_text=consent_text,
        submitted_publicly=actor is None,
        **person,
        **(referrer or {}),
    )
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(
        referral=referral,
        from_stage="",
        to_stage=ReferralStage.INQUIRY,
        actor=actor,
        reason="public referral request" if actor is None else "recorded by staff",
        occurred_at=now,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=referral,
        fields=sorted(
            [*(k for k, v in person.items() if v), *(k for k, v in (referrer or {}).items() if v)]
        ),
        request=request,
        organization_id=organization.pk,
        part2=True,
        detail="referral received" + (" from the public pages" if actor is None else ""),
    )
    return referral


# --------------------------------------------------------------------------- referrals

REASON_MAX = 500
CLOSED_STAGES = frozenset(
    {ReferralStage.ADMITTED, ReferralStage.DECLINED, ReferralStage.REFERRED_ELSEWHERE}
)


def _require_referral_access(actor: User, referral: Referral) -> None:
    policy.require(actor, Action.REFERRAL_WRITE, obj=referral)
    if not access.referrals_visible_to(actor).filter(pk=referral.pk).exists():
        raise policy.refuse(
            actor,
            "This referral is outside your sites and programs.",
            obj=referral,
            detail="referral write refused: outside the user's scope",
        )


def _require_patient_access(actor: User, patient: Patient, action: Action) -> None:
    policy.require(actor, action, patient=patient, obj=patient)
    access.require_in_scope(actor, patient)


def _clean_reason(reason: str, field: str = "reason", minimum: int = 3) -> str:
    text = reason.strip()
    if len(text) < minimum:
        raise ValidationError({field: "Give a reason (a few words at least)."})
    if len(text) > REASON_MAX:
        raise ValidationError({field: f"Keep the reason under {REASON_MAX} characters."})
    return text


@service
def referral_move(
    *,
    actor: User,
    referral: Referral,
    to_stage: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Referral:
    """Move a referral to another stage, recording who, when and why.

    "Admitted" is reached only through `patient_admit` (the referral then names its patient
    and an admission exists); an admitted referral is closed.
    """
    _require_referral_access(actor, referral)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if to_stage not in ReferralStage.values:
        raise ValidationError({"to_stage": f"Unknown stage {to_stage!r}."})
    if to_stage == referral.stage:
        raise ValidationError({"to_stage": "The referral is already at this stage."})
    if referral.stage == ReferralStage.ADMITTED:
        raise ValidationError({"to_stage": "An admitted referral is closed."})
    if to_stage == ReferralStage.ADMITTED and not (
        referral.patient_id and referral.admissions.exists()
    ):
        raise ValidationError(
            {"to_stage": "Admit the patient (register or link them first) to close as admitted."}
        )
    text = _clean_reason(reason)
    now = timezone.now()
    from_stage = referral.stage
    referral.stage = to_stage
    referral.stage_changed_at = now
    referral.save(update_fields=["stage", "stage_changed_at"])
    ReferralEvent.objects.create(
        referral=referral,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=actor,
        reason=text,
        occurred_at=now,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=referral.patient_id,
        obj=referral,
        fields=["stage"],
        request=request,
        organization_id=referral.organization_id,
        part2=True,
        detail=f"referral stage {from_stage} -> {to_stage}",
    )
    return referral


@service
def referral_link_patient(
    *,
    actor: User,
    referral: Referral,
    patient: Patient,
    request: HttpRequest | None = None,
) -> Referral:
    """Link the referral to the registered patient it concerns."""
    _require_referral_access(actor, referral)
    _require_patient_access(actor, patient, Action.REFERRAL_WRITE)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if patient.organization_id != referral.organization_id:
        raise ValidationError({"patient": "This patient belongs to another organization."})
    if referral.patient_id is not None and referral.patient_id != patient.pk:
        raise ValidationError({"patient": "This referral is already linked to another patient."})
    if referral.patient_id == patient.pk:
        return referral
    referral.patient = patient
    referral.save(update_fields=["patient"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        obj=referral,
        fields=["patient"],
        request=request,
        organization_id=referral.organization_id,
        part2=True,
        detail="referral linked to patient",
    )
    return referral


@service
def referral_register_patient(
    *,
    actor: User,
    referral: Referral,
    site: Site,
    program: Program | None,
    data: dict[str, Any],
    emergency_contact: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Patient:
    """Register the referred person as a patient (patients.services.patient_register) and
    link the referral to them, in one transaction."""
    _require_referral_access(actor, referral)
    if referral.patient_id is not None:
        raise ValidationError({"patient": "This referral is already linked to a patient."})
    patient = patients_services.patient_register(
        actor=actor,
        site=site,
        program=program,
        data=data,
        emergency_contact=emergency_contact,
        request=request,
    )
    referral_link_patient(actor=actor, referral=referral, patient=patient, request=request)
    return patient


# --------------------------------------------------------------------------- screening


def can_screen(user: User) -> bool:
    return policy.allows(user, Action.SCREENING_RECORD)


def is_clinician(user: User) -> bool:
    """Decides the level of care and acts on safety tasks (`placement.decide`)."""
    return policy.allows(user, Action.PLACEMENT_DECIDE)


def _instrument_settings(patient: Patient, instrument_id: str) -> dict[str, int]:
    from openiop.intake.placement import policy_overrides

    _, screening = policy_overrides(patient.program)
    return dict(screening.get(instrument_id, {}))


def _answer_errors(exc: InvalidAnswers) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault("__all__" if error.item == "*" else error.item, []).append(error.message)
    return errors


@service
def screening_record(
    *,
    actor: User,
    patient: Patient,
    instrument_id: str,
    answers: Mapping[str, object],
    request: HttpRequest | None = None,
) -> ScreeningResponse:
    """Score and store a completed instrument; an urgent flag (PHQ-9 item 9 > 0, C-SSRS high
    risk) also opens an urgent safety task in the same transaction.

    Refuses (ValidationError keyed by item number) incomplete or invalid answers: a missing
    answer is never scored as zero. CRAFFT is offered only for ages 12 to 21.
    """
    _require_patient_access(actor, patient, Action.SCREENING_RECORD)
    return _screening_store(
        actor=actor, patient=patient, instrument_id=instrument_id, answers=answers, request=request
    )


@service
def screening_record_by_patient(
    *,
    account_user: User,
    patient: Patient,
    instrument_id: str,
    answers: Mapping[str, object],
    request: HttpRequest | None = None,
) -> ScreeningResponse:
    """The patient answers a questionnaire in the portal: scored and stored exactly as a
    staff-recorded screening (same checks, same urgent safety task), administered by the
    patient's own portal user. The caller offers only the measures due for the patient."""
    _require_own_patient(account_user, patient)
    return _screening_store(
        actor=account_user,
        patient=patient,
        instrument_id=instrument_id,
        answers=answers,
        request=request,
        detail_suffix=" answered by the patient in the portal",
    )


def _require_own_patient(account_user: User, patient: Patient) -> None:
    """A signed-in patient (`portal.self`) whose open portal account is this patient's."""
    from openiop.portal.models import AccountKind, PortalAccount

    policy.require(account_user, Action.PORTAL_SELF, patient=patient, obj=patient)
    if not PortalAccount.objects.filter(
        user=account_user, patient=patient, kind=AccountKind.PATIENT, ended_at__isnull=True
    ).exists():
        raise policy.refuse(
            account_user,
            "This portal account is not this patient's.",
            patient=patient,
            obj=patient,
            detail="portal write refused: not the account's own patient",
        )


def _screening_store(
    *,
    actor: User,
    patient: Patient,
    instrument_id: str,
    answers: Mapping[str, object],
    request: HttpRequest | None,
    detail_suffix: str = "",
) -> ScreeningResponse:
    """The shared scoring and storing of `screening_record` and `screening_record_by_patient`
    (the caller has checked the actor)."""
    if instrument_id not in INSTRUMENTS:
        raise ValidationError({"instrument": f"Unknown instrument {instrument_id!r}."})
    age = patient.age_on(timezone.localdate())
    if not applicable(instrument_id, age):
        instrument = INSTRUMENTS[instrument_id]
        raise ValidationError(
            {
                "instrument": f"{instrument.edition} is offered for ages {instrument.min_age} "
                f"to {instrument.max_age}; this patient is {age}."
            }
        )
    thresholds = _instrument_settings(patient, instrument_id)
    try:
        result = score(instrument_id, answers, settings=thresholds)
    except InvalidAnswers as exc:
        raise ValidationError(_answer_errors(exc)) from exc
    now = timezone.now()
    screening = ScreeningResponse.objects.create(
        patient=patient,
        instrument=result.instrument,
        instrument_version=result.version,
        response=questionnaire_response(result),
        total=result.total,
        band=result.band or "",
        subscores=dict(result.subscores),
        flags=list(result.flags),
        thresholds=thresholds,
        administered_by=actor,
        administered_at=now,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=screening,
        fields=["answers", "score"],
        request=request,
        detail=f"screening {instrument_id}{detail_suffix}",
    )
    if requires_urgent_safety_task(result):
        _safety_task_open(actor=actor, patient=patient, screening=screening, request=request)
    if screening.flags:
        # A positive domain of the needs screen (CMS AHC HRSN) opens a social need.
        from openiop.support.needs.services import needs_from_screening

        needs_from_screening(actor=actor, screening=screening, request=request)
    return screening


@service
def safety_task_open_by_patient(
    *,
    account_user: User,
    patient: Patient,
    flag: str,
    request: HttpRequest | None = None,
) -> SafetyTask:
    """An urgent safety task opened by the patient from the portal, without a screening
    (e.g. `portal_need_to_talk`: asked in the daily check-in to talk to someone today).

    Assigned like a screening's task (the patient's primary counselor, else unassigned). An
    open task for the same reason raised the same local day (the patient's site zone) is
    returned instead of a second one (program policy)."""
    from zoneinfo import ZoneInfo

    _require_own_patient(account_user, patient)
    now = timezone.now()
    zone = ZoneInfo(patient.site.timezone)
    day_start = timezone.localtime(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    for task in SafetyTask.objects.select_for_update().filter(
        patient=patient, status=SafetyTaskStatus.OPEN, created_at__gte=day_start
    ):
        if flag in (task.flags or []):
            return task
    task = SafetyTask.objects.create(
        patient=patient,
        site_id=patient.site_id,
        screening=None,
        flags=[flag],
        urgent=True,
        assigned_to=_default_assignee(account_user, patient),
        created_by=account_user,
        created_at=now,
    )
    audit.record(
        actor=account_user,
        action=AuditAction.ADD,
        patient=patient,
        obj=task,
        fields=["flags", "assigned_to"],
        request=request,
        part2=True,
        detail="urgent safety task opened by the patient in the portal",
    )
    return task


def _default_assignee(actor: User, patient: Patient) -> User | None:
    """The clinician who screened; else the patient's primary counselor; else nobody (the
    site's list shows the task as unassigned)."""
    if is_clinician(actor):
        return actor
    admission = (
        Admission.objects.filter(patient=patient).select_related("primary_counselor").first()
    )
    return admission.primary_counselor if admission is not None else None


def _safety_task_open(
    *,
    actor: User,
    patient: Patient,
    screening: ScreeningResponse,
    request: HttpRequest | None,
) -> SafetyTask:
    task = SafetyTask.objects.create(
        patient=patient,
        site_id=patient.site_id,
        screening=screening,
        flags=[f for f in screening.flags if f in URGENT_FLAGS],
        urgent=True,
        assigned_to=_default_assignee(actor, patient),
        created_by=actor,
        created_at=screening.administered_at,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=task,
        fields=["flags", "assigned_to"],
        request=request,
        detail="urgent safety task opened by screening",
    )
    return task


def _require_task_access(actor: User, task: SafetyTask) -> None:
    _require_patient_access(actor, task.patient, Action.SAFETY_TASK_ACT)


@service
def safety_task_assign(
    *,
    actor: User,
    task: SafetyTask,
    assignee: User,
    request: HttpRequest | None = None,
) -> SafetyTask:
    """Give the task to a clinician who can see the patient."""
    _require_task_access(actor, task)
    task = SafetyTask.objects.select_for_update().get(pk=task.pk)
    if task.status != SafetyTaskStatus.OPEN:
        raise ValidationError({"assigned_to": "This task is already done."})
    if not (
        assignee.is_active
        and assignee.organization_id == task.patient.organization_id
        and policy.has_role_for(assignee, Action.SAFETY_TASK_ACT)
        and Patient.objects.filter(
            access.membership_patients_filter(assignee), pk=task.patient_id
        ).exists()
    ):
        raise ValidationError(
            {"assigned_to": "Choose a clinician who works with this patient's site or program."}
        )
    task.assigned_to = assignee
    task.save(update_fields=["assigned_to"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=task.patient_id,
        obj=task,
        fields=["assigned_to"],
        request=request,
        detail=f"safety task assigned to user {assignee.pk}",
    )
    return task


@service
def safety_task_complete(
    *,
    actor: User,
    task: SafetyTask,
    note: str,
    request: HttpRequest | None = None,
) -> SafetyTask:
    """Close the task with what was done (evaluation, safety plan, referral)."""
    _require_task_access(actor, task)
    task = SafetyTask.objects.select_for_update().get(pk=task.pk)
    if task.status != SafetyTaskStatus.OPEN:
        raise ValidationError({"note": "This task is already done."})
    text = note.strip()
    if len(text) < 10:
        raise ValidationError(
            {"note": "Describe what was done (at least 10 characters): evaluation, safety plan."}
        )
    task.status = SafetyTaskStatus.DONE
    task.completed_by = actor
    task.completed_at = timezone.now()
    task.completion_note = text[:2000]
    task.save(update_fields=["status", "completed_by", "completed_at", "completion_note"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=task.patient_id,
        obj=task,
        fields=["status", "completion_note"],
        request=request,
        detail="safety task completed",
    )
    return task


# --------------------------------------------------------------------------- level of care


@service
def placement_decide(
    *,
    actor: User,
    patient: Patient,
    assessment: Assessment,
    accept: bool,
    override_level: str = "",
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> PlacementDecision:
    """Run the level-of-care engine on the assessment and the latest screenings, and store
    the clinician's decision: accept the recommended level, or override it with a reason."""
    _require_patient_access(actor, patient, Action.PLACEMENT_DECIDE)
    try:
        assessed = assess(assessment, patient=patient, program=patient.program)
    except UnexplainedChange as exc:  # a proposed rating changed without a reason
        raise ValidationError(exc.errors) from exc
    except PlacementInputError as exc:
        raise ValidationError({"__all__": str(exc)}) from exc
    recommended = assessed.recommendation.level.value
    if accept:
        final, reason = recommended, ""
    else:
        if override_level not in {level.value for level in LevelOfCare}:
            raise ValidationError({"override_level": "Choose the level you decide on."})
        reason = _clean_reason(override_reason, "override_reason", minimum=10)
        final = override_level
    decision = PlacementDecision.objects.create(
        patient=patient,
        program=patient.program,
        dimensions=assessed.dimensions_json,
        criteria=assessed.criteria_json,
        screening=assessed.screening_json,
        policy=policy_json(assessed.policy),
        recommended_level=recommended,
        withdrawal_management_first=assessed.recommendation.withdrawal_management_first,
        crisis_evaluation=assessed.recommendation.crisis_evaluation,
        recommended_tracks=[t.value for t in assessed.recommendation.tracks],
        reasons=reasons_json(assessed.recommendation),
        decision=PlacementDecisionKind.ACCEPTED if accept else PlacementDecisionKind.OVERRIDDEN,
        final_level=final,
        override_reason=reason,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=decision,
        fields=["dimensions", "criteria", "decision"],
        request=request,
        detail=f"level of care {recommended} recommended, {final} decided"
        + ("" if accept else " (override)")
        + _changed_ratings(assessed.dimensions_json),
    )
    return decision


def _changed_ratings(dimensions: list[dict[str, Any]]) -> str:
    """The dimensions whose proposed rating the clinician changed, for the audit detail."""
    changed = [str(d["dimension"]) for d in dimensions if d.get("change_reason")]
    return f"; proposed rating changed for dimension(s) {', '.join(changed)}" if changed else ""


@service
def placement_policy_set(
    *,
    actor: User,
    program: Program,
    placement: dict[str, Any],
    screening: dict[str, dict[str, int]],
    request: HttpRequest | None = None,
) -> PlacementPolicySetting:
    """Store a program's clinical-policy thresholds (validated by the domain)."""
    policy.require(actor, Action.INTAKE_POLICY_MANAGE, obj=program)
    if program.site.organization_id != access.organization_id(actor):
        raise policy.refuse(actor, "That program belongs to another organization.", obj=program)
    try:
        build_policy(placement)
    except ValueError as exc:  # PlacementInputError is a ValueError
        raise ValidationError({"__all__": str(exc)}) from exc
    try:
        screening_settings(screening)
    except ValueError as exc:
        raise ValidationError({"__all__": str(exc)}) from exc
    setting, _ = PlacementPolicySetting.objects.update_or_create(
        program=program,
        defaults={
            "placement": placement,
            "screening": screening,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=setting,
        fields=sorted([*placement, *(f"{i}.{k}" for i, s in screening.items() for k in s)]),
        request=request,
        part2=False,
        detail=f"placement policy of program {program.pk}",
    )
    return setting


# --------------------------------------------------------------------------- enrolment

MAX_WEEKLY_HOURS = Decimal("40")
START_WINDOW_DAYS = 366


def can_admit(user: User) -> bool:
    return policy.allows(user, Action.ADMISSION_ADMIT)


def counselors_for(program: Program) -> QuerySet[User]:
    """Clinicians who may be a primary counselor in this program: counselors of its site or
    program, and the organization's clinical directors."""
    return (
        User.objects.filter(
            is_active=True,
            organization_id=program.site.organization_id,
            role__in=policy.roles_for(Action.CARE_WRITE),
        )
        .filter(
            Q(role__in=policy.roles_for(Action.SCOPE_ORGANIZATION))
            | Q(staff_profile__sites=program.site_id)
            | Q(staff_profile__programs=program.pk)
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@service
def patient_admit(
    *,
    actor: User,
    patient: Patient,
    program: Program,
    tracks: Sequence[tuple[Track, Decimal]],
    starts_on: date,
    primary_counselor: User,
    hours_change_reason: str = "",
    availability: set[tuple[int, str]] | None = None,
    referral: Referral | None = None,
    notice: str | None = None,
    notice_acknowledged: bool = False,
    request: HttpRequest | None = None,
) -> Admission:
    """Admit a patient to a program and one or more of its tracks.

    With `notice` (a `privacy.NoticeMethod`), records in the same transaction that the
    patient was given the program's Part 2 notice at admission (42 CFR 2.22).

    Each track becomes an active `patients.Enrollment` whose required weekly hours default
    to the track minimum; other hours need `hours_change_reason`. With `availability`, the
    weekly grid is saved too; with `referral`, it is linked and moved to "admitted".
    """
    _require_patient_access(actor, patient, Action.ADMISSION_ADMIT)
    if program.site.organization_id != patient.organization_id:
        raise policy.refuse(actor, "That program belongs to another organization.", obj=program)
    if not programs_for_user(actor).filter(pk=program.pk).exists():
        raise policy.refuse(actor, "You can admit only to your own programs.", obj=program)
    reason = hours_change_reason.strip()
    changed = _check_admission(
        actor=actor,
        patient=patient,
        program=program,
        tracks=tracks,
        starts_on=starts_on,
        primary_counselor=primary_counselor,
        reason=reason,
        referral=referral,
    )
    admission = _admit(
        actor=actor,
        patient=patient,
        program=program,
        tracks=tracks,
        starts_on=starts_on,
        primary_counselor=primary_counselor,
        hours_change_reason=reason if changed else "",
        referral=referral,
        request=request,
    )
    if notice is not None:
        from openiop.privacy.services import notice_record_at_admission

        notice_record_at_admission(
            actor,
            patient,
            method=notice,
            given_on=timezone.localdate(),
            acknowledged=notice_acknowledged,
            request=request,
        )
    if availability is not None:
        availability_set(actor=actor, patient=patient, blocks=availability, request=request)
    if referral is not None:
        referral_link_patient(actor=actor, referral=referral, patient=patient, request=request)
        referral_move(
            actor=actor,
            referral=referral,
            to_stage=ReferralStage.ADMITTED,
            reason=f"admitted to {program.name}",
            request=request,
        )
    return admission


def _admit(
    *,
    actor: User,
    patient: Patient,
    program: Program,
    tracks: Sequence[tuple[Track, Decimal]],
    starts_on: date,
    primary_counselor: User,
    hours_change_reason: str,
    referral: Referral | None,
    request: HttpRequest | None,
) -> Admission:
    """The checked admission's rows: an active enrolment per track and the admission naming
    them, each audited. `hours_change_reason` is given exactly when some hours differ from
    the track minimum (`_check_admission`), so it also says whether that field was written."""
    enrollments = [
        Enrollment.objects.create(
            patient=patient,
            track=track,
            starts_on=starts_on,
            status=EnrollmentStatus.ACTIVE,
            required_weekly_hours=hours,
        )
        for track, hours in tracks
    ]
    admission = Admission.objects.create(
        patient=patient,
        program=program,
        referral=referral,
        primary_counselor=primary_counselor,
        starts_on=starts_on,
        hours_change_reason=hours_change_reason,
        admitted_by=actor,
        admitted_at=timezone.now(),
    )
    admission.enrollments.set(enrollments)
    _audit_admission(
        actor, admission, enrollments, tracks, changed=bool(hours_change_reason), request=request
    )
    return admission


def _check_admission(
    *,
    actor: User,
    patient: Patient,
    program: Program,
    tracks: Sequence[tuple[Track, Decimal]],
    starts_on: date,
    primary_counselor: User,
    reason: str,
    referral: Referral | None,
) -> bool:
    """Raise a `ValidationError` naming every field that is wrong for this admission; return
    whether any track's hours differ from its minimum (so the reason is required)."""
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not tracks:
        err("tracks", "Choose at least one track.")
    active = set(
        Enrollment.objects.filter(patient=patient, status=EnrollmentStatus.ACTIVE).values_list(
            "track_id", flat=True
        )
    )
    problems, changed = _track_problems(tracks, program, active, patient.age_on(starts_on))
    for message in problems:
        err("tracks", message)
    if changed and len(reason) < 10:
        err(
            "hours_change_reason",
            "The hours differ from the track minimum: give the reason (at least 10 characters).",
        )
    today = timezone.localdate()
    if abs((starts_on - today).days) > START_WINDOW_DAYS:
        err("starts_on", "Choose a start date within a year of today.")
    if not counselors_for(program).filter(pk=primary_counselor.pk).exists():
        err("primary_counselor", "Choose a counselor of this program's site or program.")
    if referral is not None:
        _require_referral_access(actor, referral)
        if referral.patient_id not in (None, patient.pk):
            err("referral", "This referral concerns another patient.")
        if referral.stage == ReferralStage.ADMITTED:
            err("referral", "This referral is already closed as admitted.")
    if errors:
        raise ValidationError(errors)
    return changed


def _track_problems(
    tracks: Sequence[tuple[Track, Decimal]], program: Program, active: set[int], age: int
) -> tuple[list[str], bool]:
    """What is wrong with the chosen tracks and hours (a track of this program, not already
    enrolled, the patient's age within its range, hours above 0 and at most 40), and whether
    any hours differ from the track's minimum."""
    problems: list[str] = []
    changed = False
    for track, hours in tracks:
        if track.program_id != program.pk:
            problems.append(f"{track.name} is a track of another program.")
            continue
        if track.pk in active:
            problems.append(f"The patient is already enrolled in {track.name}.")
        if not track.min_age <= age <= track.max_age:
            problems.append(
                f"{track.name} is for ages {track.min_age} to {track.max_age}; "
                f"the patient will be {age}."
            )
        # ASAM Level 2.1 (intensive outpatient): at least 9 hours a week for adults and 6
        # for adolescents, whatever the track's own minimum says. Fewer hours come later,
        # through an approved step-down only.
        least = max(
            track.min_weekly_hours,
            Decimal(
                admission_minimum_minutes(
                    int(track.min_weekly_hours * 60), adolescent=age < ADOLESCENT_BELOW_AGE
                )
            )
            / 60,
        )
        if not Decimal("0") < hours <= MAX_WEEKLY_HOURS:
            problems.append(f"Hours for {track.name} must be more than 0 and at most 40.")
        elif hours < least:
            problems.append(
                f"{track.name} needs at least {least.normalize():f} hours a week "
                "(ASAM Level 2.1). Fewer hours are possible later, through an approved "
                "step-down."
            )
        if hours != track.min_weekly_hours:
            changed = True
    return problems, changed


def _audit_admission(
    actor: User,
    admission: Admission,
    enrollments: list[Enrollment],
    tracks: Sequence[tuple[Track, Decimal]],
    *,
    changed: bool,
    request: HttpRequest | None,
) -> None:
    """One event per enrolment, then one for the admission itself."""
    for enrollment in enrollments:
        audit.record(
            actor=actor,
            action=AuditAction.ADD,
            patient=admission.patient,
            obj=enrollment,
            fields=["track", "starts_on", "required_weekly_hours"],
            request=request,
            detail="enrolment by admission",
        )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=admission.patient,
        obj=admission,
        fields=["program", "primary_counselor", "starts_on"]
        + (["hours_change_reason"] if changed else []),
        request=request,
        detail=f"admitted to program {admission.program_id}, tracks "
        + ",".join(str(t.pk) for t, _ in tracks),
    )


@service
def availability_set(
    *,
    actor: User,
    patient: Patient,
    blocks: set[tuple[int, str]],
    request: HttpRequest | None = None,
) -> list[PatientAvailability]:
    """Replace the patient's weekly availability with these (weekday, block) pairs."""
    _require_patient_access(actor, patient, Action.AVAILABILITY_EDIT)
    bad = sorted(f"{d}:{b}" for d, b in blocks if not (0 <= d <= 6 and b in BLOCK_TIMES))
    if bad:
        raise ValidationError({"availability": f"Unknown blocks: {', '.join(bad)}."})
    PatientAvailability.objects.filter(patient=patient).delete()
    rows = PatientAvailability.objects.bulk_create(
        [
            PatientAvailability(
                patient=patient, weekday=d, start=BLOCK_TIMES[b][0], end=BLOCK_TIMES[b][1]
            )
            for d, b in sorted(blocks, key=lambda pair: (pair[0], BLOCK_TIMES[pair[1]][0]))
        ]
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        object_type="intake.patientavailability",
        object_id=str(patient.pk),
        fields=["availability"],
        request=request,
        detail=f"weekly availability: {len(rows)} blocks",
    )
    return rows
