"""Object access for portal accounts: the one place that turns a signed-in patient or family
member into the patient record they may reach.

A portal URL never carries a patient id: the patient is the account's own. Objects that do
appear in a portal URL (a session to check in to, a consent to revoke) are looked up among
the account's patient's objects only; anything else is an audited 404, so an id of another
patient reveals nothing. The role part is the access policy's (`portal.self`,
`portal.family`).

A family account is also held to its consent on every request: `family()` asks the
disclosure gate whether the consent it was invited under still covers a disclosure to the
family member now (42 CFR 2.31: revocation, expiry and end of treatment end it at once).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.domain.consent.rules import Recipient
from openiop.portal.models import AccountKind, PortalAccount

FAMILY_PURPOSE = "family"


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise policy.refuse(None, "Sign in to the portal first.", request=request)
    return user


def account(request: HttpRequest, action: Action) -> PortalAccount:
    """The request's open portal account, if its role allows `action` (else an audited 403)."""
    user = _user(request)
    policy.require(user, action, request=request)
    found = (
        PortalAccount.objects.select_related("patient", "patient__site", "patient__program")
        .filter(user=user, ended_at__isnull=True)
        .first()
    )
    if found is None:
        raise policy.refuse(
            user,
            "This portal account has been closed. Ask the program's staff for a new invitation.",
            request=request,
            object_type="portal.portalaccount",
            detail="portal request by an account that was closed",
        )
    # The request's own user object carries the second-factor flag (OTPMiddleware sets it
    # on `request.user` only): services asking the policy about `account.user` need it.
    found.user = user
    return found


def me(request: HttpRequest) -> PortalAccount:
    """The signed-in patient's own account (`portal.self`)."""
    return account(request, Action.PORTAL_SELF)


def family_recipient(portal: PortalAccount) -> Recipient:
    """The family member as a recipient of the disclosure gate: the name (and key, if the
    consent has one) of the consent the account was invited under. Another current consent
    naming the same person also covers them (the gate compares names as people write them)."""
    consent = portal.consent
    assert consent is not None
    return Recipient(
        kind="family",
        name=consent.recipient_name,
        key=consent.recipient_key,
    )


@dataclass(frozen=True)
class FamilyAccess:
    account: PortalAccount
    data: frozenset[str]  # the covering consent's information categories
    consent_id: int  # the consent that covers the family member now


def family(request: HttpRequest) -> FamilyAccess:
    """A family member's account and what its consent allows now; refused (audited 403 with
    the gate's reason) once the consent no longer covers a disclosure to them."""
    from openiop.privacy import gate

    portal = account(request, Action.PORTAL_FAMILY)
    consent = portal.consent
    assert consent is not None and portal.kind == AccountKind.FAMILY
    decision = gate.check(
        portal.patient,
        recipient=family_recipient(portal),
        purpose=FAMILY_PURPOSE,
        data=list(consent.data or []),
        at=timezone.now(),
    )
    if not decision.allowed:
        raise policy.refuse(
            portal.user,
            "The consent that gave you access has ended, so this portal shows nothing more. "
            f"{decision.reason}",
            request=request,
            patient=portal.patient,
            object_type="portal.portalaccount",
            object_id=str(portal.pk),
            detail="family portal refused: the consent no longer covers it",
        )
    from openiop.privacy.models import Consent

    covering = (
        Consent.objects.filter(pk=int(decision.consent_id or 0))
        .values_list("data", flat=True)
        .first()
    )
    return FamilyAccess(portal, frozenset(covering or []), int(decision.consent_id or 0))


def not_found(request: HttpRequest, portal: PortalAccount, object_type: str, pk: object) -> Http404:
    """An audited 404 for an id that is not this account's patient's."""
    audit.record(
        actor=portal.user,
        action=AuditAction.DENIED,
        object_type=object_type,
        object_id=str(pk)[:64],
        request=request,
        detail="portal: object of another patient, or unknown",
        part2=False,
    )
    return Http404("Not found.")


def viewed(request: HttpRequest, portal: PortalAccount, fields: list[str], what: str) -> None:
    """Audit a portal page that showed the patient's record (45 CFR 164.312(b))."""
    audit.record(
        actor=portal.user,
        action=AuditAction.VIEW,
        patient=portal.patient,
        object_type="patients.patient",
        object_id=str(portal.patient_id),
        fields=fields,
        request=request,
        detail=f"portal: {what}",
        part2=True,
    )
