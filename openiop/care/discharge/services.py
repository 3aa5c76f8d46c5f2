"""Write path of discharge: the discharge with its summary and continuing-care plan, alumni
follow-ups, and the review of an adolescent track once the patient has turned 18.

A discharge ends treatment here by default: every open enrolment of the patient ends (each
with its discharge record, the follow-ups on the one discharged from) and their group
sessions not yet begun are cancelled. Another track whose enrolment has not begun yet
(admission allows a start up to a year ahead) is cancelled with them: it is closed as
discharged (the only closed status an enrolment has), ending on its own start day, and its
audit event says it was cancelled. The tracks that have begun must have begun by the
discharge date. "This track only" ends one enrolment and cancels only
that track's coming sessions; the other tracks continue. A change in level of care always
ends every track. Pending taper recommendations of the ended enrolments are superseded.

Each public service is one ``@service`` transaction that checks who may act, validates
everything before writing anything (a ``ValidationError`` keyed by field), writes, and records
its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.access import require_clinician_for
from openiop.care.common import OPEN_ENROLLMENT, record
from openiop.care.models import (
    LEVEL_OF_CARE_CHANGES,
    AlumniFollowUp,
    Discharge,
    DischargeScope,
    DischargeType,
    RecommendationStatus,
    TaperRecommendation,
)
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.delivery.models import DropIn
from openiop.domain import ageout
from openiop.intake import state_reporting_choices as sc
from openiop.patients.models import AgeOutReview, Enrollment, EnrollmentStatus
from openiop.scheduling.models import SessionAssignment

# The discharge form's first follow-up date field: errors about the follow-up dates are shown
# next to the dates (``care.discharge.forms.DischargeForm``).
FOLLOW_UP_FIELD = "follow_up_1"


def _discharge_errors(
    enrollment: Enrollment,
    *,
    kind: str,
    scope: str,
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
    if scope not in DischargeScope.values:
        errors["scope"] = "Choose whether treatment here ends or only this track."
    elif scope == DischargeScope.THIS_TRACK and kind in LEVEL_OF_CARE_CHANGES:
        errors["scope"] = (
            "A change in level of care ends every track: choose that treatment here ends."
        )
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
        errors[FOLLOW_UP_FIELD] = "Follow-up dates must be after the discharge date."
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
    scope: str = DischargeScope.EVERY_TRACK,
    next_provider: str = "",
    peer_groups: str = "",
    medications: str = "",
    follow_up_dates: Sequence[date] = (),
    state_details: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Discharge:
    """Discharge with a summary and continuing-care plan. Every open enrolment ends (or, with
    ``scope`` "this track only", just this one), each gets its discharge record, group
    sessions of the ended tracks not yet begun are cancelled for the patient, pending
    recommendations are superseded and alumni follow-ups are scheduled on this discharge."""
    patient = enrollment.patient
    require_clinician_for(actor, patient)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    dates = sorted(set(follow_up_dates))
    if (state_details or {}).get("other_ending") == sc.OtherEnding.DIED:
        # No alumni follow-up after a death (program policy): the dates the form filled in
        # are dropped rather than refused; the view says so in its confirmation.
        dates = []
    errors = _discharge_errors(
        enrollment,
        kind=kind,
        scope=scope,
        discharged_on=discharged_on,
        summary=summary,
        crisis_plan=crisis_plan,
        next_provider=next_provider,
        peer_groups=peer_groups,
        medications=medications,
        dates=dates,
    )
    reporting, reporting_errors = _state_details(state_details or {}, kind)
    for field, message in reporting_errors.items():
        # Both checks may speak of the follow-up dates: keep both messages.
        errors[field] = f"{errors[field]} {message}" if field in errors else message
    ending = [enrollment]
    if not errors and scope == DischargeScope.EVERY_TRACK:
        others = list(
            Enrollment.objects.select_for_update()
            .filter(patient=patient, status__in=OPEN_ENROLLMENT)
            .exclude(pk=enrollment.pk)
            .order_by("pk")
        )
        # A track not begun yet (its start is after today, so after the discharge date too)
        # is cancelled; only the tracks that have begun must have begun by the discharge date.
        today = timezone.localdate()
        late = [e for e in others if discharged_on < e.starts_on <= today]
        if late:
            errors["discharged_on"] = (
                "Another track began after this date: choose a date on or after "
                f"{max(e.starts_on for e in late):%Y-%m-%d}."
            )
        ending += others
    if errors:
        raise ValidationError(errors)
    cancelled_tracks = {e.pk for e in ending if e.starts_on > discharged_on}
    now = timezone.now()
    content = {
        "kind": kind,
        "scope": scope,
        "discharged_on": discharged_on,
        "summary": summary.strip(),
        "next_provider": (next_provider or "").strip(),
        "peer_groups": (peer_groups or "").strip(),
        "medications": (medications or "").strip(),
        "crisis_plan": crisis_plan.strip(),
        "recorded_by": actor,
        "recorded_at": now,
        **reporting,
    }
    discharges = [
        Discharge.objects.create(enrollment=e, patient=patient, **content) for e in ending
    ]
    discharge = discharges[0]
    AlumniFollowUp.objects.bulk_create(
        [AlumniFollowUp(discharge=discharge, patient=patient, due_on=d) for d in dates]
    )
    for e in ending:
        e.status = EnrollmentStatus.DISCHARGED
        e.ends_on = e.starts_on if e.pk in cancelled_tracks else discharged_on
        e.save(update_fields=["status", "ends_on"])
    TaperRecommendation.objects.filter(
        enrollment__in=ending, status=RecommendationStatus.PENDING
    ).update(status=RecommendationStatus.SUPERSEDED)
    cancelled = _cancel_coming_sessions(
        patient.pk, now, None if scope == DischargeScope.EVERY_TRACK else enrollment.track_id
    )
    for d in discharges:
        record(
            actor,
            AuditAction.ADD,
            patient,
            d,
            [
                "kind",
                "scope",
                "summary",
                "continuing_care",
                "follow_ups",
                *sorted(k for k, v in reporting.items() if v not in ("", None)),
            ],
            request,
        )
    for e in ending:
        record(
            actor,
            AuditAction.CHANGE,
            patient,
            e,
            ["status", "ends_on"],
            request,
            detail=(
                f"discharge: not begun by {discharged_on:%Y-%m-%d} (start {e.starts_on:%Y-%m-%d}), "
                "so the enrolment is cancelled"
                if e.pk in cancelled_tracks
                else ""
            ),
        )
    if cancelled:
        record(
            actor,
            AuditAction.DELETE,
            patient,
            discharge,
            ["session_assignments"],
            request,
            detail=f"discharge: {cancelled} group sessions not yet begun cancelled for the patient",
        )
    return discharge


# An ending that contradicts a completed program (SAMHSA TEDS State Instruction Manual v3.2,
# "Reason for discharge": completed treatment, incarcerated and death are separate reasons).
NOT_WITH_COMPLETED = {
    sc.OtherEnding.DIED.value: "died",
    sc.OtherEnding.INCARCERATED.value: "went to jail or prison",
}
# Arrests asked about: a count over 30 days (the state's code list goes to 96; program policy
# asks a sensible question, one arrest a day at most).
ARRESTS_MAX = 30


def _state_details(
    given: Mapping[str, Any], discharge_kind: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The discharge's optional answers for the state's treatment episode report, checked:
    each choice one of its list, arrests 0-30, and no ending that contradicts the type of
    discharge (completed the program, yet died or went to jail)."""
    choices: dict[str, type[models.TextChoices]] = {
        "other_ending": sc.OtherEnding,
        "employment": sc.Employment,
        "not_in_labor_force": sc.NotInLaborForce,
        "living": sc.Living,
        "frequency_1": sc.UseFrequency,
        "frequency_2": sc.UseFrequency,
        "frequency_3": sc.UseFrequency,
        "self_help_30d": sc.SelfHelp,
    }
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, kind in choices.items():
        value = given.get(name) or ""
        if value and value not in kind.values:
            errors[name] = "Choose one of the list."
        values[name] = value
    arrests = given.get("arrests_30d")
    if arrests is not None and not (isinstance(arrests, int) and 0 <= arrests <= ARRESTS_MAX):
        errors["arrests_30d"] = f"Give a number from 0 to {ARRESTS_MAX}."
    values["arrests_30d"] = arrests
    if values["not_in_labor_force"] and values["employment"] != "not_in_labor_force":
        errors["not_in_labor_force"] = "Only for someone not looking for work."
    ending = values["other_ending"]
    if discharge_kind == DischargeType.COMPLETED and ending in NOT_WITH_COMPLETED:
        errors["other_ending"] = (
            f"The type of discharge says the patient completed the program, so they cannot "
            f"also have {NOT_WITH_COMPLETED[ending]} as the reason treatment ended: change one "
            "of the two."
        )
    return values, errors


