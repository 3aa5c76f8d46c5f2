"""Emergency disclosures (42 CFR 2.51): recorded with who, affiliation and nature; no consent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.privacy import services
from openiop.privacy.models import Disclosure

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_an_emergency_disclosure_is_recorded_without_consent(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("privacy:emergency", args=[world.patient_a1.pk])
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "personnel": "Dr. Rivera",
            "affiliation": "Mercy General ER",
            "nature": "Unresponsive after suspected overdose",
            "information": ["diagnosis", "demographics"],
        },
    )
    assert r.status_code == 302
    d = Disclosure.objects.get()
    assert d.emergency and d.consent is None and d.channel == "emergency"
    assert d.recipient_name == "Dr. Rivera (Mercy General ER)"
    assert d.made_by == world.counselor_a1 and d.made_at == NOW
    event = AuditEvent.objects.get(action="disclose")
    assert "emergency" in event.detail


@pytest.mark.parametrize("missing", ["personnel", "affiliation", "nature"])
def test_each_emergency_detail_is_required(client: Client, world: World, missing: str) -> None:
    login(client, world.counselor_a1)
    data = {
        "personnel": "Dr. Rivera",
        "affiliation": "Mercy",
        "nature": "Overdose",
        "information": ["diagnosis"],
    }
    data.pop(missing)
    r = client.post(reverse("privacy:emergency", args=[world.patient_a1.pk]), data)
    assert r.status_code == 422 and "42 CFR 2.51(c)" in r.content.decode()
    assert not Disclosure.objects.exists()


def test_intake_coordinators_may_not_record_an_emergency_disclosure(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.emergency_disclose(
            world.intake_a1,
            world.patient_a1,
            personnel="x",
            affiliation="y",
            nature="z",
            data=["diagnosis"],
        )
    with pytest.raises(ValidationError):
        services.emergency_disclose(
            world.counselor_a1, world.patient_a1, personnel="", affiliation="", nature="", data=[]
        )
