"""Authorization helpers shared by the care pages and the care API (one copy of each rule).

Everything goes through `openiop.core.access`: the patient via `patient_for` (404, audited);
care writes additionally need a clinician (403, audited); objects are looked up inside the
authorized patient's queryset (404, audited). Views of patient data are audited here too.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from openiop.accounts.models import User
from openiop.core import access, audit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.patients.models import Patient

M = TypeVar("M", bound=Model)


def care_patient(
    request: HttpRequest, pk: int, *, write: bool = False, clinician: bool = False
) -> tuple[User, Patient]:
    """The staff user and the patient whose care records they may read (`care.read`), or
    change when `write` or `clinician` (`care.write`); 404 or 403 otherwise, audited."""
    user = access.staff(request)
    action = Action.CARE_WRITE if (write or clinician) else Action.CARE_READ
    patient = access.patient_for(user, pk, action=action, request=request)
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
