"""The program's Part 2 notice (42 CFR 2.22): its text, recording that it was given."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.privacy import services
from openiop.privacy.models import NoticeGiven
from openiop.privacy.notice import NOTICE_VERSION

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_notice_page_shows_the_regulation_header(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    r = client.get(reverse("privacy:notice", args=[world.patient_a1.pk]))
    body = r.content.decode()
    assert r.status_code == 200
    assert "Notice of Privacy Practices of" in body
    assert "HOW HEALTH INFORMATION ABOUT YOU MAY BE USED AND DISCLOSED" in body
    assert "42 CFR 2.25" in body and "Secretary" in body


def test_recording_the_notice_through_the_page(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    url = reverse("privacy:notice", args=[world.patient_a1.pk])
    r = client.post(url, {"method": "read_aloud", "given_on": "2026-11-16", "acknowledged": "on"})
    assert r.status_code == 302
    n = NoticeGiven.objects.get()
    assert (n.version, n.method, n.acknowledged, n.given_by) == (
        NOTICE_VERSION,
        "read_aloud",
        True,
        world.intake_a1,
    )
    assert AuditEvent.objects.filter(action="add", object_type="privacy.noticegiven").count() == 1
    r = client.get(reverse("privacy:consents", args=[world.patient_a1.pk]))
    assert "Read aloud and given on paper" in r.content.decode()


def test_a_notice_without_method_or_in_the_future_is_refused(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    url = reverse("privacy:notice", args=[world.patient_a1.pk])
    assert client.post(url, {"given_on": "2026-11-16"}).status_code == 422
    assert client.post(url, {"method": "paper", "given_on": "2026-11-17"}).status_code == 422
    with pytest.raises(ValidationError):
        services.notice_record(
            world.intake_a1,
            world.patient_a1,
            method="carrier pigeon",
            given_on=date(2026, 11, 16),
            acknowledged=False,
        )
    assert not NoticeGiven.objects.exists()


def test_admission_records_the_notice_given(client: Client, world: World) -> None:
    from openiop.intake.models import Admission

    login(client, world.counselor_a1)
    data = {
        "program": str(world.program_a1.pk),
        f"track_{world.track_a1.pk}": "on",
        f"hours_{world.track_a1.pk}": "9",
        "starts_on": "2026-11-16",
        "primary_counselor": str(world.counselor_a1.pk),
        "avail_0_evening": "on",
        "avail_2_evening": "on",
        "avail_5_morning": "on",
    }
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    r = client.post(url, data)
    assert r.status_code == 422 and "42 CFR Part 2 notice given" in r.content.decode()
    assert not Admission.objects.exists()
    r = client.post(url, {**data, "notice": "screen", "notice_acknowledged": "on"})
    assert r.status_code == 302
    n = NoticeGiven.objects.get(patient=world.patient_a1)
    assert (n.method, n.acknowledged, n.given_on) == ("screen", True, date(2026, 11, 16))


def test_the_chart_links_to_consents_for_clinicians_only(client: Client, world: World) -> None:
    url = reverse("patients:chart", args=[world.patient_a1.pk])
    link = reverse("privacy:consents", args=[world.patient_a1.pk])
    login(client, world.counselor_a1)
    assert link in client.get(url).content.decode()
    client.logout()
    login(client, world.frontdesk_a1)
    assert link not in client.get(url).content.decode()
