"""Reads of the appointments pages and the chart tab, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.appointments import planning
from openiop.appointments.access import (
    appointments_visible_to,
    patient_shown,
    with_patient_in_scope,
)
from openiop.appointments.models import (
    Appointment,
    AppointmentType,
    PrimaryCounselor,
    TelehealthConsent,
    VideoService,
)
from openiop.core import policy
from openiop.core.policy import Action
from openiop.delivery.models import Note, NoteKind, NoteStatus
from openiop.delivery.selectors import day_window, local
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient


def zone_of(appointment: Appointment) -> ZoneInfo:
    """The appointment's wall clock: its site's zone, else the patient's site's."""
    site = appointment.site or appointment.patient.site
    return ZoneInfo(site.timezone)


@dataclass(frozen=True)
class Row:
    appointment: Appointment
    start: datetime  # naive site-local wall clock, for display
    end: datetime
    zone: str
    # False: the patient is outside the user's scope (the appointment is theirs): not named.
    in_scope: bool = True


def row_of(a: Appointment, *, in_scope: bool = True) -> Row:
    zone = zone_of(a)
    return Row(a, local(a.starts_at, zone), local(a.ends_at, zone), zone.key, in_scope)


def day_rows(user: User, day: date, *, mine: bool) -> list[Row]:
    """The appointments of a local day the user may see (mine: those with the user), cancelled
    ones included, in start order, each marked whether its patient is in the user's scope:
    one query."""
    start, end = day_window(day)
    rows = (
        appointments_visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("patient__site", "site", "staff")
        .order_by("starts_at", "pk")
    )
    if mine:
        rows = rows.filter(staff_id=user.pk)
    rows = with_patient_in_scope(rows, user)
    out = [row_of(a, in_scope=patient_shown(a)) for a in rows]
    return [r for r in out if r.start.date() == day]


def clinicians(organization_id: int) -> QuerySet[User]:
    """Active staff of the organization whose role delivers appointments (writes notes), with
    their profiles (the prescriber flag)."""
    return (
        User.objects.filter(
            organization_id=organization_id,
            is_active=True,
            role__in=policy.roles_for(Action.NOTE_WRITE),
        )
        .select_related("staff_profile")
        .order_by("last_name", "first_name", "pk")
    )


def types_offered(patient: Patient) -> list[AppointmentType]:
    """The appointment types the patient's active enrolments call for, one per kind."""
    tracks = list(
        Enrollment.objects.filter(patient=patient, status=EnrollmentStatus.ACTIVE).values_list(
            "track__program_id", "track_id"
        )
    )
    return planning.types_for(planning.applicable_types(int(patient.organization_id)), tracks)


def current_consent(patient: Patient) -> TelehealthConsent | None:
    return (
        TelehealthConsent.objects.filter(patient=patient, revoked_at__isnull=True)
        .select_related("recorded_by")
        .first()
    )


def video_service(organization_id: int) -> VideoService | None:
    return VideoService.objects.filter(organization_id=organization_id).first()


def primary_history(patient: Patient) -> list[PrimaryCounselor]:
    """Every primary counselor of the patient, newest first (the current one has no end)."""
    return list(
        PrimaryCounselor.objects.filter(patient=patient).select_related("counselor", "assigned_by")
    )


def current_primary(patient: Patient) -> PrimaryCounselor | None:
    return (
        PrimaryCounselor.objects.filter(patient=patient, ended_at__isnull=True)
        .select_related("counselor")
        .first()
    )


WEEKS_BACK = 8


def patient_rows(patient: Patient, *, now: datetime | None = None) -> tuple[list[Row], list[Row]]:
    """The patient's upcoming appointments and those of the last eight weeks (newest first),
    with their staff and notes: one query."""
    now = now or timezone.now()
    rows = (
        Appointment.objects.filter(
            patient=patient, starts_at__gte=now - timedelta(weeks=WEEKS_BACK)
        )
        .select_related("patient__site", "site", "staff", "note")
        .order_by("starts_at", "pk")
    )
    upcoming: list[Row] = []
    past: list[Row] = []
    for a in rows:
        (upcoming if a.ends_at >= now else past).append(row_of(a))
    past.reverse()
    return upcoming, past


@dataclass(frozen=True)
class MedicationChange:
    note: Note
    day: date
    prescriber: Any
    changes: list[str]
    medications: list[str]


def _lines(value: object) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def medication_changes(patient: Patient) -> list[MedicationChange]:
    """From the patient's signed medication management notes, newest first."""
    notes = Note.objects.filter(
        patient=patient,
        kind=NoteKind.INDIVIDUAL,
        format="med",
        status=NoteStatus.SIGNED,
    ).select_related("author", "signed_by")
    return [
        MedicationChange(
            note=n,
            day=n.service_date,
            prescriber=n.signed_by or n.author,
            changes=_lines(n.content.get("changes")),
            medications=_lines(n.content.get("medications")),
        )
        for n in notes.order_by("-service_date", "-signed_at", "-pk")
    ]
