"""Write path of discharge: the discharge with its summary and continuing-care plan (the
enrolment ends, pending recommendations are superseded), and alumni follow-ups.

Each public service is one ``@service`` transaction that checks who may act, validates
everything before writing anything (a ``ValidationError`` keyed by field), writes, and records
its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.access import require_clinician_for
from openiop.care.common import OPEN_ENROLLMENT, record
from openiop.care.models import (
    AlumniFollowUp,
    Discharge,
    DischargeType,
    RecommendationStatus,
    TaperRecommendation,
)
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.patients.models import Enrollment, EnrollmentStatus


def _discharge_errors(
    enrollment: Enrollment,
    *,
    kind: str,
    discharged_on: date,
    summary: str,
    crisis_plan: str,
    next_provider: str,
    peer_groups: str,
    medications: str,
    dates: list[date],
) -> dict[str, str]:
    """What is wrong with a discharge, by field (the enrolment must still be open)."""
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
    if any(d <= discharged_on for d in dates):
        errors["follow_up_dates"] = "Follow-up dates must be after the discharge date."
    return errors


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
    require_clinician_for(actor, patient)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    dates = sorted(set(follow_up_dates))
    errors = _discharge_errors(
        enrollment,
        kind=kind,
        discharged_on=discharged_on,
        summary=summary,
        crisis_plan=crisis_plan,
        next_provider=next_provider,
        peer_groups=peer_groups,
        medications=medications,
        dates=dates,
    )
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
    record(
        actor,
        AuditAction.ADD,
        patient,
        discharge,
        ["kind", "summary", "continuing_care", "follow_ups"],
        request,
    )
    record(actor, AuditAction.CHANGE, patient, enrollment, ["status", "ends_on"], request)
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
    require_clinician_for(actor, patient)
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
    record(actor, AuditAction.CHANGE, patient, follow_up, ["done_on", "outcome"], request)
    return follow_up


def default_follow_up_dates(discharged_on: date) -> list[date]:
    """Alumni check-ins at about 1, 3, 6 and 12 months (program practice, not a standard)."""
    return [discharged_on + timedelta(days=d) for d in (30, 91, 182, 365)]
