"""Plumbing every care API view shares: the patient (writes need a clinician, like the
pages), objects inside that patient, the audited view, and a service call whose
``ValidationError`` becomes a 400 naming the fields.

Authorization itself is ``care.access``; each sub-area's ``api.py`` uses these helpers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.patients.models import Patient


def patient_for(request: Request, pk: int, *, write: bool = False) -> tuple[User, Patient]:
    """API writes need a clinician, like the pages (care.access)."""
    return care_access.care_patient(request, pk, clinician=write)


def inside(user: User, request: Request, qs: Any, pk: int, what: str) -> Any:
    return care_access.inside(user, request, qs, pk, what)


def viewed(user: User, patient: Patient, request: Request, fields: list[str], detail: str) -> None:
    care_access.viewed(user, patient, request, fields, f"api {detail}")


def call(fn: Any) -> Any:
    """Run a service; its ValidationError becomes a 400 naming the fields."""
    try:
        return fn()
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        ) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
