"""Reads of the family portal: the family sessions of the patient's program and the
patient's attendance yes/no, nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from openiop.delivery.hours import attended_sessions
from openiop.domain.compliance.model import ABSENCES
from openiop.organization.models import Program
from openiop.patients.models import OPEN_STATUSES, Enrollment, Patient
from openiop.portal.models import FamilyEvent

SCHEDULE_WEEKS = 8  # program policy: how far ahead the family portal shows family sessions
ATTENDANCE_DAYS = 14  # program policy: the last two weeks of attendance
ABSENT = frozenset(str(s) for s in ABSENCES)


@dataclass(frozen=True)
class EventLine:
    title: str
    starts: datetime  # in the site's time zone
    ends: datetime
    where: str


@dataclass(frozen=True)
class AttendanceLine:
    day: date
    attended: bool


def zone_of(patient: Patient) -> ZoneInfo:
    return ZoneInfo(patient.site.timezone or "UTC")


def family_schedule(patient: Patient, now: datetime | None = None) -> list[EventLine]:
    """Family events of the patient's programs (the registration program and those of open
    enrolments; for everyone) or of this patient, not cancelled, from now to eight weeks
    ahead, in the site's time zone."""
    now = now or timezone.now()
    zone = zone_of(patient)
    programs = set(
        Enrollment.objects.filter(patient=patient, status__in=OPEN_STATUSES).values_list(
            "track__program_id", flat=True
        )
    )
    if patient.program_id:
        programs.add(patient.program_id)
    which = Q(patient=patient) | Q(program_id__in=sorted(programs), patient__isnull=True)
    rows = FamilyEvent.objects.filter(
        which,
        cancelled_at__isnull=True,
        ends_at__gt=now,
        starts_at__lt=now + timedelta(weeks=SCHEDULE_WEEKS),
    ).order_by("starts_at", "pk")
    return [
        EventLine(e.title, e.starts_at.astimezone(zone), e.ends_at.astimezone(zone), e.where)
        for e in rows
    ]


def recent_attendance(patient: Patient, today: date) -> list[AttendanceLine]:
    """Attended or not, per group session of the last two weeks (no times, no notes)."""
    rows = attended_sessions(patient, today - timedelta(days=ATTENDANCE_DAYS - 1), today)
    return [AttendanceLine(r.day, r.status not in ABSENT) for r in rows]


@dataclass(frozen=True)
class ProgramEvents:
    upcoming: list[FamilyEvent]
    past_or_cancelled: list[FamilyEvent]


def program_events(program: Program, now: datetime | None = None) -> ProgramEvents:
    """A program's program-wide family events for staff: upcoming ones, then the last 30
    days' and the cancelled ones."""
    now = now or timezone.now()
    rows = list(
        FamilyEvent.objects.filter(
            program=program, patient__isnull=True, ends_at__gte=now - timedelta(days=30)
        )
        .select_related("created_by")
        .order_by("starts_at", "pk")
    )
    upcoming = [e for e in rows if e.cancelled_at is None and e.ends_at > now]
    rest = [e for e in rows if e not in upcoming]
    return ProgramEvents(upcoming, rest)
