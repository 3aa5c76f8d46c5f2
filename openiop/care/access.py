"""Authorization helpers shared by the care pages and the care API (one copy of each rule).

Everything goes through `openiop.core.access`: the patient via `patient_for` (404, audited);
care writes additionally need a clinician (403, audited); objects are looked up inside the
authorized patient's queryset (404, audited). Views of patient data are audited here too.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from openiop.accounts.models import User
from openiop.care import services
from openiop.core import access, audit
from openiop.core.models import AuditAction
from openiop.patients.models import Patient

M = TypeVar("M", bound=Model)


def care_patient(
    request: HttpRequest, pk: int, *, write: bool = False, clinician: bool = False
) -> tuple[User, Patient]:
    """The staff user and the patient they may see (and change when `write`); with
    `clinician`, the user must also be a counselor or clinical director (403, audited)."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, write=write or clinician, request=request)
    if clinician and not services.is_clinician(user):
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            patient=patient,
            obj=patient,
            request=request,
            detail="care write refused: not a clinician",
        )
        raise PermissionDenied("Only counselors and clinical directors can do this.")
    return user, patient


def inside(user: User, request: HttpRequest, qs: QuerySet[M], pk: int, what: str) -> M:
    """An object of the authorized patient; anything else is 404, audited as a denial."""
    obj = qs.filter(pk=pk).first()
    if obj is None:
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            object_type=what,
            object_id=str(pk),
            request=request,
            detail=f"{what} not of this patient, or unknown",
            part2=False,
        )
        raise Http404("Not found.")
    return obj


def viewed(
    user: User, patient: Patient, request: HttpRequest, fields: list[str], detail: str
) -> None:
    """Audit a view of this patient's care data."""
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        obj=patient,
        fields=fields,
        request=request,
        detail=detail,
    )
