# mypy: disable-error-code="no-untyped-call"
"""Fixtures of the appointments tests: the two-organization world, a frozen Wednesday morning
in New York, the program's appointment types, a prescriber, an enrolled patient and two
appointments booked through the service.

Every test runs at `NOW` (time-machine), so none depends on the day the suite runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from openiop.accounts.models import Role, User
from openiop.appointments import services
from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentType,
    Credential,
    VideoService,
)
from openiop.core.testing import World, login, make_staff
from openiop.delivery.tests.factories import enrolled_patient
from openiop.organization.models import Program, Track
from openiop.patients.models import Patient

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 4)  # a Wednesday
NOW = datetime.combine(DAY, time(9, 0), tzinfo=NY)
NAME = "Apptzname"  # the patients' last names: must never show on a refusal


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """An aware instant at this New York wall-clock time."""
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def appointment_type(
    program: Program,
    kind: str,
    *,
    track: Track | None = None,
    minutes: int = 60,
    **extra: Any,
) -> AppointmentType:
    prescribed = kind in (AppointmentKind.MEDICATION, AppointmentKind.PSYCHIATRIC_EVALUATION)
    return AppointmentType.objects.create(
        organization=program.site.organization,
        program=program,
        track=track,
        kind=kind,
        minutes=minutes,
        credential=Credential.PRESCRIBER if prescribed else Credential.COUNSELOR,
        **extra,
    )


def make_prescriber(world: World, username: str = "prescriber_a1") -> User:
    user = make_staff(
        username,
        Role.COUNSELOR,
        world.org_a,
        sites=[world.site_a1],
        programs=[world.program_a1],
    )
    user.first_name, user.last_name = "Priya", "Prescott"
    user.save(update_fields=["first_name", "last_name"])
    profile = user.staff_profile
    profile.prescriber = True
    profile.save(update_fields=["prescriber"])
    return user


def book(
    actor: User, patient: Patient, kind: str, staff: User, starts_at: datetime, **extra: Any
) -> Appointment:
    return services.appointment_book(
        actor=actor, patient=patient, kind=kind, staff=staff, starts_at=starts_at, **extra
    )


def client_for(user: User) -> Client:
    return login(Client(), user)


@dataclass
class Setup:
    world: World
    prescriber: User
    patient: Patient
    other: Patient  # a second patient of the same track
    individual: Appointment  # 10:00-11:00 with counselor_a1
    medication: Appointment  # 13:00-13:30 with the prescriber
    types: dict[str, AppointmentType]


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(world: World, clock: Any) -> Setup:
    prescriber = make_prescriber(world)
    # The second counselor also works in the patient's program, so either may hold the
    # patient's appointments (a clinician who does not see the patient may not).
    world.counselor_a2.staff_profile.programs.add(world.program_a1)
    types = {
        kind: appointment_type(world.program_a1, kind, minutes=30 if kind == "medication" else 60)
        for kind in (
            AppointmentKind.INDIVIDUAL,
            AppointmentKind.FAMILY,
            AppointmentKind.MEDICATION,
            AppointmentKind.CASE_MANAGEMENT,
        )
    }
    patient = enrolled_patient(world.track_a1, first_name="Ada", last_name=NAME)
    other = enrolled_patient(world.track_a1, first_name="Ben", last_name=f"{NAME}two")
    VideoService.objects.create(
        organization=world.org_a,
        name="Clinic video",
        url_template="https://meet.example.org/x-{key}",
    )
    individual = book(
        world.counselor_a1, patient, AppointmentKind.INDIVIDUAL, world.counselor_a1, at(10)
    )
    medication = book(world.counselor_a1, patient, AppointmentKind.MEDICATION, prescriber, at(13))
    return Setup(world, prescriber, patient, other, individual, medication, types)
