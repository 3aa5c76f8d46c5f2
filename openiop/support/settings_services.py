"""Write path of the support services' program policy: how long a partner's referral link
works, when a referral is due for follow-up, how often the needs screen is repeated.

Program policy: no published source sets these numbers; each program sets them. The bounds are
OpenIOP sanity limits (a link or a follow-up within 1-90 days; the needs screen again after 7
days to 2 years), the same as the database constraints of ``SupportSettings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.organization.access import require_program
from openiop.organization.models import Program
from openiop.support.models import DEFAULT_SETTINGS, SupportSettings

BOUNDS: dict[str, tuple[int, int, str]] = {
    "link_days": (1, 90, "Choose between 1 and 90 days for the partner's link."),
    "follow_up_days": (1, 90, "Choose between 1 and 90 days before a referral's follow-up."),
    "rescreen_days": (7, 730, "Choose between 7 and 730 days between needs screens."),
}


def _checked(data: Mapping[str, Any]) -> dict[str, int]:
    """Every field in its bounds, or a ValidationError naming each field that is not."""
    values: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name, (low, high, message) in BOUNDS.items():
        raw = data.get(name, DEFAULT_SETTINGS[name])
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[name] = "Enter a whole number of days."
            continue
        if isinstance(raw, bool) or str(value) != str(raw).strip():
            errors[name] = "Enter a whole number of days."
        elif not low <= value <= high:
            errors[name] = message
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


@service
def support_settings_set(
    *,
    actor: User,
    program: Program,
    data: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> SupportSettings:
    """Save the program's support policy (``link_days``, ``follow_up_days``,
    ``rescreen_days``); out-of-range values are refused on their field and nothing is saved."""
    require_program(actor, program, Action.CARE_SETTINGS, request=request, what="support settings")
    values = _checked(data)
    row = SupportSettings.objects.select_for_update().filter(program=program).first()
    if row is None:
        row = SupportSettings(program=program, **DEFAULT_SETTINGS)
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    created = row.pk is None
    if changed or created:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by = actor
        row.updated_at = timezone.now()
        row.save()
        audit.record(
            actor=actor,
            action=AuditAction.ADD if created else AuditAction.CHANGE,
            obj=row,
            fields=changed or list(values),
            request=request,
            detail="support services program policy changed",
            part2=False,
        )
    return row
