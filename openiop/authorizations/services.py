"""Authorization writes: add and change (one `@service` each, audited)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.authorizations.models import Authorization, UnitKind
from openiop.billing.models import Payer
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.consent import Recipient
from openiop.patients.models import Patient
from openiop.privacy import gate
from openiop.privacy.models import Channel

MAX_LEAD_BUSINESS_DAYS = 30


def _clean(patient: Patient, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    payer: Payer | None = data.get("payer")
    if payer is None or payer.organization_id != patient.organization_id:
        errors["payer"] = "Choose one of your organization's payers."
    service_code = (data.get("service") or "").strip().upper()
    if not service_code:
        errors["service"] = "Give the billed code the authorization covers, such as H0015."
    if data.get("unit_kind") not in UnitKind.values:
        errors["unit_kind"] = "Choose what a unit is: a day, a session or an hour."
    units = data.get("units_authorized")
    if units is None or Decimal(units) <= 0:
        errors["units_authorized"] = "The units authorized must be more than zero."
    elif data.get("unit_kind") != UnitKind.HOURS and Decimal(units) != Decimal(units).to_integral():
        errors["units_authorized"] = "Days and sessions are authorized in whole numbers."
    starts_on: date | None = data.get("starts_on")
    ends_on: date | None = data.get("ends_on")
    if starts_on is None:
        errors["starts_on"] = "Give the first day of the authorization."
    if ends_on is None:
        errors["ends_on"] = "Give the last day of the authorization."
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The last day is before the first day."
    if not (data.get("number") or "").strip():
        errors["number"] = "Give the payer's authorization number."
    lead = data.get("review_lead_business_days")
    if lead is None or not 0 <= lead <= MAX_LEAD_BUSINESS_DAYS:
        errors["review_lead_business_days"] = (
            f"Give the review lead time, from 0 to {MAX_LEAD_BUSINESS_DAYS} business days."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "payer": payer,
        "service": service_code,
        "unit_kind": data["unit_kind"],
        "units_authorized": Decimal(str(units)),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "number": data["number"].strip(),
        "review_contact_name": (data.get("review_contact_name") or "").strip(),
        "review_contact_phone": (data.get("review_contact_phone") or "").strip(),
        "review_lead_business_days": lead,
        "notes": (data.get("notes") or "").strip(),
    }


def _label(name: str) -> str:
    return str(getattr(Authorization._meta.get_field(name), "verbose_name", name))


@service
def authorization_add(
    *, actor: User, patient: Patient, request: HttpRequest | None = None, **data: Any
) -> Authorization:
    """Record a payer's authorization for a patient."""
    policy.require(actor, Action.BILLING_MANAGE, request=request, patient=patient, obj=patient)
    access.require_in_scope(actor, patient, request=request)
    values = _clean(patient, data)
    now = timezone.now()
    auth = Authorization.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **values,
    )
    audit.record(actor=actor, action=AuditAction.ADD, patient=patient, obj=auth, request=request)
    return auth


@service
def authorization_change(
    *, actor: User, authorization: Authorization, request: HttpRequest | None = None, **data: Any
) -> Authorization:
    """Change an authorization (an extension after a concurrent review, a corrected number)."""
    patient = authorization.patient
    policy.require(actor, Action.BILLING_MANAGE, request=request, patient=patient, obj=patient)
    access.require_in_scope(actor, patient, request=request)
    values = _clean(patient, data)
    changed = sorted(k for k, v in values.items() if getattr(authorization, k) != v)
    for k, v in values.items():
        setattr(authorization, k, v)
    authorization.updated_at = timezone.now()
    authorization.save()
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        obj=authorization,
        request=request,
        detail=f"changed: {', '.join(_label(k) for k in changed) or 'nothing'}",
    )
    return authorization


@service
def review_packet_issue(
    *, actor: User, authorization: Authorization, request: HttpRequest | None = None
) -> bytes:
    """The concurrent-review packet for the payer's reviewer: a disclosure to the payer for
    payment, allowed and logged by the one gate under the consent that covers it (or refused,
    audited, with the reason), then printed with that consent's summary and the notice of
    42 CFR 2.32."""
    from openiop.authorizations import packet, selectors

    policy.require(
        actor,
        Action.BILLING_READ,
        request=request,
        object_type="authorizations.authorization",
    )
    payer = authorization.payer
    recipient = Recipient("health_plan", payer.name, f"payer:{payer.pk}")
    data = packet.DATA
    # Minimum necessary: when the consent covers everything but the measure results, the
    # packet goes without them (and says so) rather than not at all.
    lean = data - {"screenings"}
    if (
        not gate.check(
            authorization.patient, recipient=recipient, purpose="payment", data=data
        ).allowed
        and gate.check(
            authorization.patient, recipient=recipient, purpose="payment", data=lean
        ).allowed
    ):
        data = lean
    disclosure = gate.disclose(
        authorization.patient,
        recipient=recipient,
        purpose="payment",
        data=data,
        channel=Channel.PACKET,
        description=f"Concurrent review packet for authorization {authorization.number}",
        actor=actor,
        obj=authorization,
        request=request,
    )
    today = timezone.localdate()
    content = packet.render(
        authorization,
        selectors.forecast_for(authorization, today),
        today,
        disclosure.consent,
        with_measures="screenings" in data,
    )
    audit.record(
        actor=actor,
        action=AuditAction.PRINT,
        patient=authorization.patient,
        obj=authorization,
        request=request,
        detail="concurrent review packet",
    )
    return content
