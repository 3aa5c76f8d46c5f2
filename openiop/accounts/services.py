"""Write path for accounts and multi-factor devices; each call is one audited transaction."""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import User
from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.services import service

RECOVERY_CODE_COUNT = 10


def _recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits each, single use
    return f"{raw[:5]}-{raw[5:]}"


@service
def totp_device_start(*, user: User) -> TOTPDevice:
    """Create (or replace) the user's unconfirmed authenticator device."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device: TOTPDevice = TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )
    return device


@service
def totp_device_confirm(
    *,
    user: User,
    device: TOTPDevice,
    request: HttpRequest | None = None,
    recovery_codes: bool = True,
) -> list[str]:
    """Confirm a device after a correct code; returns fresh recovery codes (shown once).
    Portal accounts get none (`recovery_codes=False`): their recovery is through staff."""
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user) if recovery_codes else []
    audit.record(
        actor=user,
        action=AuditAction.SECURITY,
        object_type="otp_totp.totpdevice",
        object_id=str(device.pk),
        request=request,
        detail="authenticator enrolled; recovery codes issued"
        if recovery_codes
        else "authenticator enrolled (recovery through staff)",
    )
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    static, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@service
def recovery_codes_regenerate(*, user: User, request: HttpRequest | None = None) -> list[str]:
    codes = _recovery_codes_replace(user)
    audit.record(
        actor=user,
        action=AuditAction.SECURITY,
        object_type="otp_static.staticdevice",
        request=request,
        detail="recovery codes regenerated",
    )
    return codes


@service
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    organization_id: int | None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> User:
    user = User(username=username, role=role, organization_id=organization_id, **fields)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=user,
        fields=["username", "role", *sorted(fields)],
        request=request,
        detail=f"staff account created with role {role}",
    )
    return user
