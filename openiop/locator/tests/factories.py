"""Factories and small builders for the locator tests."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core.testing import EnrollmentFactory, PatientFactory, RoomFactory
from openiop.locator import antispam
from openiop.locator.codes import CareType, Payment, Population
from openiop.locator.models import Facility, FacilitySource, HoursBasis
from openiop.organization.models import Program, Track, TrackKind
from openiop.scheduling.models import GroupSession, ScheduleWeek, SessionStatus, WeekStatus

HEADER = (
    "facility_id,name,street,city,state,zip,latitude,longitude,phone,website,services,"
    "accepting_new_patients,openings,evenings,weekends,last_updated"
)


class FacilityFactory(factory.django.DjangoModelFactory[Facility]):
    """An imported facility at the centroid of 01608 (Worcester) unless told otherwise."""

    class Meta:
        model = Facility

    external_id = factory.Sequence(lambda n: f"test-{n:05d}")
    source = FacilitySource.IMPORT
    name = factory.Sequence(lambda n: f"Facility {n}")
    city = "Worcester"
    state = "MA"
    zip_code = "01608"
    latitude = 42.2624
    longitude = -71.8003
    phone = "(508) 555-0100"
    care_types = CareType.INTENSIVE_OUTPATIENT.mask
    populations = Population.ADULTS.mask
    payments = Payment.PRIVATE_INSURANCE.mask
    languages = "|english|"
    hours_basis = HoursBasis.REPORTED
    accepting_new_patients = True
    last_updated = factory.LazyFunction(timezone.now)


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(
    facility_id: str = "f-1",
    name: str = "Beacon Recovery Center",
    street: str = "1 Main Street",
    city: str = "Worcester",
    state: str = "MA",
    zip_code: str = "01608",
    latitude: str = "",
    longitude: str = "",
    phone: str = "(508) 555-0142",
    website: str = "https://beacon.example.org",
    services: str = "SA OIT ADLT MD PI",
    accepting: str = "Y",
    openings: str = "4",
    evenings: str = "Y",
    weekends: str = "N",
    last_updated: str = "2026-01-15",
) -> str:
    cells = [
        facility_id,
        name,
        street,
        city,
        state,
        zip_code,
        latitude,
        longitude,
        phone,
        website,
        services,
        accepting,
        openings,
        evenings,
        weekends,
        last_updated,
    ]
    return ",".join(f'"{c}"' if "," in c else c for c in cells)


def adolescent_program(
    program: Program,
    *,
    enrolled: int = 0,
    max_group: int = 10,
    evening: bool = True,
    saturday: bool = False,
    week_of: date | None = None,
) -> Track:
    """An adolescent track in `program` with `enrolled` active enrolments and a published
    group on Tuesday, in the evening (18:00) or after school (15:00), and on Saturday morning
    if asked, in the week of `week_of` (default: this week)."""
    track = Track.objects.create(
        program=program,
        kind=TrackKind.ADOLESCENTS,
        name=f"Adolescents {program.pk}",
        min_weekly_hours=Decimal("6"),
        max_group=max_group,
        min_age=13,
        max_age=17,
    )
    for _ in range(enrolled):
        patient = PatientFactory.create(site=program.site, program=program)
        EnrollmentFactory.create(patient=patient, track=track)
    monday = _monday(week_of or timezone.localdate())
    published_group(
        track, day=monday + timedelta(days=1), start=clock(18) if evening else clock(15), hours=2
    )
    if saturday:
        published_group(track, day=monday + timedelta(days=5), start=clock(9))
    return track


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def published_group(
    track: Track,
    *,
    day: date,
    start: clock,
    hours: float = 3,
    status: str = SessionStatus.SCHEDULED,
    week_status: str = WeekStatus.PUBLISHED,
) -> GroupSession:
    """A group session of `track` at `start` local time (the site's zone) on `day`, in a
    published week of the track's organization."""
    from openiop.accounts.models import Role
    from openiop.core.testing import make_staff

    site = track.program.site
    organization = site.organization
    week, _ = ScheduleWeek.objects.get_or_create(
        organization=organization,
        week_start=_monday(day),
        revision=1,
        defaults={"status": week_status},
    )
    counselor = User.objects.filter(username=f"groups_{organization.pk}").first() or make_staff(
        f"groups_{organization.pk}", Role.COUNSELOR, organization, sites=[site]
    )
    room = RoomFactory.create(site=site, organization=organization)
    starts_at = datetime.combine(day, start, tzinfo=ZoneInfo(site.timezone))
    return GroupSession.objects.create(
        week=week,
        organization=organization,
        site=site,
        track=track,
        room=room,
        counselor=counselor,
        block_id=f"b{day.isoformat()}-{start:%H%M}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        status=status,
    )


def token_issued(seconds_ago: float) -> str:
    return antispam.issue_token(now=time.time() - seconds_ago)


def listing_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form": "listing",
        "published": "on",
        "payments": ["medicaid", "private_insurance"],
        "languages": ["english", "spanish"],
        "telehealth": "on",
        "phone": "(508) 555-0199",
        "website": "",
    }
    data.update(overrides)
    return data
