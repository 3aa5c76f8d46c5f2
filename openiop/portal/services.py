"""Portal accounts: invitations, set-up, second factor, reset through staff, closing.

Each write is one audited transaction (`@service`). The invitation link carries a random
token (256 bits); only its SHA-256 is stored, the link works once and expires
(`PORTAL_INVITE_HOURS`, default 72). A reset through staff (the portal's account recovery)
removes the account's password and authenticator and sends a new invitation for the same
account, so its history stays with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import User
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.patients.models import Patient
from openiop.portal.models import (
    AccountKind,
    InvitationChannel,
    PortalAccount,
    PortalInvitation,
)

USERNAME_MAX = 40


def _hours() -> int:
    return int(getattr(settings, "PORTAL_INVITE_HOURS", 72))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _same_org(actor: User, patient: Patient, request: HttpRequest | None) -> None:
    if actor.organization_id != patient.organization_id:
        raise policy.refuse(actor, "Not found.", request=request, object_type="patients.patient")


def family_consents(patient: Patient) -> list[Any]:
    """The patient's current consents that may open a family account: a named consent to a
    family member or friend, for involving them in care, that covers them now."""
    from openiop.domain.consent.rules import Recipient
    from openiop.privacy import gate
    from openiop.privacy.models import Consent

    candidates = list(
        Consent.objects.filter(
            patient=patient,
            kind="named",
            recipient_kind="family",
            purpose="family",
            superseded_at__isnull=True,
            revoked_at__isnull=True,
        ).order_by("-signed_on", "-pk")
    )
    out = []
    for consent in candidates:
        decision = gate.check(
            patient,
            recipient=Recipient("family", consent.recipient_name, consent.recipient_key),
            purpose="family",
            data=list(consent.data or []),
        )
        if decision.allowed and decision.consent_id == consent.pk:
            out.append(consent)
    return out


@dataclass(frozen=True)
class Invitation:
    invitation: PortalInvitation
    token: str  # shown once; only its hash is stored


def _clean_send_to(channel: str, send_to: str) -> str:
    send_to = send_to.strip()
    if channel not in InvitationChannel.values:
        raise ValidationError({"channel": "Choose e-mail or text message."})
    if channel == InvitationChannel.EMAIL:
        if not send_to:
            raise ValidationError({"send_to": "Enter the e-mail address to send the link to."})
        try:
            validate_email(send_to)
        except ValidationError as exc:
            raise ValidationError({"send_to": "Enter a valid e-mail address."}) from exc
    elif send_to and len(send_to) > 40:
        raise ValidationError({"send_to": "A phone number is at most 40 characters."})
    return send_to


@service
def invitation_create(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    channel: str,
    send_to: str = "",
    consent_id: int | None = None,
    account: PortalAccount | None = None,
    request: HttpRequest | None = None,
) -> Invitation:
    """Invite the patient, or a family member under a consent the patient signed naming
    them. Earlier unused invitations of the same person are withdrawn."""
    policy.require(actor, Action.PORTAL_MANAGE, request=request, patient=patient)
    _same_org(actor, patient, request)
    if kind not in AccountKind.values:
        raise ValidationError({"kind": "Choose the patient or a family member."})
    send_to = _clean_send_to(channel, send_to)
    consent = None
    if kind == AccountKind.FAMILY:
        if account is not None:
            consent = account.consent
        else:
            consent = next((c for c in family_consents(patient) if c.pk == consent_id), None)
        if consent is None:
            raise ValidationError(
                {
                    "consent": "A family member is invited only under a current consent the "
                    "patient signed naming them, for involving them in care (42 CFR 2.31)."
                }
            )
        display_name = consent.recipient_name
    else:
        display_name = patient.first_name
        if (
            account is None
            and PortalAccount.objects.filter(
                patient=patient, kind=AccountKind.PATIENT, ended_at__isnull=True
            ).exists()
        ):
            raise ValidationError(
                {"kind": "This patient already has a portal account: reset it instead."}
            )
    now = timezone.now()
    same = PortalInvitation.objects.filter(
        patient=patient, kind=kind, used_at__isnull=True, withdrawn_at__isnull=True
    )
    if kind == AccountKind.FAMILY and consent is not None:
        same = same.filter(consent=consent)
    same.update(withdrawn_at=now)
    token = secrets.token_urlsafe(32)
    invitation = PortalInvitation.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind=kind,
        consent=consent,
        account=account,
        display_name=display_name,
        channel=channel,
        send_to=send_to,
        token_hash=token_hash(token),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=_hours()),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=invitation,
        fields=["kind", "channel", "expires_at"],
        request=request,
        detail=f"portal invitation ({kind}{', reset' if account else ''})",
    )
    return Invitation(invitation, token)


def invitation_for_token(token: str) -> tuple[PortalInvitation | None, str]:
    """The invitation this link token opens, or None and why not (same words for an unknown
    and a withdrawn link)."""
    if not token or len(token) > 100:
        return None, "This invitation link is not valid."
    invitation = (
        PortalInvitation.objects.select_related("patient", "consent", "account")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None or invitation.withdrawn_at is not None:
        return None, "This invitation link is not valid. Ask the program's staff for a new one."
    if invitation.used_at is not None:
        return None, "This invitation link has already been used. Sign in instead."
    if invitation.expires_at <= timezone.now():
        return None, "This invitation link has expired. Ask the program's staff for a new one."
    return invitation, ""


@service
def invitation_accept(
    *,
    token: str,
    username: str,
    password: str,
    email: str = "",
    request: HttpRequest | None = None,
) -> User:
    """Set up the account (or, after a reset, its new password) from a valid invitation.
    The second factor is set up next, before anything else opens."""
    invitation, problem = invitation_for_token(token)
    if invitation is None:
        audit.record(
            actor=None,
            action=AuditAction.DENIED,
            object_type="portal.portalinvitation",
            request=request,
            detail="portal invitation refused: link unknown, used, withdrawn or expired",
            part2=False,
        )
        raise ValidationError({"__all__": problem})
    # Lock the row: the link works once even when two requests race.
    invitation = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ValidationError({"__all__": "This invitation link has already been used."})
    if invitation.withdrawn_at is not None or invitation.expires_at <= timezone.now():
        raise ValidationError(
            {
                "__all__": "This invitation link is no longer valid. Ask the program's staff for a new one."
            }
        )
    if invitation.kind == AccountKind.FAMILY and invitation.consent_id not in {
        c.pk for c in family_consents(invitation.patient)
    }:
        raise ValidationError(
            {
                "__all__": "The consent this invitation was sent under has ended, so the "
                "account cannot be set up. Ask the patient or the program's staff."
            }
        )
    # E-mail reminders are opt-in: only an address the person types here turns them on.
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"email": "Enter a valid e-mail address."}) from exc
    now = timezone.now()
    existing = invitation.account
    if existing is not None:
        user = existing.user
    else:
        username = username.strip()
        if not username:
            raise ValidationError({"username": "Choose a user name."})
        if len(username) > USERNAME_MAX or not all(c.isalnum() or c in "._-@" for c in username):
            raise ValidationError(
                {"username": f"Use up to {USERNAME_MAX} letters, digits and . _ - @ (no spaces)."}
            )
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": "That user name is taken: choose another."})
        user = User(
            username=username,
            role=policy.portal_role(invitation.kind),
            organization_id=invitation.organization_id,
            first_name=invitation.display_name[:150],
        )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc
    user.set_password(password)
    if email or existing is None:
        user.email = email
    user.is_active = True
    try:
        user.save()
    except IntegrityError as exc:
        raise ValidationError({"username": "That user name is taken: choose another."}) from exc
    if existing is None:
        account = PortalAccount.objects.create(
            user=user,
            patient=invitation.patient,
            kind=invitation.kind,
            consent=invitation.consent,
            display_name=invitation.display_name,
            created_at=now,
        )
    else:
        account = existing
    invitation.used_at = now
    invitation.account = account
    invitation.save(update_fields=["used_at", "account"])
    audit.record(
        actor=user,
        action=AuditAction.SECURITY,
        patient=invitation.patient,
        obj=account,
        request=request,
        detail="portal account set up from an invitation"
        + (" (after a reset)" if existing else ""),
    )
    return user


def _require_account(actor: User, account: PortalAccount, request: HttpRequest | None) -> None:
    policy.require(actor, Action.PORTAL_MANAGE, request=request, patient=account.patient)
    _same_org(actor, account.patient, request)


@service
def account_reset(
    *,
    actor: User,
    account: PortalAccount,
    channel: str,
    send_to: str = "",
    request: HttpRequest | None = None,
) -> Invitation:
    """Account recovery through staff: the password and authenticator stop working at once
    (every session of the account ends) and a new invitation sets them up again."""
    _require_account(actor, account, request)
    if account.ended_at is not None:
        raise ValidationError({"__all__": "This account is closed: send a new invitation."})
    user = account.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    # A new password hash invalidates every session of the account (Django checks the
    # session's auth hash on each request).
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        patient=account.patient,
        obj=account,
        request=request,
        detail="portal account reset by staff (password and authenticator removed)",
    )
    return invitation_create(
        actor=actor,
        patient=account.patient,
        kind=account.kind,
        channel=channel,
        send_to=send_to,
        account=account,
        request=request,
    )


@service
def account_end(
    *, actor: User, account: PortalAccount, request: HttpRequest | None = None
) -> PortalAccount:
    """Close a portal account: it can no longer sign in, and its sessions end now."""
    _require_account(actor, account, request)
    if account.ended_at is not None:
        return account
    account.ended_at = timezone.now()
    account.ended_by = actor
    account.save(update_fields=["ended_at", "ended_by"])
    user = account.user
    user.is_active = False
    user.save(update_fields=["is_active"])  # an inactive user's sessions no longer load
    PortalInvitation.objects.filter(
        account=account, used_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=account.ended_at)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=account.patient,
        obj=account,
        fields=["ended_at"],
        request=request,
        detail="portal account closed by staff",
    )
    return account


@service
def portal_settings_set(
    *,
    actor: User,
    program: Any,
    pick_from_list: bool,
    session_reminder_hours: int,
    request: HttpRequest | None = None,
) -> Any:
    """Program policy for the portal (no published source): whether patients may check in by
    picking the session from today's list, and how long before a session its reminder goes."""
    from openiop.organization.access import require_program
    from openiop.portal.models import PortalSettings

    require_program(actor, program, Action.CARE_SETTINGS, request=request, what="portal settings")
    if not 1 <= session_reminder_hours <= 48:
        raise ValidationError(
            {"session_reminder_hours": "Choose between 1 and 48 hours before the session."}
        )
    row, _ = PortalSettings.objects.get_or_create(program=program)
    changed = [
        name
        for name, value in (
            ("pick_from_list", pick_from_list),
            ("session_reminder_hours", session_reminder_hours),
        )
        if getattr(row, name) != value
    ]
    if changed:
        row.pick_from_list = pick_from_list
        row.session_reminder_hours = session_reminder_hours
        row.save()
        audit.record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=row,
            fields=changed,
            request=request,
            detail="portal program policy changed",
            part2=False,
        )
    return row
