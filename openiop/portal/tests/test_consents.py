"""The patient's consents in the portal: read them, sign one on screen, revoke one; who has
access and the disclosures made (42 CFR 2.31, 2.25)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login
from openiop.patients.models import Patient
from openiop.portal.models import AccountKind
from openiop.portal.tests.helpers import make_portal_account, portal_login
from openiop.privacy.models import Consent, RevocationMethod

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 11, 17, 0, tzinfo=UTC)  # noon in New York, the sites' zone


def family_consent(
    patient: Patient, *, name: str = "Rosa Quintero", data: tuple[str, ...] = ("attendance",)
) -> Consent:
    """A family consent as staff record it (signed yesterday)."""
    signed = timezone.now() - timedelta(days=1)
    staff = User.objects.filter(organization_id=patient.organization_id, role="counselor").first()
    return Consent.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind="named",
        disclosing_party=patient.organization.name,
        recipient_kind="family",
        recipient_name=name,
        purpose="family",
        data=list(data),
        expires_on=signed.date() + timedelta(days=180),
        signer_name=f"{patient.first_name} {patient.last_name}",
        signer_relation="patient",
        signed_on=signed.date(),
        signature_method="screen",
        recorded_by=staff,
        recorded_at=signed,
    )


def sign_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recipient_kind": "family",
        "recipient_name": "Rosa Quintero",
        "purpose": "family",
        "purpose_detail": "Family sessions",
        "information": ["attendance"],
        "expires_on": "2027-05-01",
        "typed_name": "alma quintero",
        "agreed": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def denied_count() -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED).count()


@time_machine.travel(NOW, tick=False)
def test_a_patient_signs_a_family_consent_on_screen_and_sees_who_has_access(
    world: World,
) -> None:
    account = make_portal_account(world.patient_a1)
    client = portal_login(Client(), account)
    page = client.get("/portal/consents/sign/")
    assert page.status_code == 200 and b"Type your full name to sign" in page.content
    # Missing elements: each named, nothing saved.
    empty = client.post("/portal/consents/sign/", {})
    assert empty.status_code == 422
    text = empty.content.decode()
    for words in (
        "Name the recipient",
        "Choose what kind of recipient",
        "State the purpose",
        "Say what information may be disclosed",
        "Give an expiry date",
        "Type your full name exactly as shown: Alma Quintero.",
        "Tick the box to sign.",
    ):
        assert words in text, words
    wrong_name = client.post("/portal/consents/sign/", sign_post(typed_name="Someone Else"))
    assert wrong_name.status_code == 422
    notes = client.post("/portal/consents/sign/", sign_post(information=["sud_notes"]))
    assert notes.status_code == 422
    assert not Consent.objects.exists()
    done = client.post("/portal/consents/sign/", sign_post())
    assert done.status_code == 302 and done["Location"] == "/portal/consents/"
    consent = Consent.objects.get()
    assert consent.patient == world.patient_a1 and consent.kind == "named"
    assert consent.recorded_by == account.user and consent.signer_relation == "patient"
    assert consent.signature_method == "screen" and consent.signed_on == date(2026, 11, 11)
    assert consent.signer_name == "Alma Quintero"
    assert consent.disclosing_party == "Evening IOP A1, Org A"
    assert consent.data == ["attendance"] and consent.expires_on == date(2027, 5, 1)
    listing = client.get("/portal/consents/").content.decode()
    current = listing.split("Who has access now")[1].split("Past consents")[0]
    assert "Rosa Quintero" in current and "1 May 2027" in current
    assert AuditEvent.objects.filter(
        action=AuditAction.ADD, object_type="privacy.consent", object_id=str(consent.pk)
    ).exists()


@time_machine.travel(NOW, tick=False)
def test_a_patient_under_18_is_told_a_parent_or_guardian_signs_with_staff(world: World) -> None:
    Patient.objects.filter(pk=world.patient_a1.pk).update(date_of_birth=date(2010, 1, 1))
    client = portal_login(Client(), make_portal_account(world.patient_a1))
    page = client.get("/portal/consents/sign/")
    assert b"A parent or guardian signs with the program&#x27;s staff" in page.content
    refused = client.post("/portal/consents/sign/", sign_post())
    assert refused.status_code == 422
    assert b"A parent or guardian signs" in refused.content
    assert not Consent.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_revoking_ends_a_family_members_access_at_once(world: World) -> None:
    consent = family_consent(world.patient_a1)
    family = make_portal_account(world.patient_a1, kind=AccountKind.FAMILY, consent=consent)
    family_client = portal_login(Client(), family)
    assert family_client.get("/portal/family/").status_code == 200
    patient = make_portal_account(world.patient_a1)
    client = portal_login(Client(), patient)
    listing = client.get("/portal/consents/").content.decode()
    assert "Family members with a portal account" in listing
    assert "can sign in and see" in listing
    page = client.get(f"/portal/consents/{consent.pk}/revoke/")
    assert page.status_code == 200
    assert b"stays lawful (42 CFR 2.31(a)(6))" in page.content
    assert b"portal access under this consent ends now" in page.content
    unconfirmed = client.post(f"/portal/consents/{consent.pk}/revoke/", {})
    assert unconfirmed.status_code == 422
    assert Consent.objects.get(pk=consent.pk).revoked_at is None
    done = client.post(f"/portal/consents/{consent.pk}/revoke/", {"confirm": "on"})
    assert done.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at == NOW and consent.revocation_method == RevocationMethod.WRITING
    assert consent.revoked_by == patient.user
    before = denied_count()
    refused = family_client.get("/portal/family/")
    assert refused.status_code == 403
    assert b"was revoked on 11 Nov 2026" in refused.content
    event = AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("-seq").first()
    assert event is not None and denied_count() == before + 1
    assert "family portal refused" in event.detail
    listing = client.get("/portal/consents/").content.decode()
    past = listing.split("Past consents")[1]
    assert "Rosa Quintero" in past and "revoked on 11 nov 2026" in past
    assert "sees nothing now" in listing
    # Revoking again is refused with a clear answer.
    again = client.post(f"/portal/consents/{consent.pk}/revoke/", {"confirm": "on"})
    assert again.status_code == 422 and b"already revoked" in again.content


@time_machine.travel(NOW, tick=False)
def test_another_patients_consent_is_an_audited_404(world: World) -> None:
    other = family_consent(world.patient_a2)
    client = portal_login(Client(), make_portal_account(world.patient_a1))
    before = denied_count()
    assert client.get(f"/portal/consents/{other.pk}/revoke/").status_code == 404
    assert client.post(f"/portal/consents/{other.pk}/revoke/", {"confirm": "on"}).status_code == 404
    assert denied_count() == before + 2
    assert Consent.objects.get(pk=other.pk).revoked_at is None


def test_consent_pages_refuse_family_staff_and_anonymous(world: World) -> None:
    consent = family_consent(world.patient_a1)
    family = portal_login(
        Client(), make_portal_account(world.patient_a1, kind=AccountKind.FAMILY, consent=consent)
    )
    staff = login(Client(), world.counselor_a1)
    urls = (
        "/portal/consents/",
        "/portal/consents/sign/",
        f"/portal/consents/{consent.pk}/revoke/",
    )
    for url in urls:
        before = denied_count()
        assert family.get(url).status_code == 403, url
        assert denied_count() == before + 1
        assert staff.get(url).status_code == 403, url
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/portal/login/")
    assert family.post("/portal/consents/sign/", sign_post()).status_code == 403
    assert (
        family.post(f"/portal/consents/{consent.pk}/revoke/", {"confirm": "on"}).status_code == 403
    )
    assert Consent.objects.count() == 1 and Consent.objects.get().revoked_at is None


@time_machine.travel(NOW, tick=False)
def test_the_patient_services_refuse_another_patient_and_staff(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    from openiop.privacy import services

    own = make_portal_account(world.patient_a1)
    own.user.is_verified = lambda: True  # type: ignore[method-assign]  # as after the second factor
    other = family_consent(world.patient_a2)
    fields = {
        "recipient_kind": "family",
        "recipient_name": "Rosa Quintero",
        "purpose": "family",
        "data": ["attendance"],
        "ends_with_treatment": True,
        "typed_name": "Bruno Okafor",
        "agreed": True,
    }
    before = denied_count()
    with pytest.raises(PermissionDenied):
        services.consent_sign_by_patient(user=own.user, patient=world.patient_a2, **fields)
    with pytest.raises(PermissionDenied):
        services.consent_revoke_by_patient(user=own.user, consent=other, confirmed=True)
    with pytest.raises(PermissionDenied):
        services.consent_sign_by_patient(
            user=world.counselor_a1, patient=world.patient_a1, **fields
        )
    assert denied_count() == before + 3
    details = list(
        AuditEvent.objects.filter(action=AuditAction.DENIED)
        .order_by("-seq")
        .values_list("detail", flat=True)[:3]
    )
    assert details[1:] == ["portal consent refused: not the account's own patient"] * 2
    assert Consent.objects.count() == 1 and Consent.objects.get().revoked_at is None
