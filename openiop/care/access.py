"""Authorization helpers shared by the care pages, the care API and the care services (one
copy of each rule).

Everything goes through `openiop.core.access` and `openiop.core.policy`: the patient via
`patient_for` (404, audited); care writes additionally need a clinician (403, audited);
objects are looked up inside the authorized patient's queryset (404, audited). Views of
patient data are audited here too. Services ask again before writing
(`require_clinician_for`, `require_configure`); templates ask `is_clinician` and
`can_configure` before showing a button.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from openiop.accounts.models import User
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.patients.models import Patient

M = TypeVar("M", bound=Model)


# --- who may act (services ask again before writing) -----------------------------------------


def is_clinician(user: User) -> bool:
    """The policy's `care.write`: counselors and clinical directors past TOTP."""
    return policy.allows(user, Action.CARE_WRITE)


def can_configure(user: User) -> bool:
    return policy.allows(user, Action.CARE_SETTINGS)


def require_clinician(actor: User) -> None:
    policy.require(actor, Action.CARE_WRITE)


def require_patient(actor: User, patient: Patient) -> None:
    """The actor sees this patient (membership or an active emergency grant)."""
    access.require_in_scope(actor, patient)


def require_clinician_for(actor: User, patient: Patient) -> None:
    require_clinician(actor)
    require_patient(actor, patient)


def require_configure(actor: User, organization_id: int) -> None:
    policy.require(actor, Action.CARE_SETTINGS, object_type="care.settings")
    if access.organization_id(actor) != organization_id:
        raise policy.refuse(
            actor, "That belongs to another organization.", object_type="care.settings"
        )


# --- pages and API: the user, the patient, objects inside it ---------------------------------


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


def configurer(request: HttpRequest) -> User:
    """The staff user of a care settings page (`care.settings`; 403 otherwise, audited)."""
    user = access.staff(request)
    policy.require(user, Action.CARE_SETTINGS, request=request, object_type="care.settings")
    return user
