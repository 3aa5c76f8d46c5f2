"""Write path for referrals. Each function is one audited transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from openiop.core import access, audit
from openiop.core.models import AuditAction
from openiop.intake.models import Referral, ReferralEvent, ReferralSource, ReferralStage
from openiop.organization.models import Organization, Program

if TYPE_CHECKING:
    from openiop.accounts.models import User

PERSON_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email", "preferred_language")
REFERRER_FIELDS = ("referrer_name", "referrer_organization", "referrer_phone", "referrer_email")


@transaction.atomic
def referral_create(
    *,
    actor: User | None,
    organization: Organization,
    program: Program | None,
    source: str,
    person: dict[str, Any],
    referrer: dict[str, Any] | None = None,
    reason: str = "",
    consent_text: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Record a new referral at stage "inquiry".

    `actor` is None for a request sent from the public pages (then `consent_text` is
    required: the statement the person agreed to, stored verbatim).
    """
    if actor is not None and access.organization_id(actor) != organization.pk:
        raise PermissionDenied("That organization is not yours.")
    if program is not None and program.site.organization_id != organization.pk:
        raise ValidationError({"program": "This program belongs to another organization."})
    if source not in ReferralSource.values:
        raise ValidationError({"source": f"Unknown referral source {source!r}."})
    if actor is None and not consent_text.strip():
        raise ValidationError({"consent_text": "The consent statement is required."})
    unknown = (set(person) - set(PERSON_FIELDS)) | (set(referrer or {}) - set(REFERRER_FIELDS))
    if unknown:
        raise ValidationError({k: "Unknown field." for k in sorted(unknown)})
    now = timezone.now()
    referral = Referral(
        organization=organization,
        program=program,
        source=source,
        stage=ReferralStage.INQUIRY,
        stage_changed_at=now,
        reason=reason,
        consent_text=consent_text,
        submitted_publicly=actor is None,
        **person,
        **(referrer or {}),
    )
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(
        referral=referral,
        from_stage="",
        to_stage=ReferralStage.INQUIRY,
        actor=actor,
        reason="public referral request" if actor is None else "recorded by staff",
        occurred_at=now,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=referral,
        fields=sorted(
            [*(k for k, v in person.items() if v), *(k for k, v in (referrer or {}).items() if v)]
        ),
        request=request,
        organization_id=organization.pk,
        part2=True,
        detail="referral received" + (" from the public pages" if actor is None else ""),
    )
    return referral
