"""Writes of the family portal: the disclosure a family page makes (42 CFR 2.25, 2.31), and
the program's family events kept by staff. One `@service` each, audited in the same
transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.organization.access import require_program
from openiop.organization.models import Program
from openiop.portal.access import FAMILY_PURPOSE, FamilyAccess, family_recipient
from openiop.portal.models import FamilyEvent, PortalAccount
from openiop.privacy import gate
from openiop.privacy.models import Channel, Disclosure

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


@service
def family_disclose(
    allowed: FamilyAccess,
    *,
    user: User,
    data: Collection[str],
    description: str,
    request: HttpRequest | None = None,
) -> Disclosure:
    """Record what a family page shows as a disclosure through the gate (channel "portal",
    purpose "family"), at most once per consent, set of information and local day of the
    patient's site: the patient's accounting lists it without one line per page view."""
    portal = allowed.account
    patient = portal.patient
    policy.require(user, Action.PORTAL_FAMILY, request=request, patient=patient)
    if user.pk != portal.user_id:
        raise policy.refuse(user, "This is not your portal account.", request=request)
    # One family page at a time per account, so two views in the same instant record one row.
    PortalAccount.objects.select_for_update().filter(pk=portal.pk).first()
    wanted = sorted(set(data))
    zone = ZoneInfo(patient.site.timezone or "UTC")
    low, high = _day_bounds(timezone.now().astimezone(zone).date(), zone)
    recipient = family_recipient(portal)
    earlier = Disclosure.objects.filter(
        patient=patient,
        consent_id=allowed.consent_id,
        channel=Channel.PORTAL,
        purpose=FAMILY_PURPOSE,
        recipient_kind=recipient.kind,
        recipient_name=recipient.name[:200],
        made_at__gte=low,
        made_at__lt=high,
    ).order_by("-made_at")
    for row in earlier:
        if sorted(row.data or []) == wanted:
            return row
    return gate.disclose(
        patient,
        recipient=recipient,
        purpose=FAMILY_PURPOSE,
        data=wanted,
        channel=Channel.PORTAL,
        description=description,
        actor=user,
        request=request,
    )


@service
def family_event_add(
    actor: User,
    program: Program,
    *,
    title: str,
    day: date | None,
    start: time | None,
    end: time | None,
    where: str,
    request: HttpRequest | None = None,
) -> FamilyEvent:
    """Add a family session or family education evening to a program's schedule (times in
    the program's site time zone). Program-wide: every family member of the program's
    patients sees it in the family portal."""
    require_program(actor, program, Action.CARE_WRITE, request=request, what="family event")
    title, where = title.strip(), where.strip()
    zone = ZoneInfo(program.site.timezone or "UTC")
    today = timezone.now().astimezone(zone).date()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the event a title, for example “Family education evening”."
    elif len(title) > 120:
        errors["title"] = "Keep the title under 120 characters."
    if not where:
        errors["where"] = "Say where it takes place: a room, an address or a video link."
    elif len(where) > 200:
        errors["where"] = "Keep the place under 200 characters."
    if day is None:
        errors["day"] = "Give the date."
    elif day < today:
        errors["day"] = "The date is in the past."
    if start is None:
        errors["start"] = "Give the start time."
    if end is None:
        errors["end"] = "Give the end time."
    elif start is not None and end <= start:
        errors["end"] = "The end time must be after the start time."
    if errors:
        raise ValidationError(errors)
    assert day is not None and start is not None and end is not None
    event = FamilyEvent.objects.create(
        program=program,
        patient=None,
        title=title,
        starts_at=datetime.combine(day, start, tzinfo=zone),
        ends_at=datetime.combine(day, end, tzinfo=zone),
        where=where,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=event,
        request=request,
        detail=f"family event added to program {program.pk}",
        part2=False,
        organization_id=program.site.organization_id,
    )
    return event


@service
def family_event_cancel(
    actor: User, event: FamilyEvent, *, request: HttpRequest | None = None
) -> FamilyEvent:
    """Cancel a family event: it leaves the family portal's schedule."""
    program = Program.objects.select_related("site").get(pk=event.program_id)
    require_program(actor, program, Action.CARE_WRITE, request=request, what="family event")
    event = FamilyEvent.objects.select_for_update().get(pk=event.pk)
    if event.cancelled_at is not None:
        raise ValidationError({"__all__": "This event was already cancelled."})
    event.cancelled_at = timezone.now()
    event.save(update_fields=["cancelled_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=event,
        request=request,
        detail="family event cancelled",
        part2=False,
        organization_id=program.site.organization_id,
    )
    return event
