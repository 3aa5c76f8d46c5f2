"""Write path of the relapse response: open (reported by the patient, family or others; a
positive drug screen opens it through ``record_opening``), then the four steps (safety check,
plan revision, care-team notice, level-of-care review) and close.

Each public ``relapse_*`` function is one ``@service`` transaction that checks who may act,
validates everything before writing anything (a ``ValidationError`` keyed by field), writes,
and records its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.access import require_clinician_for
from openiop.care.common import OPEN_ENROLLMENT, TEXT_MAX, checked_text, record
from openiop.care.models import (
    DrugScreen,
    PlanStatus,
    RelapseEvent,
    RelapseSource,
    RelapseStatus,
    SafetyFinding,
    TreatmentPlan,
)
from openiop.care.plans.services import plan_revise
from openiop.care.taper.services import taper_recommend
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.patients.models import Enrollment, Patient


def _active_enrollment(patient: Patient) -> Enrollment | None:
    return (
        Enrollment.objects.filter(patient=patient, status__in=OPEN_ENROLLMENT)
        .select_related("track")
        .order_by("starts_on", "id")
        .first()
    )


def record_opening(
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
    """Create the event with its audit record. Not a service of its own: ``relapse_open`` and
    ``screens.services.drug_screen_record_result`` call it inside their transaction, after
    their checks."""
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
    record(
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
    require_clinician_for(actor, patient)
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
    return record_opening(
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
    require_clinician_for(actor, event.patient)
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
    record(actor, AuditAction.CHANGE, event.patient, event, ["safety_findings"], request)
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
    require_clinician_for(actor, event.patient)
    event = _open_event(event)
    note = checked_text(note, "note", minimum=5, maximum=TEXT_MAX)
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
    record(actor, AuditAction.CHANGE, event.patient, event, ["plan_revision"], request)
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
    require_clinician_for(actor, event.patient)
    event = _open_event(event)
    text = checked_text(text, "text", minimum=5)
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
    record(
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
    require_clinician_for(actor, event.patient)
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
    record(actor, AuditAction.CHANGE, event.patient, event, ["recommendation"], request)
    return event


@service
def relapse_close(
    *, actor: User, event: RelapseEvent, request: HttpRequest | None = None
) -> RelapseEvent:
    require_clinician_for(actor, event.patient)
    event = _open_event(event)
    missing = [name for name, done in event.steps if not done]
    if missing:
        raise ValidationError({"__all__": "Still to do: " + ", ".join(missing) + "."})
    event.status = RelapseStatus.CLOSED
    event.closed_by = actor
    event.closed_at = timezone.now()
    event.save()
    record(actor, AuditAction.CHANGE, event.patient, event, ["status"], request)
    return event
