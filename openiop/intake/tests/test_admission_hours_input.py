"""Weekly hours typed into the admission form that are not a number, or outside 0-40 h, never
break the page: the live availability warning counts the track's default hours instead, and
the admission itself is refused with the field's error (422), nothing saved."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.core.testing import World, login
from openiop.intake.models import Admission
from openiop.patients.models import Enrollment

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 4, 17, 0, tzinfo=UTC)  # Wednesday, noon in New York
BAD_HOURS = ["1e1000000", "-1e1000000", "-5", "0", "41", "abc", "NaN", "sNaN", "Infinity"]


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _post(world: World, hours: str) -> dict[str, str]:
    return {
        "program": str(world.program_a1.pk),
        f"track_{world.track_a1.pk}": "on",
        f"hours_{world.track_a1.pk}": hours,
        "starts_on": "2026-11-04",
        "primary_counselor": str(world.counselor_a1.pk),
        "notice": "paper",
        "avail_0_evening": "on",
    }


@pytest.mark.parametrize("hours", BAD_HOURS)
def test_the_live_warning_counts_the_default_hours(
    client: Client, world: World, hours: str
) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    response = client.post(url, {**_post(world, hours), "check": "1"})
    assert response.status_code == 200
    # The track's default 9 h, not the hours typed.
    assert "less than the 9 h required" in response.content.decode()
    assert not Admission.objects.exists()


@pytest.mark.parametrize("hours", BAD_HOURS)
def test_the_admission_is_refused_with_422(client: Client, world: World, hours: str) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    response = client.post(url, _post(world, hours))
    assert response.status_code == 422
    assert "less than the 9 h required" in response.content.decode()
    assert not Admission.objects.exists() and not Enrollment.objects.exists()


@pytest.mark.parametrize("hours", BAD_HOURS)
def test_the_page_opens_with_the_hours_in_the_address(
    client: Client, world: World, hours: str
) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    response = client.get(url, _post(world, hours))
    assert response.status_code == 200
