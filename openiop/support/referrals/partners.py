"""The partner directory's write path: one service saves a partner and its services.

Partners are organizations, not patient data: the audit event names no patient. A partner's
name is unique in the organization (the referral form and the consent name it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.support.models import Language, NeedKind, Partner, PartnerService

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
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if len(name) < 2:
        errors["name"] = "Give the partner's name."
    elif (
        Partner.objects.filter(organization_id=org_id, name__iexact=name)
        .exclude(pk=partner.pk if partner is not None else 0)
        .exists()
    ):
        errors["name"] = "Another partner of your organization has this name."
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
    from openiop.support.models import PartnerReferral

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
