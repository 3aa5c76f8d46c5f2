"""Reads of peer recovery support: a patient's peer contacts, a staff member's own contacts,
mutual-help meetings by week, alumni events and who came; and the getters of an alumni event
and of an attendance (scope first: 404, then role: 403, both audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum

from openiop.care.models import PeerMeetingWeek
from openiop.core import access, policy
from openiop.core.policy import Action
from openiop.organization.selectors import programs_for_user
from openiop.patients.models import OPEN_STATUSES, Enrollment, Patient
from openiop.support.models import AlumniAttendance, AlumniEvent, PeerContact

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User
    from openiop.organization.models import Program

MY_CONTACT_DAYS = 60
WEEKS_SHOWN = 8


def patient_contacts(patient: Patient) -> QuerySet[PeerContact]:
    """The patient's peer contacts, newest first, with who made them."""
    return PeerContact.objects.filter(patient=patient).select_related("staff")


def my_contacts(user: User, *, today: date) -> QuerySet[PeerContact]:
    """The user's own contacts of the last `MY_CONTACT_DAYS` days with patients still in
    their scope, newest first (one query)."""
    return (
        PeerContact.objects.filter(
            staff=user,
            organization_id=access.organization_id(user),
            contacted_on__gte=today - timedelta(days=MY_CONTACT_DAYS),
            patient__in=Patient.objects.filter(access.visible_patients_filter(user)).values("pk"),
        )
        .select_related("patient")
        .order_by("-contacted_on", "-id")
    )


@dataclass(frozen=True)
class MeetingWeek:
    week_start: date
    total: int | None
    """Meetings that week; None when nothing was recorded (not recorded is not zero)."""


def meeting_weeks(patient: Patient, *, today: date) -> list[MeetingWeek]:
    """Mutual-help meetings of the last `WEEKS_SHOWN` weeks (this one included), summed by
    week, newest first; one query. A week without a record has no total."""
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=WEEKS_SHOWN - 1)
    totals = dict(
        PeerMeetingWeek.objects.filter(patient=patient, week_start__gte=first)
        .values("week_start")
        .annotate(n=Sum("count"))
        .values_list("week_start", "n")
    )
    weeks = (this_monday - timedelta(weeks=i) for i in range(WEEKS_SHOWN))
    return [MeetingWeek(w, totals.get(w)) for w in weeks]


def attended_events(patient: Patient) -> QuerySet[AlumniAttendance]:
    return (
        AlumniAttendance.objects.filter(patient=patient)
        .select_related("event__program")
        .order_by("-event__starts_at", "-id")
    )


def events_for_user(user: User) -> QuerySet[AlumniEvent]:
    """Alumni events of the user's programs (the organization's for directors), newest
    first, with how many came."""
    return (
        AlumniEvent.objects.filter(
            organization_id=access.organization_id(user),
            program__in=programs_for_user(user).values("pk"),
        )
        .select_related("program__site")
        .annotate(attended=Count("attendance"))
        .order_by("-starts_at", "id")
    )


def event_for(
    user: User, pk: int, *, action: Action, request: HttpRequest | None = None
) -> AlumniEvent:
    """The event if it belongs to one of the user's programs (else 404) and the role allows
    `action` (else 403); both refusals audited."""
    access.require_verified_staff(user)
    event = events_for_user(user).filter(pk=pk).first()
    if event is None:
        raise access.not_found(user, "support.alumnievent", pk, request=request)
    policy.require(
        user, action, request=request, object_type="support.alumnievent", object_id=str(pk)
    )
    return event


def attendance_for(
    user: User, pk: int, *, action: Action, request: HttpRequest | None = None
) -> AlumniAttendance:
    """An attendance of an event of the user's programs whose patient is in the user's scope
    (else 404), if the role allows `action` (else 403); both refusals audited."""
    access.require_verified_staff(user)
    found = (
        AlumniAttendance.objects.filter(
            pk=pk,
            event__organization_id=access.organization_id(user),
            event__program__in=programs_for_user(user).values("pk"),
        )
        .select_related("event__program__site")
        .first()
    )
    if found is None:
        raise access.not_found(user, "support.alumniattendance", pk, request=request)
    found.patient = access.patient_for(user, found.patient_id, action=action, request=request)
    return found


def alumni_of(program: Program, user: User) -> QuerySet[Patient]:
    """Patients in the user's scope discharged from `program`: an enrolment in one of its
    tracks, and no open enrolment anywhere."""
    return (
        Patient.objects.filter(access.visible_patients_filter(user))
        .filter(
            Exists(Enrollment.objects.filter(patient=OuterRef("pk"), track__program=program)),
            ~Exists(Enrollment.objects.filter(patient=OuterRef("pk"), status__in=OPEN_STATUSES)),
        )
        .order_by("last_name", "first_name", "pk")
    )


def attendees(event: AlumniEvent, user: User) -> tuple[list[AlumniAttendance], int]:
    """Who came, among the patients in the user's scope, and how many others came."""
    rows = list(
        AlumniAttendance.objects.filter(event=event)
        .select_related("patient", "recorded_by")
        .annotate(
            visible=Exists(
                Patient.objects.filter(access.visible_patients_filter(user)).filter(
                    pk=OuterRef("patient_id")
                )
            )
        )
        .order_by("patient__last_name", "patient__first_name", "id")
    )
    shown: list[AlumniAttendance] = [r for r in rows if r.visible]
    return shown, len(rows) - len(shown)
