"""TOTP enrolment, verification, recovery codes and replay (OWASP ASVS 5.0.0, V6 Authentication)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import Role
from openiop.core.models import AuditEvent
from openiop.core.testing import PASSWORD, World, make_staff


def _code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def _password_login(client: Client, username: str) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": username, "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 302


def test_new_staff_enrols_an_authenticator_and_gets_recovery_codes(
    client: Client, world: World
) -> None:
    user = make_staff("newbie", Role.COUNSELOR, world.org_a, sites=[world.site_a1])
    TOTPDevice.objects.filter(user=user).delete()
    _password_login(client, "newbie")
    assert client.get(reverse("accounts:mfa"))["Location"] == reverse("accounts:mfa_setup")
    page = client.get(reverse("accounts:mfa_setup"))
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(reverse("accounts:mfa_setup"), {"token": "000000"}).status_code == 200
    # A wrong code throttles the device for a moment (django-otp), so wait before retrying.
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        done = client.post(reverse("accounts:mfa_setup"), {"token": _code(device)})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("patients:list")).status_code == 200
    assert AuditEvent.objects.filter(action="security", username="newbie").exists()


def test_totp_code_logs_in_and_cannot_be_replayed(world: World) -> None:
    device = TOTPDevice.objects.get(user=world.counselor_a1)
    first = Client()
    _password_login(first, "counselor_a1")
    code = _code(device)
    assert first.post(reverse("accounts:mfa"), {"token": code})["Location"] == reverse("core:home")
    second = Client()
    _password_login(second, "counselor_a1")
    replay = second.post(reverse("accounts:mfa"), {"token": code})
    assert replay.status_code == 200 and b"not valid" in replay.content
    assert second.get(reverse("patients:list")).status_code == 302


def test_recovery_code_works_once(world: World) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=world.counselor_a1, name="Recovery codes")
    StaticToken.objects.create(device=static, token="abcde-12345")
    client = Client()
    _password_login(client, "counselor_a1")
    assert client.post(reverse("accounts:mfa"), {"token": "ABCDE-12345"}).status_code == 302
    other = Client()
    _password_login(other, "counselor_a1")
    assert other.post(reverse("accounts:mfa"), {"token": "abcde-12345"}).status_code == 200


def test_regenerating_recovery_codes_needs_a_verified_session(client: Client, world: World) -> None:
    _password_login(client, "counselor_a1")
    assert client.post(reverse("accounts:recovery_codes")).status_code == 302
