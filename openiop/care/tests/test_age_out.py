"""A patient who turns 18 in an adolescent track is flagged for a clinician's review from the
birthday on (chart, care page, roster), until a clinician records the review. Nothing moves:
the enrolment stays as it is. A 29 February birthday counts from 1 March in a common year."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.care.discharge.services import age_out_review_record
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, TrackFactory, World, login
from openiop.delivery.tests.factories import assign, group_session
from openiop.organization.models import Track, TrackKind
from openiop.patients.models import AgeOutReview, Enrollment, EnrollmentStatus, Patient

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
BORN = date(2008, 6, 15)
BIRTHDAY = date(2026, 6, 15)
FLAG = "Turned 18 on"


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=NY)


def adolescent_track(world: World) -> Track:
    return TrackFactory.create(
        program=world.program_a1,
        name="Teens A1",
        kind=TrackKind.ADOLESCENTS,
        min_age=13,
        max_age=17,
    )


def teen(world: World, track: Track, born: date = BORN, **kw: Any) -> tuple[Patient, Enrollment]:
    patient = PatientFactory.create(
        site=world.site_a1,
        program=world.program_a1,
        first_name="Dani",
        last_name="Ferreira",
        date_of_birth=born,
        **kw,
    )
    e = EnrollmentFactory.create(patient=patient, track=track, starts_on=date(2025, 9, 1))
    return patient, e


def _pages(client: Client, patient: Patient, user: Any = None) -> dict[str, str]:
    """The chart and the care page, logged in afresh at the frozen time (a day's jump would
    end an idle session)."""
    if user is not None:
        login(client, user)
    return {
        "chart": client.get(reverse("patients:chart", args=[patient.pk])).content.decode(),
        "care": client.get(reverse("care:dashboard")).content.decode(),
    }


def test_the_flag_appears_on_the_birthday_not_the_day_before_and_nothing_moves(
    client: Client, world: World
) -> None:
    patient, e = teen(world, adolescent_track(world))
    c = world.counselor_a1
    with time_machine.travel(noon(BIRTHDAY - timedelta(days=1)), tick=False):
        pages = _pages(client, patient, c)
        assert FLAG not in pages["chart"] and FLAG not in pages["care"]
        assert "(age 17)" in pages["chart"]
    with time_machine.travel(noon(BIRTHDAY), tick=False):
        pages = _pages(client, patient, c)
        assert "Turned 18 on 2026-06-15 while in the adolescent track Teens A1" in pages["chart"]
        assert "Turned 18 in an adolescent track (1)" in pages["care"]
        assert reverse("care:age_out_review", args=[patient.pk, e.pk]) in pages["care"]
    with time_machine.travel(noon(BIRTHDAY + timedelta(days=40)), tick=False):
        assert FLAG in _pages(client, patient, c)["chart"]  # stays until reviewed
    e.refresh_from_db()
    assert e.status == EnrollmentStatus.ACTIVE and e.track.kind == TrackKind.ADOLESCENTS


@pytest.mark.parametrize(("day", "flagged"), [(date(2026, 2, 28), False), (date(2026, 3, 1), True)])
def test_a_29_february_birthday_is_flagged_on_1_march_in_a_common_year(
    client: Client, world: World, day: date, flagged: bool
) -> None:
    patient, _ = teen(world, adolescent_track(world), born=date(2008, 2, 29))
    login(client, world.counselor_a1)
    with time_machine.travel(noon(day), tick=False):
        chart = _pages(client, patient)["chart"]
    assert (FLAG in chart) is flagged
    assert ("(age 18)" in chart) is flagged


def test_an_adult_track_is_not_flagged(client: Client, world: World) -> None:
    patient, _ = teen(world, world.track_a1)
    login(client, world.counselor_a1)
    with time_machine.travel(noon(BIRTHDAY), tick=False):
        pages = _pages(client, patient)
    assert FLAG not in pages["chart"] and FLAG not in pages["care"]


def test_the_roster_flags_the_patient_on_the_birthday(client: Client, world: World) -> None:
    track = adolescent_track(world)
    patient, _ = teen(world, track)
    with time_machine.travel(noon(BIRTHDAY - timedelta(days=1)), tick=False):
        before = group_session(track=track, counselor=world.counselor_a1, day=BIRTHDAY)
        assign(before, patient)
        login(client, world.counselor_a1)
        url = reverse("delivery:roster", args=[before.pk])
        assert "Turned 18" not in client.get(url).content.decode()
    with time_machine.travel(noon(BIRTHDAY), tick=False):
        login(client, world.counselor_a1)
        assert "Turned 18: track review due" in client.get(url).content.decode()


def test_a_clinicians_review_clears_the_flag_and_changes_nothing_else(
    client: Client, world: World
) -> None:
    patient, e = teen(world, adolescent_track(world))
    login(client, world.counselor_a1)
    url = reverse("care:age_out_review", args=[patient.pk, e.pk])
    with time_machine.travel(noon(BIRTHDAY), tick=False):
        assert client.get(url).status_code == 200
        bad = client.post(url, {"note": "ok"})
        assert bad.status_code == 422 and "at least 10 characters" in bad.content.decode()
        response = client.post(
            url, {"note": "Stays in the teen track until school ends; agreed with family."}
        )
        assert response.status_code == 302
        pages = _pages(client, patient)
    assert FLAG not in pages["chart"] and FLAG not in pages["care"]
    review = AgeOutReview.objects.get(enrollment=e)
    assert review.reviewed_by == world.counselor_a1
    e.refresh_from_db()
    assert e.status == EnrollmentStatus.ACTIVE and e.ends_on is None
    assert AuditEvent.objects.filter(
        action="add", object_type="patients.ageoutreview", username="counselor_a1"
    ).exists()


def test_a_review_before_the_birthday_or_twice_is_refused(world: World) -> None:
    _, e = teen(world, adolescent_track(world))
    note = "Discussed moving to the adult track next month."
    with (
        time_machine.travel(noon(BIRTHDAY - timedelta(days=1)), tick=False),
        pytest.raises(ValidationError, match="turns 18 on 2026-06-15"),
    ):
        age_out_review_record(actor=world.counselor_a1, enrollment=e, note=note)
    with time_machine.travel(noon(BIRTHDAY), tick=False):
        age_out_review_record(actor=world.counselor_a1, enrollment=e, note=note)
        with pytest.raises(ValidationError, match="already been reviewed"):
            age_out_review_record(actor=world.counselor_a1, enrollment=e, note=note)


@pytest.mark.parametrize("who", ["counselor_a2", "counselor_b1", "frontdesk_a1"])
def test_another_sites_user_or_a_non_clinician_cannot_review(
    client: Client, world: World, who: str
) -> None:
    patient, e = teen(world, adolescent_track(world))
    user = getattr(world, who)
    with time_machine.travel(noon(BIRTHDAY), tick=False):
        with pytest.raises((PermissionDenied, Http404)):
            age_out_review_record(actor=user, enrollment=e, note="Reviewed with the family.")
        login(client, user)
        response = client.post(
            reverse("care:age_out_review", args=[patient.pk, e.pk]),
            {"note": "Reviewed with the family."},
        )
    assert response.status_code == (403 if who == "frontdesk_a1" else 404)
    assert b"Ferreira" not in response.content
    assert not AgeOutReview.objects.exists()
    assert AuditEvent.objects.filter(action="denied", username=who).count() == 2


def test_the_care_page_query_count_is_flat_with_flags(client: Client, world: World) -> None:
    track = adolescent_track(world)
    login(client, world.counselor_a1)

    def count() -> int:
        client.get(reverse("care:dashboard"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("care:dashboard")).status_code == 200
        return len(ctx.captured_queries)

    with time_machine.travel(noon(BIRTHDAY), tick=False):
        teen(world, track)
        small = count()
        for i in range(8):
            teen(world, track, born=BORN - timedelta(days=i + 1))
        large = count()
        body = client.get(reverse("care:dashboard")).content.decode()
    assert "Turned 18 in an adolescent track (9)" in body
    assert small == large, (small, large)
