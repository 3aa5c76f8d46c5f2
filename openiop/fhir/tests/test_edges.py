"""Dates, sessions and codes at the edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from openiop.core.testing import World, login_password_only
from openiop.fhir.tests import checks
from openiop.fhir.tests.conftest import get, make_consent, r4b, token_for
from openiop.intake.models import ScreeningResponse
from openiop.privacy.models import Consent

pytestmark = pytest.mark.django_db


def test_consent_expiry_ends_the_disclosure_on_the_next_day(
    world: World, data: Any, registered: Any
) -> None:
    # Local noon, the program's day: a consent expires at the end of its local day, and a
    # moment near midnight in UTC is another day there (this failed between 00:00 and 05:00 UTC).
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    Consent.objects.filter(pk=data["consent"].pk).update(
        kind="named",
        recipient_name="Lakeside Community Health Plan",
        recipient_key=registered.client.recipient_key,
        purpose="payment",
        expires_on=noon.date() + timedelta(days=10),
    )
    url = f"/fhir/Patient/{world.patient_a1.pk}"
    with time_machine.travel(noon + timedelta(days=10), tick=False):
        assert get(url, token_for(registered)).status_code == 200
    with time_machine.travel(noon + timedelta(days=11), tick=False):
        assert get(url, token_for(registered)).status_code == 404


def test_tokens_expire_after_an_hour(world: World, data: Any, token: str) -> None:
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        assert get("/fhir/Organization", token).status_code == 401


def test_consent_not_yet_recorded_covers_nothing(world: World, token: str) -> None:
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False):
        consent = make_consent(world, world.patient_a2)
    Consent.objects.filter(pk=consent.pk).update(recorded_at=datetime(2030, 1, 1, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False):
        assert get(f"/fhir/Patient/{world.patient_a2.pk}", token).status_code == 404


def test_password_only_session_is_401(world: World, data: Any) -> None:
    client = login_password_only(Client(), world.counselor_a1)
    response = client.get(f"/fhir/Patient/{world.patient_a1.pk}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_instrument_without_loinc_total_gets_a_text_only_code(
    world: World, data: Any, token: str
) -> None:
    row = ScreeningResponse.objects.create(
        patient=world.patient_a1,
        instrument="cows",
        instrument_version="1",
        response={"resourceType": "QuestionnaireResponse", "status": "completed", "item": []},
        total=9,
        band="mild",
        administered_at=timezone.now(),
    )
    obs = get(f"/fhir/Observation/{row.pk}", token).json()
    r4b(obs)
    checks.observation(obs)
    assert "coding" not in obs["code"] and obs["code"]["text"].endswith("total score")
    qr = get(f"/fhir/QuestionnaireResponse/{row.pk}", token).json()
    r4b(qr)
    assert obs["meta"]["extension"][0]["url"].endswith("part2-notice")


def test_metadata_needs_no_token_but_resources_do(world: World) -> None:
    assert Client().get("/fhir/metadata").status_code == 200
    assert Client().get("/fhir/Organization").status_code == 401
    assert Client().get("/fhir/Patient/$export").status_code == 401
