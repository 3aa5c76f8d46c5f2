"""Fixtures of the FHIR tests: a registered client, its token, consents and clinical data."""

from __future__ import annotations

import base64
import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import Coverage, Payer
from openiop.care.tests import factories as care
from openiop.core.testing import World
from openiop.fhir import services
from openiop.organization.models import Organization
from openiop.patients.models import Patient
from openiop.privacy.models import Consent


def make_consent(
    world: World,
    patient: Patient,
    *,
    kind: str = "tpo",
    recipient_kind: str = "health_plan",
    recipient_name: str = "",
    recipient_key: str = "",
    purpose: str = "payment",
    data: tuple[str, ...] = (
        "demographics",
        "attendance",
        "diagnosis",
        "treatment_plan",
        "screenings",
        "billing",
    ),
) -> Consent:
    now = timezone.now()
    return Consent.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind=kind,
        disclosing_party="Org A IOP",
        recipient_kind=recipient_kind,
        recipient_name=recipient_name or "Health plans",
        recipient_key=recipient_key,
        purpose=purpose,
        data=list(data),
        signer_name=patient.full_name,
        signed_on=(now - timedelta(days=1)).date(),
        signature_method="screen",
        recorded_by=world.intake_a1,
        recorded_at=now - timedelta(hours=1),
    )


def revoke(consent: Consent, by: User) -> None:
    consent.revoked_at = timezone.now()
    consent.revoked_by = by
    consent.revocation_method = "writing"
    consent.save()


@pytest.fixture
def data(world: World) -> dict[str, Any]:
    """a1: plan, PHQ-9, attendance, coverage, TPO consent; a2: a PHQ-9 and no consent."""
    e1 = care.enrol(world, world.patient_a1)
    e2 = care.enrol(world, world.patient_a2)
    plan = care.signed_plan(world.counselor_a1, e1)
    obs1 = care.measure(world.counselor_a1, world.patient_a1, "phq9", 12, weeks_ago=1)
    obs2 = care.measure(world.director_a, world.patient_a2, "phq9", 7, weeks_ago=1)
    care.attendance(world.patient_a1, e1, world.counselor_a1, hours=[3, 2.5, 0])
    payer = plan_payer(world.org_a)
    Coverage.objects.create(
        patient=world.patient_a1,
        rank=1,
        payer=payer,
        member_id="M123",
        created_by=world.billing_a1,
        created_at=timezone.now(),
    )
    Coverage.objects.create(
        patient=world.patient_a1,
        rank=2,
        self_pay=True,
        created_by=world.billing_a1,
        created_at=timezone.now(),
    )
    consent = make_consent(world, world.patient_a1)
    return {"plan": plan, "obs1": obs1, "obs2": obs2, "consent": consent, "e2": e2}


def plan_payer(org: Organization, payer_id: str = "LK001") -> Payer:
    """The payer of the test health-plan client (patient a1 has a coverage of it)."""
    payer, _ = Payer.objects.get_or_create(
        organization=org,
        payer_id=payer_id,
        defaults={"name": f"Lakeside Health {payer_id}", "claim_type": "837P"},
    )
    return payer


def register_plan(admin: User, name: str, scopes: str = "system/*.rs") -> services.Registered:
    assert admin.organization is not None
    return services.register_client(
        admin,
        name=name,
        recipient_kind="health_plan",
        scopes=scopes,
        payer_id=plan_payer(admin.organization).pk,
    )


@pytest.fixture
def registered(world: World) -> services.Registered:
    return register_plan(world.admin_a, "Lakeside Community Health Plan")


def token_for(made: services.Registered, scope: str = "") -> str:
    basic = base64.b64encode(f"{made.client_id}:{made.client_secret}".encode()).decode()
    body = {"grant_type": "client_credentials"}
    if scope:
        body["scope"] = scope
    response = Client().post("/fhir/auth/token", body, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


@pytest.fixture
def token(registered: services.Registered) -> str:
    return token_for(registered)


def get(path: str, token: str = "", **headers: Any) -> Any:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    extra.update(headers)
    return Client().get(path, **extra)


def post_search(rtype: str, body: dict[str, Any], token: str = "", query: str = "") -> Any:
    """`POST /fhir/<type>/_search` with a form body."""
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    from urllib.parse import urlencode

    return Client().post(
        f"/fhir/{rtype}/_search{'?' + query if query else ''}",
        urlencode(body, doseq=True),
        content_type="application/x-www-form-urlencoded",
        **extra,
    )


def r4b(resource: dict[str, Any]) -> Any:
    """Validate with the R4B models of fhir.resources (the R4 shapes are the same for the
    resources used here)."""
    name = resource["resourceType"]
    module = importlib.import_module(f"fhir.resources.R4B.{name.lower()}")
    return getattr(module, name).model_validate(resource)
