"""Reads of the partner directory and the referral work list (constant queries per page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q

from openiop.core import access
from openiop.support.models import (
    OPEN_REFERRAL,
    Language,
    NeedKind,
    Partner,
    PartnerReferral,
    PartnerService,
    ReferralEvent,
)

if TYPE_CHECKING:
    from openiop.accounts.models import User

LANGUAGES = dict(Language.choices)


def partners(
    user: User, *, text: str = "", kind: str = "", language: str = "", active_only: bool = False
) -> list[Partner]:
    """The organization's partners, searched by name or service name, kind of service and
    language; each with its services and its linked location (two queries)."""
    rows = Partner.objects.filter(organization_id=access.organization_id(user))
    if text:
        rows = rows.filter(Q(name__icontains=text) | Q(services__name__icontains=text))
    if kind:
        rows = rows.filter(services__kind=kind, services__active=True)
    if active_only:
        rows = rows.filter(active=True)
    found = list(
        rows.select_related("facility")
        .prefetch_related(Prefetch("services", queryset=PartnerService.objects.filter(active=True)))
        .distinct()
    )
    # A JSON list: containment lookups are not on SQLite; the directory is short.
    return [p for p in found if language in (p.languages or [])] if language else found


def language_names(partner: Partner) -> list[str]:
    return [LANGUAGES.get(code, code) for code in partner.languages or []]


def shown_address(partner: Partner) -> tuple[str, str]:
    """The partner's address and phone, or its linked location's when blank."""
    facility = partner.facility
    address = ", ".join(p for p in (partner.address, partner.city, partner.state) if p)
    phone = partner.phone
    if facility is not None:
        if not address:
            address = ", ".join(p for p in (facility.address, facility.city, facility.state) if p)
        phone = phone or facility.phone
    return address, phone


def partners_for_need(user: User, kind: str) -> tuple[list[Partner], list[Partner]]:
    """Active partners: those offering this kind of help first, the others after."""
    rows = list(
        Partner.objects.filter(organization_id=access.organization_id(user), active=True)
        .annotate(
            offers=Exists(
                PartnerService.objects.filter(partner=OuterRef("pk"), kind=kind, active=True)
            )
        )
        .prefetch_related(Prefetch("services", queryset=PartnerService.objects.filter(active=True)))
    )
    return [p for p in rows if p.offers], [p for p in rows if not p.offers]


@dataclass(frozen=True)
class WorkRow:
    referral: PartnerReferral
    overdue_days: int


def work_list(
    user: User,
    *,
    today: date,
    overdue_only: bool = False,
    partner_id: int | None = None,
    status: str = "",
) -> list[WorkRow]:
    """Open referrals of the patients in the user's scope, overdue first (oldest follow-up
    first), then by follow-up day. One query."""
    rows = PartnerReferral.objects.filter(
        organization_id=access.organization_id(user),
        status__in=OPEN_REFERRAL,
        patient__in=access.patients_visible_to(user).values("pk"),
    ).select_related("patient", "need", "partner", "service", "sent_by")
    if overdue_only:
        rows = rows.filter(follow_up_on__lt=today)
    if partner_id:
        rows = rows.filter(partner_id=partner_id)
    if status:
        rows = rows.filter(status=status)
    result = [
        WorkRow(r, max(0, (today - r.follow_up_on).days))
        for r in rows.order_by("follow_up_on", "id")
    ]
    return sorted(
        result, key=lambda w: (w.overdue_days == 0, w.referral.follow_up_on, w.referral.pk)
    )


def events(referral: PartnerReferral) -> list[ReferralEvent]:
    return list(referral.events.select_related("recorded_by").order_by("recorded_at", "id"))


NEED_KINDS = dict(NeedKind.choices)
