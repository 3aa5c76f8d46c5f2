"""Factories and small builders for the locator tests."""

from __future__ import annotations

import time
from datetime import time as clock
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from openiop.core.testing import EnrollmentFactory, PatientFactory
from openiop.locator import antispam
from openiop.locator.codes import CareType, Payment, Population
from openiop.locator.models import Facility, FacilitySource, HoursBasis
from openiop.organization.models import (
    Program,
    StaffAvailability,
    StaffProfile,
    Track,
    TrackKind,
)

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
) -> Track:
    """An adolescent track in `program`, `enrolled` active enrolments, and a staff member of
    the program available on Tuesday afternoons into the evening (and on Saturdays)."""
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
    from openiop.accounts.models import Role
    from openiop.core.testing import make_staff

    user = make_staff(
        f"staff_{program.pk}_{Track.objects.count()}",
        Role.COUNSELOR,
        program.site.organization,
        sites=[program.site],
        programs=[program],
    )
    profile = StaffProfile.objects.get(user=user)
    StaffAvailability.objects.create(
        staff=profile, weekday=1, start=clock(15), end=clock(21) if evening else clock(17)
    )
    if saturday:
        StaffAvailability.objects.create(staff=profile, weekday=5, start=clock(9), end=clock(13))
    return track


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
