# mypy: disable-error-code="no-untyped-call"
"""Small factories for delivery tests: a published week, group sessions and assignments,
created directly in the database (without going through the scheduling screens)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openiop.accounts.models import User
from openiop.core.testing import EnrollmentFactory, PatientFactory, RoomFactory
from openiop.delivery.hours import monday_of
from openiop.organization.models import Organization, Room, Site, Track
from openiop.patients.models import Enrollment, Patient
from openiop.scheduling.models import (
    GroupSession,
    ScheduleWeek,
    SessionAssignment,
    WeekStatus,
)


def published_week(organization: Organization, week_start: date) -> ScheduleWeek:
    week, _ = ScheduleWeek.objects.get_or_create(
        organization=organization,
        week_start=monday_of(week_start),
        revision=1,
        defaults={"status": WeekStatus.PUBLISHED},
    )
    return week


def room_at(site: Site, *, virtual: bool = False, capacity: int = 12) -> Room:
    if virtual:
        return Room.objects.create(
            organization=site.organization,
            name=f"Virtual {Room.objects.count()}",
            capacity=capacity,
            virtual=True,
        )
    return RoomFactory.create(site=site, organization=site.organization, capacity=capacity)


def group_session(
    *,
    track: Track,
    counselor: User,
    day: date,
    start: time = time(18, 0),
    hours: float = 3,
    room: Room | None = None,
    site: Site | None = None,
    topic: str = "Coping with cravings",
    **extra: Any,
) -> GroupSession:
    """A session at `start` local time (the track's site zone) on `day`, in a published week."""
    site = site or track.program.site
    zone = ZoneInfo(site.timezone)
    starts_at = datetime.combine(day, start, tzinfo=zone)
    room = room or room_at(site)
    return GroupSession.objects.create(
        week=published_week(track.program.site.organization, day),
        organization=track.program.site.organization,
        site=None if room.virtual else site,
        track=track,
        room=room,
        counselor=counselor,
        block_id=f"b{day.isoformat()}-{start:%H%M}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        topic=topic,
        **extra,
    )


def enrolled_patient(
    track: Track,
    *,
    hours: str = "9",
    starts_on: date = date(2026, 1, 1),
    **patient: Any,
) -> Patient:
    site = track.program.site
    person = PatientFactory.create(site=site, organization=site.organization, **patient)
    EnrollmentFactory.create(
        patient=person, track=track, starts_on=starts_on, required_weekly_hours=Decimal(hours)
    )
    return person


def assign(session: GroupSession, *patients: Patient) -> None:
    SessionAssignment.objects.bulk_create(
        [SessionAssignment(session=session, patient=p) for p in patients]
    )


def enrollment_of(patient: Patient) -> Enrollment:
    return Enrollment.objects.get(patient=patient)
