"""Write path of peer recovery support: contacts with patients (during treatment and after
discharge, as alumni), alumni events and who attended them.

SAMHSA's advisory "Clinical Issues in Intensive Outpatient Treatment for Substance Use
Disorders" (2021, based on TIP 47) has IOP services incorporate peer services and encourage
mutual-support groups, building a recovery network that extends beyond treatment. Each public function
is one ``@service`` transaction: the policy (``support.write``) and the patient's scope are
asked again, input is checked before anything is written (a ``ValidationError`` keyed by
field), and the audit event is recorded in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.organization.access import require_program
from openiop.patients.models import OPEN_STATUSES, Enrollment
from openiop.support.models import (
    AlumniAttendance,
    AlumniEvent,
    PeerContact,
    PeerContactKind,
)
from openiop.support.needs.services import require_support_write

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User
    from openiop.organization.models import Program
    from openiop.patients.models import Patient

MAX_MINUTES = 600


def was_discharged_on(patient: Patient, day: date) -> bool:
    """True when the patient had an enrolment that started on or before `day` but none was
    open on `day` (an alumni contact). An enrolment is open on a day from its start to its
    end (the discharge day counts as in treatment); an open one without an end is open."""
    started = Enrollment.objects.filter(patient=patient, starts_on__lte=day)
    if not started.exists():
        return False
    open_that_day = started.filter(
        Q(ends_on__gte=day) | Q(ends_on__isnull=True, status__in=OPEN_STATUSES)
    )
    return not open_that_day.exists()


@service
def peer_contact_record(
    *,
    actor: User,
    patient: Patient,
    contacted_on: date,
    kind: str,
    minutes: int | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> PeerContact:
    """Log one contact between the actor and the patient. A contact after discharge (no open
    enrolment that day, one before it) is marked as an alumni contact."""
    require_support_write(actor, patient, request)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if kind not in PeerContactKind.values:
        errors["kind"] = "Choose how you were in touch."
    if contacted_on > today:
        errors["contacted_on"] = "The day of the contact cannot be in the future."
    elif contacted_on < patient.date_of_birth:
        errors["contacted_on"] = "The day cannot be before the patient was born."
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = (
            f"Give the length in minutes, from 1 to {MAX_MINUTES}, or leave it blank."
        )
    if len(note) > 2000:
        errors["note"] = "Keep the note under 2000 characters."
    if errors:
        raise ValidationError(errors)
    contact = PeerContact.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        staff=actor,
        contacted_on=contacted_on,
        kind=kind,
        minutes=minutes,
        note=note.strip(),
        after_discharge=was_discharged_on(patient, contacted_on),
        recorded_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=contact,
        fields=["contacted_on", "kind", "minutes", "note"],
        request=request,
        detail="peer contact logged" + (" (alumni)" if contact.after_discharge else ""),
    )
    return contact


def _require_program(actor: User, program: Program, request: HttpRequest | None) -> None:
    require_program(actor, program, Action.SUPPORT_WRITE, request=request, what="alumni write")


@service
def alumni_event_create(
    *,
    actor: User,
    program: Program,
    title: str,
    starts_at: datetime,
    place: str = "",
    description: str = "",
    request: HttpRequest | None = None,
) -> AlumniEvent:
    """Create an alumni event of one of the actor's programs."""
    _require_program(actor, program, request)
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = "Give the event a name."
    elif len(title) > 200:
        errors["title"] = "Keep the name under 200 characters."
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = "Give the day and time the event starts."
    if len(place) > 300:
        errors["place"] = "Keep the place under 300 characters."
    if len(description) > 1000:
        errors["description"] = "Keep the description under 1000 characters."
    if errors:
        raise ValidationError(errors)
    event = AlumniEvent.objects.create(
        organization_id=program.site.organization_id,
        program=program,
        title=title,
        starts_at=starts_at,
        place=place.strip(),
        description=description.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=event,
        fields=["title", "starts_at", "place", "description"],
        request=request,
        detail="alumni event created",
        part2=False,
    )
    return event


def is_alumnus(patient: Patient, program: Program) -> bool:
    """Discharged from the program: an enrolment in one of its tracks ended, none is open."""
    enrolments = Enrollment.objects.filter(patient=patient)
    return (
        enrolments.filter(track__program=program).exists()
        and not enrolments.filter(status__in=OPEN_STATUSES).exists()
    )


@service
def alumni_attendance_record(
    *,
    actor: User,
    event: AlumniEvent,
    patient: Patient,
    request: HttpRequest | None = None,
) -> AlumniAttendance:
    """Record that a former patient of the event's program came to the event (once)."""
    _require_program(actor, event.program, request)
    require_support_write(actor, patient, request)
    errors: dict[str, str] = {}
    if patient.organization_id != event.organization_id or not is_alumnus(patient, event.program):
        errors["patient"] = "Choose someone who finished treatment in this program."
    elif AlumniAttendance.objects.filter(event=event, patient=patient).exists():
        errors["patient"] = "This person is already on the list for this event."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():  # two staff adding the same person at once
            attendance = AlumniAttendance.objects.create(
                event=event, patient=patient, recorded_by=actor, recorded_at=timezone.now()
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"patient": "This person is already on the list for this event."}
        ) from exc
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=attendance,
        fields=["event"],
        request=request,
        detail=f"alumni event attendance recorded (event {event.pk})",
    )
    return attendance


@service
def alumni_attendance_remove(
    *, actor: User, attendance: AlumniAttendance, request: HttpRequest | None = None
) -> AlumniEvent:
    """Undo an attendance recorded by mistake. Returns the event."""
    locked = (
        AlumniAttendance.objects.select_for_update()
        .select_related("event__program__site", "patient")
        .filter(pk=attendance.pk)
        .first()
    )
    if locked is None:
        raise ValidationError({"__all__": "This attendance was already removed."})
    _require_program(actor, locked.event.program, request)
    require_support_write(actor, locked.patient, request)
    event, patient, pk = locked.event, locked.patient, locked.pk
    locked.delete()
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        patient=patient,
        object_type="support.alumniattendance",
        object_id=str(pk),
        fields=["event"],
        request=request,
        detail=f"alumni event attendance removed (event {event.pk})",
    )
    return event
