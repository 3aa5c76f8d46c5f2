"""The program's disclosure report: scope, counts, refused disclosures, CSV, bad input,
refusals and flat query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login
from openiop.domain.consent import Recipient
from openiop.privacy import gate
from openiop.privacy.tests.test_accounting import NOW, disclose, emergency, tpo_consent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_director_sees_the_organizations_disclosures_only(world: World) -> None:
    tpo_consent(world.patient_a1, world.admin_a)
    tpo_consent(world.patient_b1, world.admin_b)
    disclose(world.patient_a1, world.counselor_a1, name="Blue River Health Plan")
    disclose(world.patient_a1, world.counselor_a1, name="Too Old Plan", at=NOW - timedelta(40))
    emergency(world.patient_a1, world.counselor_a1, NOW - timedelta(days=2))
    disclose(world.patient_b1, world.counselor_b1, name="Org B Plan")
    with pytest.raises(gate.DisclosureRefused):
        gate.disclose(
            world.patient_a1,
            recipient=Recipient("employer", "Acme Corp", ""),
            purpose="employment",
            data=["attendance"],
            channel="letter",
            description="Letter",
            actor=world.counselor_a1,
        )
    r = login(Client(), world.director_a).get(reverse("privacy:report"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "Blue River Health Plan" in body and "Org B Plan" not in body
    assert "Too Old Plan" not in body
    assert world.patient_a1.mrn in body and world.patient_a1.last_name not in body
    assert "Medical emergency" in body
    assert "Insurance claim" in body  # counts by channel
    assert "1 disclosure refused" in body and "Acme Corp" in body


def test_channel_filter_and_csv_export(world: World) -> None:
    tpo_consent(world.patient_a1, world.admin_a)
    disclose(world.patient_a1, world.counselor_a1, name="Claim Plan", channel="claim")
    disclose(world.patient_a1, world.counselor_a1, name="Fhir Plan", channel="fhir")
    client = login(Client(), world.admin_a)
    body = client.get(reverse("privacy:report"), {"channel": "fhir"}).content.decode()
    assert "Fhir Plan" in body and "Claim Plan" not in body
    r = client.get(reverse("privacy:report_csv"))
    assert r.status_code == 200
    text = b"".join(r.streaming_content).decode()  # type: ignore[attr-defined]
    assert "Claim Plan" in text and "Fhir Plan" in text and world.patient_a1.mrn in text
    assert world.patient_a1.last_name not in text
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, username="admin_a").count() == 1


def test_a_recipient_name_cannot_become_a_spreadsheet_formula(world: World) -> None:
    # OWASP "CSV injection": free text starting with = + - @ is quoted in the download.
    tpo_consent(world.patient_a1, world.admin_a)
    disclose(world.patient_a1, world.counselor_a1, name='=HYPERLINK("http://x.example")')
    r = login(Client(), world.admin_a).get(reverse("privacy:report_csv"))
    text = b"".join(r.streaming_content).decode()  # type: ignore[attr-defined]
    assert "'=HYPERLINK" in text
    assert ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text


def test_flash_messages_never_live_in_a_cookie(world: World) -> None:
    # A message can name a patient: it is kept in the server-side session.
    from django.conf import settings

    assert settings.MESSAGE_STORAGE.endswith("session.SessionStorage")


@pytest.mark.parametrize("params", [{"to": "2026-12-01"}, {"from": "x"}, {"channel": "pigeon"}])
def test_bad_filters_are_explained(world: World, params: dict[str, str]) -> None:
    r = login(Client(), world.director_a).get(reverse("privacy:report"), params)
    assert r.status_code == 400 and 'class="errorlist"' in r.content.decode()


def test_queries_stay_flat(world: World) -> None:
    tpo_consent(world.patient_a1, world.admin_a)
    client = login(Client(), world.director_a)
    disclose(world.patient_a1, world.counselor_a1)
    client.get(reverse("privacy:report"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("privacy:report"))
    for _ in range(9):
        disclose(world.patient_a1, world.director_a, channel="fhir")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("privacy:report"))
    assert len(many) == len(one)


@pytest.mark.parametrize("name", ["privacy:report", "privacy:report_csv"])
@pytest.mark.parametrize("who", ["counselor_a1", "billing_a1", "frontdesk_a1", "counselor_b1"])
def test_other_roles_are_refused(world: World, name: str, who: str) -> None:
    r = login(Client(), getattr(world, who)).get(reverse(name))
    assert r.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, username=who).count() == 1


def test_nav_shows_privacy_only_to_those_who_may_read_the_report(world: World) -> None:
    home = reverse("core:home")
    assert reverse("privacy:report") in login(Client(), world.director_a).get(home).content.decode()
    page = login(Client(), world.counselor_a1).get(home).content.decode()
    assert reverse("privacy:report") not in page
