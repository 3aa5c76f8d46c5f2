"""Object getters of support services: each asks the one policy (scope through the patient,
then the role) and audits a refusal. Partners are not patient data; they are scoped to the
user's organization."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openiop.core import access
from openiop.core.policy import Action
from openiop.support.models import Need, Partner, PartnerReferral

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User


def need_for(user: User, pk: int, *, action: Action, request: HttpRequest | None = None) -> Need:
    """The need if its patient is in the user's scope and the role allows `action`."""
    access.require_verified_staff(user)
    need = (
        Need.objects.filter(pk=pk, organization_id=access.organization_id(user))
        .only("pk", "patient_id")
        .first()
    )
    if need is None:
        raise access.not_found(user, "support.need", pk, request=request)
    patient = access.patient_for(user, need.patient_id, action=action, request=request)
    full = Need.objects.select_related("identified_by", "closed_by", "screening").get(pk=pk)
    full.patient = patient
    return full


def referral_for(
    user: User, pk: int, *, action: Action, request: HttpRequest | None = None
) -> PartnerReferral:
    """The partner referral if its patient is in the user's scope and the role allows
    `action`."""
    access.require_verified_staff(user)
    found = (
        PartnerReferral.objects.filter(pk=pk, organization_id=access.organization_id(user))
        .only("pk", "patient_id")
        .first()
    )
    if found is None:
        raise access.not_found(user, "support.partnerreferral", pk, request=request)
    patient = access.patient_for(user, found.patient_id, action=action, request=request)
    referral = PartnerReferral.objects.select_related("need", "partner", "service", "sent_by").get(
        pk=pk
    )
    referral.patient = patient
    return referral


def partner_for(user: User, pk: int, *, request: HttpRequest | None = None) -> Partner:
    """A partner of the user's organization (404 otherwise, audited)."""
    access.require_verified_staff(user)
    partner = Partner.objects.filter(pk=pk, organization_id=access.organization_id(user)).first()
    if partner is None:
        raise access.not_found(user, "support.partner", pk, request=request)
    return partner
