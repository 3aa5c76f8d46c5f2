"""Write path of tapering: ask the engine for a recommendation (stored with its reasons and
the inputs read), a clinician approves it (an IOP target sets the enrolment's phase and
required weekly hours) or declines it; each program's phases and thresholds.

Each public function is one ``@service`` transaction that checks who may act, validates
everything before writing anything (a ``ValidationError`` keyed by field), writes, and records
its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.access import require_clinician_for, require_configure
from openiop.care.common import OPEN_ENROLLMENT, checked_text, record
from openiop.care.models import (
    EnrollmentPhase,
    RecommendationStatus,
    TaperRecommendation,
    TaperSettings,
)
from openiop.care.taper import inputs as taper_inputs
from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.domain.tapering import (
    ATTENDANCE_WEEKS,
    LOOKBACK_WEEKS,
    TaperInputError,
    window_problems,
)
from openiop.organization.models import Program
from openiop.patients.models import Enrollment


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
        require_clinician_for(actor, patient)
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
    record(
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
    require_clinician_for(actor, patient)
    rec = _pending(recommendation)
    enrollment = Enrollment.objects.select_for_update().get(pk=rec.enrollment_id)
    if enrollment.status not in OPEN_ENROLLMENT:
        raise ValidationError({"__all__": "This enrolment is discharged."})
    now = timezone.now()
    rec.status = RecommendationStatus.APPROVED
    rec.decided_by = actor
    rec.decided_at = now
    rec.save(update_fields=["status", "decided_by", "decided_at"])
    record(actor, AuditAction.CHANGE, patient, rec, ["status"], request, detail="approved")
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
        record(
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
    require_clinician_for(actor, patient)
    reason = checked_text(reason, "reason", minimum=5)
    rec = _pending(recommendation)
    rec.status = RecommendationStatus.DECLINED
    rec.decided_by = actor
    rec.decided_at = timezone.now()
    rec.decline_reason = reason
    rec.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    record(
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
    "lookback_weeks",
    "attendance_window_weeks",
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
    published bounds that ``TaperPolicy`` checks (9-19 h, step-down at most 2 weeks...).

    The look-back for drug screens and relapse events (``lookback_weeks``, 4-104) and the
    attendance window (``attendance_window_weeks``, 1-26) are program policy, refused by
    field outside the domain's bounds (``domain.tapering.window_problems``)."""
    require_configure(actor, program.site.organization_id)
    unknown = set(thresholds) - set(TAPER_SETTING_FIELDS)
    if unknown:
        raise ValidationError({k: "Unknown field." for k in sorted(unknown)})
    errors: dict[str, str] = {}
    for name in ("min_weeks_without_use", "screen_window_weeks", "relapse_window_weeks"):
        value = thresholds.get(name, 4)
        if not isinstance(value, int) or not 1 <= value <= 52:
            errors[name] = "Give a whole number of weeks from 1 to 52."
    for name, high in (("min_objectives_met", 20), ("min_sober_supports", 20)):
        value = thresholds.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
            errors[name] = f"Give a whole number from 0 to {high}."
    meetings = thresholds.get("min_peer_meetings_per_week", Decimal(1))
    try:
        if not Decimal(0) <= Decimal(str(meetings)) <= 14:
            errors["min_peer_meetings_per_week"] = "Give a number of meetings from 0 to 14."
    except InvalidOperation:
        errors["min_peer_meetings_per_week"] = "Give a number of meetings from 0 to 14."
    attendance = thresholds.get("min_attendance_for_step_down", Decimal("0.8"))
    try:
        if not Decimal("0.1") <= Decimal(str(attendance)) <= 1:
            errors["min_attendance_for_step_down"] = "Give a fraction from 0.1 to 1."
    except InvalidOperation:
        errors["min_attendance_for_step_down"] = "Give a fraction from 0.1 to 1."
    errors.update(
        window_problems(
            thresholds.get("lookback_weeks", LOOKBACK_WEEKS),
            thresholds.get("attendance_window_weeks", ATTENDANCE_WEEKS),
        )
    )
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
