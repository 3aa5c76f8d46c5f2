"""The discharge form's answers for the state's report: optional, saved on every discharge
record, checked (no ending that contradicts a completed program), and no alumni follow-up
after a death (the dates are dropped)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.care.models import AlumniFollowUp, Discharge
from openiop.care.tests.factories import enrol, today
from openiop.core.testing import World, login

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


BASE = {
    "kind": "administrative",
    "scope": "every_track",
    "summary": "Treatment ended; summary written for the record.",
    "crisis_plan": "Call 988 or go to the nearest emergency room.",
}


def test_discharge_without_state_answers_still_works(client: Client, world: World) -> None:
    e = enrol(world)
    login(client, world.counselor_a1)
    response = client.post(
        reverse("care:discharge", args=[world.patient_a1.pk, e.pk]),
        {
            **BASE,
            "discharged_on": today().isoformat(),
            "follow_up_1": (today() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    d = Discharge.objects.get(enrollment=e)
    assert (d.other_ending, d.employment, d.arrests_30d) == ("", "", None)
    assert AlumniFollowUp.objects.filter(discharge=d).count() == 1


def test_state_answers_are_saved(client: Client, world: World) -> None:
    e = enrol(world)
    login(client, world.counselor_a1)
    response = client.post(
        reverse("care:discharge", args=[world.patient_a1.pk, e.pk]),
        {
            **BASE,
            "discharged_on": today().isoformat(),
            "other_ending": "incarcerated",
            "employment": "not_in_labor_force",
            "not_in_labor_force": "institution",
            "living": "dependent",
            "frequency_1": "none",
            "arrests_30d": "1",
            "self_help_30d": "none",
        },
    )
    assert response.status_code == 302
    d = Discharge.objects.get(enrollment=e)
    assert (d.other_ending, d.not_in_labor_force, d.living, d.frequency_1, d.arrests_30d) == (
        "incarcerated",
        "institution",
        "dependent",
        "none",
        1,
    )


def test_a_death_drops_the_follow_up_dates_and_says_so(client: Client, world: World) -> None:
    e = enrol(world)
    login(client, world.counselor_a1)
    url = reverse("care:discharge", args=[world.patient_a1.pk, e.pk])
    # The four dates the form fills in are left as they are (one even before the discharge).
    dates = {
        f"follow_up_{i}": (today() + timedelta(days=days)).isoformat()
        for i, days in ((1, -1), (2, 91), (3, 182), (4, 365))
    }
    response = client.post(
        url,
        {**BASE, "discharged_on": today().isoformat(), "other_ending": "died", **dates},
        follow=True,
    )
    assert response.redirect_chain
    d = Discharge.objects.get(enrollment=e)
    assert d.other_ending == "died" and not AlumniFollowUp.objects.filter(discharge=d).exists()
    assert (
        "No alumni follow-up is scheduled after a death: the follow-up dates were dropped."
        in response.content.decode()
    )


def test_bad_answers_are_422(client: Client, world: World) -> None:
    e = enrol(world)
    login(client, world.counselor_a1)
    url = reverse("care:discharge", args=[world.patient_a1.pk, e.pk])
    response = client.post(url, {**BASE, "discharged_on": today().isoformat(), "arrests_30d": "31"})
    assert response.status_code == 422
    assert response.context["form"].errors["arrests_30d"] == [
        "Ensure this value is less than or equal to 30."
    ]
    assert not Discharge.objects.exists()


@pytest.mark.parametrize(("ending", "words"), [("died", "died"), ("incarcerated", "jail")])
def test_completed_the_program_with_death_or_jail_is_refused(
    client: Client, world: World, ending: str, words: str
) -> None:
    e = enrol(world)
    login(client, world.counselor_a1)
    response = client.post(
        reverse("care:discharge", args=[world.patient_a1.pk, e.pk]),
        {**BASE, "kind": "completed", "discharged_on": today().isoformat(), "other_ending": ending},
    )
    assert response.status_code == 422
    (message,) = response.context["form"].errors["other_ending"]
    assert message.startswith("The type of discharge says the patient completed the program")
    assert words in message
    assert not Discharge.objects.exists()


def test_the_use_question_names_the_substance_recorded_at_admission(
    client: Client, world: World
) -> None:
    from openiop.intake.models import Admission, StateReportingDetails

    e = enrol(world)
    login(client, world.counselor_a1)
    url = reverse("care:discharge", args=[world.patient_a1.pk, e.pk])
    assert "Use of the main substance, past month" in client.get(url).content.decode()
    admission = Admission.objects.create(
        patient=world.patient_a1,
        program=world.program_a1,
        primary_counselor=world.counselor_a1,
        starts_on=e.starts_on,
        admitted_at=NOW - timedelta(weeks=8),
    )
    admission.enrollments.add(e)
    StateReportingDetails.objects.create(
        admission=admission,
        substance_1="alcohol",
        substance_2="cocaine",
        updated_by=world.counselor_a1,
        updated_at=NOW,
    )
    page = client.get(url).content.decode()
    assert "Use of alcohol in the last 30 days" in page
    assert "Use of cocaine or crack in the last 30 days" in page
    assert "Use of the third substance, past month" in page
