"""A consent to a service partner recorded by staff binds to the partner directory's record
(its key), so renaming a partner or adding one with a like name never moves the consent; a
typed name alone stays allowed for a partner not yet in the directory."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.domain.consent import Recipient
from openiop.privacy import gate
from openiop.privacy.models import Consent
from openiop.support.models import Partner

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _partner(org: Any, name: str = "Harbor Housing", active: bool = True) -> Partner:
    now = timezone.now()
    return Partner.objects.create(
        organization=org, name=name, active=active, created_at=now, updated_at=now
    )


def _post(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "named",
        "recipient_kind": "service_partner",
        "recipient_name": "",
        "purpose": "support",
        "information": ["demographics", "social_needs"],
        "expires_on": "2027-11-16",
        "signer_name": "Alex Doe",
        "signer_relation": "patient",
        "signed_on": TODAY.isoformat(),
        "signature_method": "screen",
        "typed_name": "Alex Doe",
        "agreed": "on",
        "disclosing_party": "The program",
    }
    values.update(kw)
    return values


def _covers(world: World, partner: Partner) -> bool:
    """Would a referral to this partner be covered (the key a referral's recipient carries)?"""
    decision = gate.check(
        world.patient_a1,
        recipient=Recipient(kind="service_partner", name=partner.name, key=f"partner:{partner.pk}"),
        purpose="support",
        data={"demographics", "social_needs"},
    )
    return decision.allowed


def _url(world: World) -> str:
    return reverse("privacy:consent_new", args=[world.patient_a1.pk])


def test_the_form_offers_the_organizations_active_partners(client: Client, world: World) -> None:
    _partner(world.org_a)
    _partner(world.org_a, "Closed Shelter", active=False)
    _partner(world.org_b, "Elsewhere Housing")
    login(client, world.intake_a1)
    body = client.get(_url(world)).content.decode()
    assert "Partner from the directory (optional)" in body
    assert "Harbor Housing" in body
    assert "Closed Shelter" not in body and "Elsewhere Housing" not in body


def test_a_picked_partner_binds_the_consent_by_its_key(client: Client, world: World) -> None:
    harbor = _partner(world.org_a)
    login(client, world.intake_a1)
    r = client.post(_url(world), _post(partner=str(harbor.pk)))
    assert r.status_code == 302
    c = Consent.objects.get()
    assert c.recipient_name == "Harbor Housing"
    assert c.recipient_key == f"partner:{harbor.pk}"
    assert c.recipient_kind == "service_partner"
    assert _covers(world, harbor)
    # A partner with a like name added later is not covered; the bound one still is once
    # its name changes.
    twin = _partner(world.org_a, "Harbor-Housing")
    assert not _covers(world, twin)
    Partner.objects.filter(pk=harbor.pk).update(name="Harbor Family Housing")
    harbor.refresh_from_db()
    assert _covers(world, harbor)


def test_a_typed_name_matching_the_picked_partner_is_kept(client: Client, world: World) -> None:
    harbor = _partner(world.org_a)
    login(client, world.intake_a1)
    r = client.post(_url(world), _post(partner=str(harbor.pk), recipient_name="harbor housing"))
    assert r.status_code == 302
    c = Consent.objects.get()
    assert c.recipient_name == "Harbor Housing" and c.recipient_key == f"partner:{harbor.pk}"


def test_a_typed_name_alone_stays_allowed_for_a_partner_not_in_the_directory(
    client: Client, world: World
) -> None:
    login(client, world.intake_a1)
    r = client.post(_url(world), _post(recipient_name="New Day Pantry"))
    assert r.status_code == 302
    c = Consent.objects.get()
    assert c.recipient_name == "New Day Pantry" and c.recipient_key == ""


@pytest.mark.parametrize(
    ("change", "field_text"),
    [
        ({"recipient_kind": "employer"}, "A partner from the directory is a service partner."),
        ({"recipient_name": "Someone Else"}, "The name differs from the partner&#x27;s name."),
        ({"kind": "tpo"}, "leave the partner empty"),
    ],
)
def test_a_picked_partner_with_another_kind_or_name_is_refused_with_422(
    client: Client, world: World, change: dict[str, str], field_text: str
) -> None:
    harbor = _partner(world.org_a)
    login(client, world.intake_a1)
    r = client.post(_url(world), _post(partner=str(harbor.pk)) | change)
    assert r.status_code == 422
    assert field_text in r.content.decode()
    assert not Consent.objects.exists()


@pytest.mark.parametrize("where", ["other_org", "inactive", "missing"])
def test_a_partner_outside_the_directory_choice_is_a_field_error(
    client: Client, world: World, where: str
) -> None:
    if where == "other_org":
        pk = _partner(world.org_b, "Elsewhere Housing").pk
    elif where == "inactive":
        pk = _partner(world.org_a, "Closed Shelter", active=False).pk
    else:
        pk = 999_999
    login(client, world.intake_a1)
    r = client.post(_url(world), _post(partner=str(pk), recipient_name="Elsewhere Housing"))
    assert r.status_code == 422
    body = r.content.decode()
    assert "Choose one of your organization&#x27;s active partners." in body
    assert "Elsewhere Housing</option>" not in body
    assert not Consent.objects.exists()


def test_replacing_a_bound_consent_keeps_the_partner(client: Client, world: World) -> None:
    harbor = _partner(world.org_a)
    login(client, world.intake_a1)
    assert client.post(_url(world), _post(partner=str(harbor.pk))).status_code == 302
    old = Consent.objects.get()
    url = reverse("privacy:consent_replace", args=[old.pk])
    r = client.get(url)
    assert r.context["form"].initial["partner"] == harbor.pk
    assert f'<option value="{harbor.pk}" selected>' in r.content.decode()
    r = client.post(url, _post(partner=str(harbor.pk), recipient_name="Harbor Housing"))
    assert r.status_code == 302
    assert Consent.objects.get(supersedes=old).recipient_key == f"partner:{harbor.pk}"


def test_another_organizations_user_gets_404_and_billing_403(client: Client, world: World) -> None:
    harbor = _partner(world.org_a)
    login(client, world.counselor_b1)
    before = AuditEvent.objects.filter(action="denied").count()
    assert client.post(_url(world), _post(partner=str(harbor.pk))).status_code == 404
    assert AuditEvent.objects.filter(action="denied").count() == before + 1
    login(client, world.billing_a1)
    assert client.post(_url(world), _post(partner=str(harbor.pk))).status_code == 403
    assert not Consent.objects.exists()


def test_the_portal_form_has_no_partner_choice() -> None:
    from openiop.portal.consents.forms import PatientConsentForm

    assert "partner" not in PatientConsentForm().fields
