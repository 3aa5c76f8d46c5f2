"""Helpers every care sub-area's services share: the open enrolment statuses, input checks that
raise a ``ValidationError`` keyed by field, the audit record of a write about a patient, and
the week's Monday (peer meetings and attendance are counted by week).

Who may act is ``care.access``; this module only checks input shape and records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import audit
from openiop.patients.models import EnrollmentStatus, Patient

OPEN_ENROLLMENT = (EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE)
TEXT_MAX = 500


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def checked_text(value: str, field: str, *, minimum: int = 1, maximum: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        if minimum <= 1:
            raise ValidationError({field: "This field is required."})
        raise ValidationError({field: f"Write at least {minimum} characters."})
    if len(text) > maximum:
        raise ValidationError({field: f"Keep this under {maximum} characters."})
    return text


def check_not_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "This date is in the future."})


def checked_choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"Choose one of: {', '.join(choices.values)}."})
    return value


def record(
    actor: User | None,
    action: str,
    patient: Patient,
    obj: Any,
    fields: Sequence[str],
    request: HttpRequest | None,
    detail: str = "",
) -> None:
    """The audit event of a care write about ``patient``, in the patient's organization."""
    audit.record(
        actor=actor,
        action=action,
        patient=patient,
        obj=obj,
        fields=list(fields),
        request=request,
        detail=detail,
        organization_id=patient.organization_id,
    )
