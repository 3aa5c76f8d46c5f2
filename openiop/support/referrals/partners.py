"""The partner directory's write path: one service saves a partner and its services.

Partners are organizations, not patient data: the audit event names no patient. A partner's
name is unique in the organization, compared as people write names (case, spacing and
punctuation ignored, as consents compare them), because the referral form and the consents
name it. A partner that a consent or a referral names is not renamed: a written consent
names its recipient (42 CFR 2.31(a)(4)), and a new name would silently move or drop what
the patient agreed to. A new partner is added instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.consent import same_name
from openiop.organization.models import Organization
from openiop.privacy.models import Consent
from openiop.support.models import Language, NeedKind, Partner, PartnerReferral, PartnerService

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User

FIELDS = (
    "name",
    "contact_name",
    "phone",
    "email",
    "website",
    "address",
    "city",
    "state",
    "zip_code",
    "eligibility",
    "languages",
    "active",
    "facility",
)


def _check_services(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for i, row in enumerate(services):
        kind = (row.get("kind") or "").strip()
        name = (row.get("name") or "").strip()
        eligibility = (row.get("eligibility") or "").strip()
        if not kind and not name:
            continue  # an empty row
        if kind not in NeedKind.values:
            raise ValidationError({"services": f"Service {i + 1}: choose the kind of help."})
        if not name:
            raise ValidationError({"services": f"Service {i + 1}: give the service a name."})
        if len(name) > 200 or len(eligibility) > 1000:
            raise ValidationError({"services": f"Service {i + 1}: the text is too long."})
        rows.append({"pk": row.get("pk"), "kind": kind, "name": name, "eligibility": eligibility})
    return rows


RENAME_REFUSED = (
    "Consents or referrals name this partner; add a new partner instead of renaming it."
)


def _name_taken(org_id: int, name: str, partner: Partner | None) -> bool:
    """Whether another partner of the organization has this name, as consents compare names."""
    others = Partner.objects.filter(organization_id=org_id)
    if partner is not None:
        others = others.exclude(pk=partner.pk)
    return any(same_name(name, other) for other in others.values_list("name", flat=True))


def _named_elsewhere(partner: Partner) -> bool:
    """Whether a consent (bound to the partner, or naming it as a service partner) or a
    referral names this partner."""
    if PartnerReferral.objects.filter(partner=partner).exists():
        return True
    consents = Consent.objects.filter(organization_id=partner.organization_id)
    if consents.filter(recipient_key=f"partner:{partner.pk}").exists():
        return True
    names = consents.filter(recipient_kind="service_partner").values_list(
        "recipient_name", flat=True
    )
    return any(same_name(name, partner.name) for name in names.distinct())


@service
def partner_save(
    *,
    actor: User,
    partner: Partner | None,
    data: dict[str, Any],
    services: list[dict[str, Any]],
    request: HttpRequest | None = None,
) -> Partner:
    """Create (`partner` None) or change a partner of the actor's organization, with its
    services: rows with a `pk` are changed, rows without one added, services not listed any
    more are removed (or made inactive when a referral names them)."""
    policy.require(actor, Action.PARTNER_MANAGE, request=request, object_type="support.partner")
    org_id = access.organization_id(actor)
    if partner is not None and partner.organization_id != org_id:
        raise access.not_found(actor, "support.partner", partner.pk, request=request)
    # One partner write at a time per organization, so two saves cannot both pass the
    # name check below (the database constraint compares exact names only).
    Organization.objects.select_for_update().filter(pk=org_id).first()
    if partner is not None:
        partner = Partner.objects.get(pk=partner.pk)  # the stored name, not a changed copy
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if len(name) < 2:
        errors["name"] = "Give the partner's name."
    elif _name_taken(org_id, name, partner):
        errors["name"] = "Another partner of your organization has this name."
    elif partner is not None and not same_name(name, partner.name) and _named_elsewhere(partner):
        # (a change of case or punctuation only is allowed: consents still name it)
        errors["name"] = RENAME_REFUSED
    languages = list(data.get("languages") or [])
    if any(code not in Language.values for code in languages):
        errors["languages"] = "Choose languages from the list."
    facility = data.get("facility")
    if facility is not None and facility.organization_id != org_id:
        errors["facility"] = "Choose one of your organization's locations."
    try:
        rows = _check_services(services)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        rows = []
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    creating = partner is None
    target = Partner(organization_id=org_id, created_at=now) if partner is None else partner
    for field in FIELDS:
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            setattr(target, field, value)
    target.name = name
    target.languages = languages
    target.updated_at = now
    target.save()
    kept = []
    existing = {s.pk: s for s in PartnerService.objects.filter(partner=target)}
    for row in rows:
        svc = existing.get(int(row["pk"])) if row.get("pk") else None
        if svc is None:
            svc = PartnerService(partner=target)
        svc.kind, svc.name, svc.eligibility, svc.active = (
            row["kind"],
            row["name"],
            row["eligibility"],
            True,
        )
        svc.save()
        kept.append(svc.pk)

    for pk, svc in existing.items():
        if pk in kept:
            continue
        if PartnerReferral.objects.filter(service=svc).exists():
            svc.active = False
            svc.save(update_fields=["active"])
        else:
            svc.delete()
    audit.record(
        actor=actor,
        action=AuditAction.ADD if creating else AuditAction.CHANGE,
        obj=target,
        fields=[f for f in FIELDS if f in data] + ["services"],
        request=request,
        part2=False,
        detail=f"support partner {'added' if creating else 'changed'}",
    )
    return target
