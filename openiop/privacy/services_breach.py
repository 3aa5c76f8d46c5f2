"""The breach log's one write path: record, assess, notify, close (45 CFR 164.402-408,
applied to Part 2 records by 42 CFR 2.16(b)).

Each service runs in one transaction (`@service`), asks the policy for `BREACH_MANAGE`,
checks that the entry belongs to the actor's organization, and writes its audit event.
The deadlines themselves are `openiop.privacy.breach_rules`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import AuditedRefusal, service
from openiop.privacy import breach_rules
from openiop.privacy.models import Breach, BreachOutcome

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User

OBJECT_TYPE = "privacy.breach"
FACTORS = ("factor_nature", "factor_recipient", "factor_acquired", "factor_mitigation")


def _allow(actor: User, request: HttpRequest | None, signed_in: bool, pk: object = "") -> None:
    policy.require(
        actor,
        Action.BREACH_MANAGE,
        request=request,
        object_type=OBJECT_TYPE,
        object_id=str(pk or ""),
        signed_in=signed_in,
    )


def _own(actor: User, breach: Breach, request: HttpRequest | None) -> None:
    if breach.organization_id != actor.organization_id:
        raise AuditedRefusal(
            "This entry is not in your organization's breach log.",
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=str(breach.pk),
            request=request,
            detail="breach log entry of another organization",
            part2=False,
        )


def _not_closed(breach: Breach) -> None:
    if breach.closed_on is not None:
        raise ValidationError("This entry is closed and can no longer be changed.")


@service
def breach_record(
    actor: User,
    *,
    discovered_on: date,
    occurred_on: date | None,
    summary: str,
    information_involved: str,
    people_affected: int | None,
    largest_state_count: int | None,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Breach:
    _allow(actor, request, signed_in)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if discovered_on > today:
        errors["discovered_on"] = "The day of discovery cannot be in the future."
    if occurred_on is not None and occurred_on > discovered_on:
        errors["occurred_on"] = "It cannot have happened after it was discovered."
    if not summary.strip():
        errors["summary"] = "Say briefly what happened."
    if (
        people_affected is not None
        and largest_state_count is not None
        and largest_state_count > people_affected
    ):
        errors["largest_state_count"] = "This cannot be more than the number of people affected."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    breach = Breach.objects.create(
        organization_id=access.organization_id(actor),
        discovered_on=discovered_on,
        occurred_on=occurred_on,
        summary=summary.strip(),
        information_involved=information_involved.strip(),
        people_affected=people_affected,
        largest_state_count=largest_state_count,
        reported_by=actor,
        recorded_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=breach,
        request=request,
        detail=f"breach log entry, discovered {discovered_on.isoformat()}",
        part2=False,
    )
    return breach


@service
def breach_assess(
    actor: User,
    breach: Breach,
    *,
    factor_nature: str,
    factor_recipient: str,
    factor_acquired: str,
    factor_mitigation: str,
    outcome: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Breach:
    """The four-factor risk assessment of 45 CFR 164.402(2)(i)-(iv). A conclusion (low
    probability, or breach) needs all four factors written down; "undecided" saves a draft."""
    _allow(actor, request, signed_in, breach.pk)
    _own(actor, breach, request)
    _not_closed(breach)
    values = {
        "factor_nature": factor_nature.strip(),
        "factor_recipient": factor_recipient.strip(),
        "factor_acquired": factor_acquired.strip(),
        "factor_mitigation": factor_mitigation.strip(),
    }
    if outcome not in BreachOutcome.values:
        raise ValidationError({"outcome": "Choose an outcome."})
    if outcome != BreachOutcome.UNDECIDED:
        missing = {
            name: "Write this factor down before concluding the assessment."
            for name, text in values.items()
            if not text
        }
        if missing:
            raise ValidationError(missing)
    for name, text in values.items():
        setattr(breach, name, text)
    breach.outcome = outcome
    breach.updated_at = timezone.now()
    breach.save(update_fields=[*FACTORS, "outcome", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=breach,
        fields=[*FACTORS, "outcome"],
        request=request,
        detail=f"breach risk assessment: {outcome}",
        part2=False,
    )
    return breach


@service
def breach_notify(
    actor: User,
    breach: Breach,
    *,
    individuals_notified_on: date | None,
    hhs_notified_on: date | None,
    media_notified_on: date | None,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Breach:
    """The days the notices of 45 CFR 164.404-408 were made."""
    _allow(actor, request, signed_in, breach.pk)
    _own(actor, breach, request)
    _not_closed(breach)
    today = timezone.localdate()
    values = {
        "individuals_notified_on": individuals_notified_on,
        "hhs_notified_on": hhs_notified_on,
        "media_notified_on": media_notified_on,
    }
    errors: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if value < breach.discovered_on:
            errors[name] = "A notice cannot be before the day the breach was discovered."
        elif value > today:
            errors[name] = "This day is in the future."
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(breach, name, value)
    breach.updated_at = timezone.now()
    breach.save(update_fields=[*values, "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=breach,
        fields=[k for k, v in values.items() if v is not None],
        request=request,
        detail="breach notifications recorded",
        part2=False,
    )
    return breach


@service
def breach_close(
    actor: User,
    breach: Breach,
    *,
    closed_on: date,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Breach:
    """Close an assessed entry. A breach closes only once every notice it needs is made."""
    _allow(actor, request, signed_in, breach.pk)
    _own(actor, breach, request)
    _not_closed(breach)
    errors: dict[str, str] = {}
    if closed_on < breach.discovered_on:
        errors["closed_on"] = "An entry cannot close before the day it was discovered."
    elif closed_on > timezone.localdate():
        errors["closed_on"] = "This day is in the future."
    if breach.outcome == BreachOutcome.UNDECIDED:
        errors["closed_on"] = "Finish the risk assessment before closing this entry."
    elif breach.outcome == BreachOutcome.BREACH:
        pending = [d.label for d in breach_deadlines(breach) if d.done_on is None]
        if pending:
            errors["closed_on"] = "Notices still to be made: " + "; ".join(pending) + "."
    if errors:
        raise ValidationError(errors)
    breach.closed_on = closed_on
    breach.updated_at = timezone.now()
    breach.save(update_fields=["closed_on", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=breach,
        fields=["closed_on"],
        request=request,
        detail=f"breach log entry closed ({breach.outcome})",
        part2=False,
    )
    return breach


def breach_deadlines(breach: Breach) -> list[breach_rules.Deadline]:
    return breach_rules.deadlines(
        discovered_on=breach.discovered_on,
        people_affected=breach.people_affected,
        largest_state_count=breach.largest_state_count,
        outcome=breach.outcome,
        individuals_notified_on=breach.individuals_notified_on,
        hhs_notified_on=breach.hhs_notified_on,
        media_notified_on=breach.media_notified_on,
    )
