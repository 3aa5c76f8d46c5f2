"""Portal accounts: invitation, set-up, second factor, where a portal account may go, reset
and closing through staff."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import User
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import PASSWORD, World, login
from openiop.portal import services
from openiop.portal.models import PortalAccount, PortalInvitation
from openiop.portal.tests.helpers import make_portal_account, portal_login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-portal-passphrase-7"


def _code(user: User) -> str:
    device = TOTPDevice.objects.filter(user=user).order_by("-pk").first()
    assert device is not None
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def _invite(client: Client, world: World, **data: str) -> str:
    login(client, world.counselor_a1)
    post = {"patient-channel": "email", "patient-send_to": "alma@example.org"} | data
    response = client.post(f"/portal-access/patients/{world.patient_a1.pk}/invite/patient/", post)
    assert response.status_code == 200, response.content
    html = response.content.decode()
    if post["patient-channel"] == "email":
        # An e-mailed link is not shown to staff: it is in the e-mail only.
        assert "/portal/welcome/" not in html and "was e-mailed" in html
        found = re.search(r"http://testserver(/portal/welcome/\S+/)", mail.outbox[-1].body)
    else:
        found = re.search(r'value="http://testserver(/portal/welcome/[^"]+/)"', html)
    assert found is not None
    client.logout()
    return found.group(1)


def test_a_patient_accepts_an_invitation_sets_up_totp_and_reaches_home(world: World) -> None:
    client = Client()
    link = _invite(client, world)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your portal invitation"
    assert "Quintero" not in message.body and "IOP" not in message.subject
    assert client.get(link).status_code == 200
    bad = client.post(link, {"username": "alma", "password": "short", "password_again": "short"})
    assert bad.status_code == 422
    response = client.post(
        link,
        {"username": "alma", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/portal/mfa/setup/"
    # Nothing opens before the second factor.
    assert client.get("/portal/")["Location"] == "/portal/mfa/"
    client.get("/portal/mfa/setup/")
    user = User.objects.get(username="alma")
    response = client.post("/portal/mfa/setup/", {"token": _code(user)})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    # The link worked once.
    again = Client().get(link)
    assert again.status_code == 410 and b"already been used" in again.content
    account = PortalAccount.objects.get(user=user)
    assert account.patient == world.patient_a1 and user.role == "patient"


def test_an_expired_link_is_refused(world: World) -> None:
    client = Client()
    link = _invite(client, world)
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        response = client.get(link)
    assert response.status_code == 410 and b"expired" in response.content


def test_a_portal_account_reaches_nothing_outside_the_portal(world: World) -> None:
    account = make_portal_account(world.patient_a1)
    client = portal_login(Client(), account)
    for path in ("/patients/", f"/patients/{world.patient_a1.pk}/", "/delivery/today/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/portal/", path
    assert client.get("/api/v1/patients/").status_code == 403


def test_staff_cannot_sign_in_on_the_portal_and_patients_not_on_the_staff_login(
    world: World,
) -> None:
    account = make_portal_account(world.patient_a1, username="alma-portal")
    staff = Client().post("/accounts/login/", {"username": "alma-portal", "password": PASSWORD})
    assert staff.status_code == 200 and b"Patients and families sign in" in staff.content
    portal = Client().post(
        "/portal/login/", {"username": world.counselor_a1.username, "password": PASSWORD}
    )
    assert portal.status_code == 200 and b"Staff sign in" in portal.content
    ok = Client().post("/portal/login/", {"username": "alma-portal", "password": PASSWORD})
    assert ok.status_code == 302 and ok["Location"] == "/portal/mfa/"
    assert account.pk


def test_staff_pages_of_the_portal_refuse_another_site_and_another_role(world: World) -> None:
    url = f"/portal-access/patients/{world.patient_a1.pk}/"
    assert login(Client(), world.counselor_a1).get(url).status_code == 200
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    assert login(Client(), world.counselor_a2).get(url).status_code == 404
    assert login(Client(), world.counselor_b1).get(url).status_code == 404
    assert login(Client(), world.billing_a1).get(url).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 3
    # A portal account cannot use the staff pages either.
    account = make_portal_account(world.patient_a1)
    assert portal_login(Client(), account).get(url)["Location"] == "/portal/"


def test_reset_through_staff_ends_the_old_password_and_authenticator(world: World) -> None:
    account = make_portal_account(world.patient_a1)
    client = portal_login(Client(), account)
    assert client.get("/portal/").status_code == 200
    made = services.account_reset(actor=world.counselor_a1, account=account, channel="text")
    # The old session no longer loads: the password hash changed.
    assert client.get("/portal/")["Location"] == "/portal/login/"
    assert not TOTPDevice.objects.filter(user=account.user).exists()
    fresh = Client()
    response = fresh.post(
        f"/portal/welcome/{made.token}/",
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert PortalAccount.objects.count() == 1
    assert PortalInvitation.objects.get(pk=made.invitation.pk).used_at is not None


def test_closing_an_account_signs_it_out(world: World) -> None:
    account = make_portal_account(world.patient_a1)
    client = portal_login(Client(), account)
    services.account_end(actor=world.counselor_a1, account=account)
    assert client.get("/portal/")["Location"] == "/portal/login/"
    refused = Client().post(
        "/portal/login/", {"username": account.user.username, "password": PASSWORD}
    )
    assert refused.status_code == 200


def test_a_second_patient_invitation_is_refused_while_an_account_is_open(world: World) -> None:
    make_portal_account(world.patient_a1)
    client = login(Client(), world.counselor_a1)
    response = client.post(
        f"/portal-access/patients/{world.patient_a1.pk}/invite/patient/",
        {"patient-channel": "text"},
    )
    assert response.status_code == 422
    assert b"already has a portal account" in response.content


def test_a_family_invitation_needs_a_family_consent(world: World) -> None:
    client = login(Client(), world.counselor_a1)
    response = client.post(
        f"/portal-access/patients/{world.patient_a1.pk}/invite/family/",
        {"family-channel": "text", "family-consent": "1"},
    )
    assert response.status_code == 422
    assert not PortalInvitation.objects.exists()


def test_a_signed_in_staff_member_cannot_open_an_invitation(world: World) -> None:
    made = services.invitation_create(
        actor=world.counselor_a1, patient=world.patient_a1, kind="patient", channel="text"
    )
    client = login(Client(), world.counselor_a1)
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    response = client.post(
        f"/portal/welcome/{made.token}/",
        {"username": "taken-over", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 403 and b"signed in as staff" in response.content
    assert not User.objects.filter(username="taken-over").exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1


def test_a_reset_tells_the_account_by_e_mail_and_shows_a_text_link_once(world: World) -> None:
    account = make_portal_account(world.patient_a1)
    account.user.email = "alma@example.org"
    account.user.save()
    client = login(Client(), world.counselor_a1)
    response = client.post(
        f"/portal-access/patients/{world.patient_a1.pk}/accounts/{account.pk}/reset/",
        {"channel": "text"},
    )
    assert response.status_code == 200 and b"/portal/welcome/" in response.content
    assert [m.subject for m in mail.outbox] == ["Your portal sign-in was reset"]
    assert "Quintero" not in mail.outbox[0].body


def test_an_invitation_withdrawn_or_expired_at_acceptance_is_refused(world: World) -> None:
    made = services.invitation_create(
        actor=world.counselor_a1, patient=world.patient_a1, kind="patient", channel="text"
    )
    PortalInvitation.objects.filter(pk=made.invitation.pk).update(withdrawn_at=timezone.now())
    response = Client().post(
        f"/portal/welcome/{made.token}/",
        {"username": "alma", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 410
    assert not User.objects.filter(username="alma").exists()
