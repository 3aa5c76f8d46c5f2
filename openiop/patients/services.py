"""Write path for patients: register, change, contacts, emergency access.

Each function is one transaction that writes its audit event alongside the change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.models import AuditAction, BreakGlassGrant
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.organization.models import Program, Site
from openiop.patients.models import Contact, Patient

if TYPE_CHECKING:
    from openiop.accounts.models import User

PATIENT_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "sex_at_birth",
    "gender_identity",
    "pronouns",
    "preferred_language",
    "interpreter_needed",
    "phone",
    "email",
    "address",
    "city",
    "state",
    "zip_code",
)


def _check_placement(actor: User, site: Site, program: Program | None) -> None:
    """The actor may register at this site/program, and the program belongs to the site."""
    if site.organization_id != access.organization_id(actor):
        raise policy.refuse(actor, "That site belongs to another organization.", obj=site)
    if program is not None and program.site_id != site.pk:
        raise ValidationError({"program": "This program is run at another site."})
    if access.sees_whole_organization(actor):
        return
    profile = getattr(actor, "staff_profile", None)
    site_ok = profile is not None and profile.sites.filter(pk=site.pk).exists()
    program_ok = (
        profile is not None
        and program is not None
        and profile.programs.filter(pk=program.pk).exists()
    )
    if not (site_ok or program_ok):
        raise PermissionDenied("You can register patients only at your own sites and programs.")


def _next_mrn(organization_id: int) -> str:
    count = Patient.objects.filter(organization_id=organization_id).count()
    return f"{count + 1:07d}"


@service
def patient_register(
    *,
    actor: User,
    site: Site,
    program: Program | None,
    data: dict[str, Any],
    emergency_contact: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Patient:
    """Register a patient with a new record number; optional emergency contact."""
    policy.require(actor, Action.PATIENT_WRITE, object_type="patients.patient")
    _check_placement(actor, site, program)
    unknown = set(data) - set(PATIENT_FIELDS)
    if unknown:
        raise ValidationError({k: "Unknown field." for k in sorted(unknown)})
    patient = Patient(organization_id=site.organization_id, site=site, program=program, **data)
    for attempt in range(5):
        patient.mrn = _next_mrn(site.organization_id)
        if attempt:
            patient.mrn = f"{int(patient.mrn) + attempt:07d}"
        patient.full_clean(exclude=["organization", "site", "program"])
        try:
            with transaction.atomic():
                patient.save()
            break
        except IntegrityError:
            patient.pk = None
            if attempt == 4:
                raise
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=patient,
        fields=[k for k, v in data.items() if v not in ("", None)],
        request=request,
    )
    if emergency_contact and emergency_contact.get("name"):
        contact_add(
            actor=actor,
            patient=patient,
            data={**emergency_contact, "is_emergency": True},
            request=request,
        )
    return patient


@service
def patient_update(
    *, actor: User, patient: Patient, data: dict[str, Any], request: HttpRequest | None = None
) -> Patient:
    """Change demographics; the audit event names the fields that changed."""
    policy.require(actor, Action.PATIENT_WRITE, patient=patient, obj=patient)
    unknown = set(data) - set(PATIENT_FIELDS)
    if unknown:
        raise ValidationError({k: "Unknown field." for k in sorted(unknown)})
    changed = [k for k, v in data.items() if getattr(patient, k) != v]
    for key in changed:
        setattr(patient, key, data[key])
    if not changed:
        return patient
    patient.full_clean(exclude=["organization", "site", "program"])
    patient.save(update_fields=changed)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        obj=patient,
        fields=changed,
        request=request,
    )
    return patient


@service
def contact_add(
    *, actor: User, patient: Patient, data: dict[str, Any], request: HttpRequest | None = None
) -> Contact:
    policy.require(actor, Action.PATIENT_WRITE, patient=patient, obj=patient)
    contact = Contact(patient=patient, **data)
    contact.full_clean(exclude=["patient"])
    contact.save()
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=contact,
        fields=sorted(k for k, v in data.items() if v not in ("", None, False)),
        request=request,
    )
    return contact


@service
def break_glass_start(
    *, actor: User, mrn: str, reason: str, hours: int, request: HttpRequest | None = None
) -> BreakGlassGrant:
    """Open emergency access to one patient of the actor's organization.

    Only members of the pre-set group may (45 CFR 170.315(d)(6)); a reason is required and
    the grant lasts at most BREAK_GLASS_MAX_HOURS (4 h).
    """
    access.require_verified_staff(actor)
    if not actor.can_break_glass:
        audit.record(
            actor=actor,
            action=AuditAction.DENIED,
            request=request,
            detail="break-glass refused: not in the emergency group",
        )
        raise PermissionDenied("You are not in the emergency-access group.")
    reason = reason.strip()
    errors: dict[str, str] = {}
    if len(reason) < 10:
        errors["reason"] = "Describe the emergency in at least 10 characters."
    if not 1 <= hours <= settings.BREAK_GLASS_MAX_HOURS:
        errors["hours"] = f"Choose between 1 and {settings.BREAK_GLASS_MAX_HOURS} hours."
    patient = Patient.objects.filter(
        organization_id=access.organization_id(actor), mrn=mrn.strip()
    ).first()
    if patient is None:
        errors["mrn"] = "No patient with this record number in your organization."
    if errors:
        raise ValidationError(errors)
    assert patient is not None
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=actor,
        patient=patient,
        reason=reason,
        started_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    audit.record(
        actor=actor,
        action=AuditAction.BREAK_GLASS,
        patient=patient,
        obj=grant,
        request=request,
        break_glass=True,
        detail=f"emergency access for {hours} h: {reason}"[:500],
    )
    return grant
