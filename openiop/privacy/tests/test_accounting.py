"""The accounting of disclosures of one patient (42 CFR 2.25): the period, the rows, the PDF,
bad input and refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
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
from openiop.patients.models import Patient
from openiop.privacy import gate
from openiop.privacy.models import Consent, Disclosure

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def tpo_consent(patient: Patient, actor: Any) -> Consent:
    return Consent.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind="tpo",
        disclosing_party="The program",
        recipient_kind="health_plan",
        recipient_name="my treating providers, health plans",
        purpose="payment",
        data=["demographics", "attendance", "billing", "diagnosis"],
        signer_name=f"{patient.first_name} {patient.last_name}",
        signed_on=date(2022, 1, 3),
        signature_method="screen",
        recorded_by=actor,
        recorded_at=datetime(2022, 1, 3, 12, 0, tzinfo=UTC),
    )


def disclose(
    patient: Patient,
    actor: Any,
    *,
    name: str = "Blue River Health Plan",
    at: datetime | None = None,
    channel: str = "claim",
) -> Disclosure:
    d = gate.disclose(
        patient,
        recipient=Recipient("health_plan", name, ""),
        purpose="payment",
        data=["billing", "diagnosis"],
        channel=channel,
        description="Claim for services",
        actor=actor,
    )
    if at is not None:
        Disclosure.objects.filter(pk=d.pk).update(made_at=at)
    return d


def emergency(patient: Patient, actor: Any, at: datetime) -> Disclosure:
    return Disclosure.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        channel="emergency",
        recipient_kind="treating_provider",
        recipient_name="County Hospital emergency room",
        purpose="treatment",
        data=["diagnosis"],
        description="Medications and diagnosis",
        made_at=at,
        made_by=actor,
        emergency=True,
        emergency_personnel="Dr. Reyes",
        emergency_affiliation="County Hospital",
        emergency_nature="Unresponsive after suspected overdose",
    )


def url(patient: Patient, pdf: bool = False) -> str:
    return reverse("privacy:accounting_pdf" if pdf else "privacy:accounting", args=[patient.pk])


def test_counselor_sees_every_disclosure_of_the_patient_in_three_years(world: World) -> None:
    p, other = world.patient_a1, world.patient_a2
    tpo_consent(p, world.admin_a)
    tpo_consent(other, world.admin_a)
    disclose(p, world.counselor_a1, name="Blue River Health Plan")
    disclose(p, world.counselor_a1, name="Lakeside Clinic", at=NOW - timedelta(days=800))
    disclose(p, world.counselor_a1, name="Ancient Payer", at=NOW - timedelta(days=3 * 366))
    disclose(other, world.counselor_a1, name="Other Patient Plan")
    emergency(p, world.counselor_a1, NOW - timedelta(days=10))
    r = login(Client(), world.counselor_a1).get(url(p))
    assert r.status_code == 200
    body = r.content.decode()
    assert "Blue River Health Plan" in body and "Lakeside Clinic" in body
    assert "Ancient Payer" not in body and "Other Patient Plan" not in body
    assert "Unresponsive after suspected overdose" in body and "Dr. Reyes" in body
    assert "Services billed, dates, charges and insurance" in body  # information in words
    assert "3 disclosures" in body
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, patient_id_value=p.pk, username="counselor_a1"
    ).exists()


def test_patient_may_choose_a_shorter_period(world: World) -> None:
    p = world.patient_a1
    tpo_consent(p, world.admin_a)
    disclose(p, world.counselor_a1, name="Recent Plan", at=NOW - timedelta(days=5))
    disclose(p, world.counselor_a1, name="Older Plan", at=NOW - timedelta(days=100))
    r = login(Client(), world.counselor_a1).get(
        url(p), {"from": (TODAY - timedelta(days=30)).isoformat(), "to": TODAY.isoformat()}
    )
    body = r.content.decode()
    assert r.status_code == 200 and "Recent Plan" in body and "Older Plan" not in body


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2023-11-15"},  # more than 3 years ago
        {"to": "2026-11-17"},  # tomorrow
        {"from": "2026-11-10", "to": "2026-11-01"},
        {"from": "not a date"},
    ],
)
def test_a_bad_period_is_explained_not_a_crash(world: World, params: dict[str, str]) -> None:
    r = login(Client(), world.counselor_a1).get(url(world.patient_a1), params)
    assert r.status_code == 400
    assert 'class="errorlist"' in r.content.decode()
    r = login(Client(), world.counselor_a1).get(url(world.patient_a1, pdf=True), params)
    assert r.status_code == 400


def test_three_years_back_to_the_day_is_allowed(world: World) -> None:
    r = login(Client(), world.counselor_a1).get(url(world.patient_a1), {"from": "2023-11-16"})
    assert r.status_code == 200


def test_the_pdf_lists_the_disclosures_and_is_audited(world: World) -> None:
    p = world.patient_a1
    tpo_consent(p, world.admin_a)
    disclose(p, world.counselor_a1, name="Blue River Health Plan")
    client = login(Client(), world.counselor_a1)
    r = client.get(url(p, pdf=True))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == f'attachment; filename="disclosures-{p.pk}.pdf"'
    assert r.content.startswith(b"%PDF")
    assert b"Blue River Health Plan" in r.content
    assert b"Accounting of disclosures" in r.content
    assert AuditEvent.objects.filter(action=AuditAction.PRINT, patient_id_value=p.pk).count() == 1
    assert client.get(url(p, pdf=True)).content == r.content  # deterministic


def test_queries_stay_flat_as_disclosures_grow(world: World) -> None:
    p = world.patient_a1
    tpo_consent(p, world.admin_a)
    client = login(Client(), world.counselor_a1)
    disclose(p, world.counselor_a1)
    client.get(url(p))
    with CaptureQueriesContext(connection) as one:
        client.get(url(p))
    for _ in range(9):
        disclose(p, world.director_a)
    emergency(p, world.counselor_a1, NOW - timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        r = client.get(url(p))
    assert r.content.decode().count("Blue River Health Plan") == 10
    assert len(many) == len(one)


@pytest.mark.parametrize("pdf", [False, True])
def test_counselor_of_another_organization_gets_404_audited(world: World, pdf: bool) -> None:
    p = world.patient_a1
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    r = login(Client(), world.counselor_b1).get(url(p, pdf))
    assert r.status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
    event = AuditEvent.objects.filter(action=AuditAction.DENIED).last()
    assert event is not None and event.username == "counselor_b1"
    assert p.last_name not in r.content.decode()


@pytest.mark.parametrize("who", ["billing_a1", "frontdesk_a1"])
@pytest.mark.parametrize("pdf", [False, True])
def test_billing_and_front_desk_are_refused(world: World, who: str, pdf: bool) -> None:
    p = world.patient_a1
    r = login(Client(), getattr(world, who)).get(url(p, pdf))
    assert r.status_code == 403
    assert p.last_name not in r.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, username=who).count() == 1
