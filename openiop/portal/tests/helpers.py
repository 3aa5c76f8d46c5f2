"""Test helpers for the portal: a patient or family portal account past its second factor."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import User
from openiop.core.testing import PASSWORD, login
from openiop.patients.models import Patient
from openiop.portal.models import AccountKind, PortalAccount


def make_portal_account(
    patient: Patient, *, kind: str = AccountKind.PATIENT, consent: Any = None, username: str = ""
) -> PortalAccount:
    user = User(
        username=username or f"{kind}-{patient.pk}-{User.objects.count()}",
        role=kind,
        organization_id=patient.organization_id,
        first_name=patient.first_name if kind == AccountKind.PATIENT else "Family",
    )
    user.set_password(PASSWORD)
    user.save()
    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return PortalAccount.objects.create(
        user=user,
        patient=patient,
        kind=kind,
        consent=consent,
        display_name=user.first_name,
        created_at=timezone.now(),
    )


def portal_login(client: Client, account: PortalAccount) -> Client:
    """Signed in and past the second factor, as the real portal pages leave it."""
    return login(client, account.user)
