"""The discharge form's answers for the state's report: optional, saved on every discharge
record, checked, and no alumni follow-up after a death."""

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


def test_no_follow_up_after_a_death_and_bad_answers_are_422(client: Client, world: World) -> None:
    e = enrol(world)
    login(client, world.counselor_a1)
    url = reverse("care:discharge", args=[world.patient_a1.pk, e.pk])
    response = client.post(
        url,
        {
            **BASE,
            "discharged_on": today().isoformat(),
            "other_ending": "died",
            "follow_up_1": (today() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "No alumni follow-up after a death" in response.content.decode()
    response = client.post(
        url, {**BASE, "discharged_on": today().isoformat(), "arrests_30d": "200"}
    )
    assert response.status_code == 422
    assert not Discharge.objects.exists()
    response = client.post(
        url, {**BASE, "discharged_on": today().isoformat(), "other_ending": "died"}
    )
    assert response.status_code == 302
    d = Discharge.objects.get(enrollment=e)
    assert d.other_ending == "died" and not AlumniFollowUp.objects.filter(discharge=d).exists()


def test_both_follow_up_problems_show_next_to_the_dates(client: Client, world: World) -> None:
    e = enrol(world)
    login(client, world.counselor_a1)
    response = client.post(
        reverse("care:discharge", args=[world.patient_a1.pk, e.pk]),
        {
            **BASE,
            "discharged_on": today().isoformat(),
            "other_ending": "died",
            "follow_up_1": (today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["follow_up_1"] == [
        "Follow-up dates must be after the discharge date. "
        "No alumni follow-up after a death: clear the follow-up dates."
    ]
    assert not Discharge.objects.exists()
