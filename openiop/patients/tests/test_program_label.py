"""A patient's program label comes from their open enrolments, not from the program they were
referred or registered for: several tracks are listed, none reads "Not enrolled". The list
keeps a constant number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.testing import (
    EnrollmentFactory,
    PatientFactory,
    ProgramFactory,
    TrackFactory,
    World,
    login,
)
from openiop.organization.models import TrackKind
from openiop.patients.models import EnrollmentStatus

pytestmark = pytest.mark.django_db


def test_labels_come_from_open_enrolments(client: Client, world: World) -> None:
    day = ProgramFactory.create(site=world.site_a1, name="Day IOP A1")
    mh = TrackFactory.create(program=day, name="Mental health", kind=TrackKind.MENTAL_HEALTH)
    alma = world.patient_a1  # registered for Evening IOP A1, enrolled in two tracks
    EnrollmentFactory.create(patient=alma, track=world.track_a1)
    EnrollmentFactory.create(patient=alma, track=mh, status=EnrollmentStatus.ON_LEAVE)
    none = PatientFactory.create(
        site=world.site_a1, program=world.program_a1, last_name="Zubiri", first_name="Noe"
    )
    done = PatientFactory.create(
        site=world.site_a1, program=world.program_a1, last_name="Yates", first_name="Ola"
    )
    EnrollmentFactory.create(
        patient=done,
        track=world.track_a1,
        status=EnrollmentStatus.DISCHARGED,
        ends_on=date(2026, 12, 1),
    )
    assert alma.program_label == "Day IOP A1: Mental health (on leave); Evening IOP A1: SUD A1"
    assert none.program_label == "Not enrolled" == done.program_label

    login(client, world.counselor_a1)
    listing = client.get(reverse("patients:list")).content.decode()
    assert "Day IOP A1: Mental health (on leave); Evening IOP A1: SUD A1" in listing
    assert listing.count("Not enrolled") == 2
    chart = client.get(reverse("patients:chart", args=[none.pk])).content.decode()
    assert "Not enrolled" in chart and "Evening IOP A1" not in chart
    search = client.post(reverse("patients:list"), {"text": "Quintero"}).content.decode()
    assert "Evening IOP A1: SUD A1" in search


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_keeps_a_constant_number_of_queries_with_enrolments(
    client: Client, world: World, count: int, django_assert_num_queries: object
) -> None:
    mh = TrackFactory.create(program=world.program_a1, kind=TrackKind.MENTAL_HEALTH)
    for p in PatientFactory.create_batch(count, site=world.site_a1, program=world.program_a1):
        EnrollmentFactory.create(patient=p, track=world.track_a1)
        EnrollmentFactory.create(patient=p, track=mh)
    login(client, world.counselor_a1)
    client.get(reverse("patients:list"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("patients:list"))
    for p in PatientFactory.create_batch(count, site=world.site_a1):
        EnrollmentFactory.create(patient=p, track=mh)
    with django_assert_num_queries(len(small)):  # type: ignore[operator]
        body = client.get(reverse("patients:list")).content.decode()
    assert body.count(f"{world.program_a1.name}: ") >= min(2 * count, 20)