def _cancel_coming_sessions(patient_id: int, now: datetime, track_id: int | None) -> int:
    """Take the patient off group sessions that have not begun (of one track, or all); the
    sessions themselves go on for the others. Returns how many places were cancelled."""
    coming: dict[str, Any] = {"patient_id": patient_id, "session__starts_at__gt": now}
    if track_id is not None:
        coming["session__track_id"] = track_id
    assigned, _ = SessionAssignment.objects.filter(**coming).delete()
    dropped, _ = DropIn.objects.filter(**coming).delete()
    return assigned + dropped


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


@service
def age_out_review_record(
    *,
    actor: User,
    enrollment: Enrollment,
    note: str,
    request: HttpRequest | None = None,
) -> AgeOutReview:
    """Record a clinician's review of an adolescent track for a patient who has turned 18: what
    was decided and why. The enrolment is not changed (moving the patient is an admission to
    another track and a discharge from this one, each its own step)."""
    patient = enrollment.patient
    require_clinician_for(actor, patient)
    enrollment = (
        Enrollment.objects.select_for_update().select_related("track").get(pk=enrollment.pk)
    )
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if enrollment.status not in OPEN_ENROLLMENT:
        errors["__all__"] = "This enrolment is already discharged."
    elif not ageout.is_adolescent_track(enrollment.track.kind, enrollment.track.max_age):
        errors["__all__"] = "This track is not an adolescent track."
    elif not ageout.is_adult_on(patient.date_of_birth, today):
        errors["__all__"] = (
            f"The patient turns 18 on {ageout.adult_on(patient.date_of_birth):%Y-%m-%d}; "
            "the review is due from that day."
        )
    elif AgeOutReview.objects.filter(enrollment=enrollment).exists():
        errors["__all__"] = "This enrolment has already been reviewed."
    if len((note or "").strip()) < 10:
        errors["note"] = "Say what was decided and why (at least 10 characters)."
    elif len(note.strip()) > 4000:
        errors["note"] = "Keep this under 4000 characters."
    if errors:
        raise ValidationError(errors)
    review = AgeOutReview.objects.create(
        enrollment=enrollment, note=note.strip(), reviewed_by=actor, reviewed_at=timezone.now()
    )
    record(actor, AuditAction.ADD, patient, review, ["note"], request, detail="age-out review")
    return review


def default_follow_up_dates(discharged_on: date) -> list[date]:
    """Alumni check-ins at about 1, 3, 6 and 12 months (program practice, not a standard)."""
    return [discharged_on + timedelta(days=d) for d in (30, 91, 182, 365)]
