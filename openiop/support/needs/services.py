"""Write path of social needs: a need opened by staff, needs opened by a positive needs
screen, and a need closed (resolved, not resolved, help declined).

Each public function is one ``@service`` transaction: the policy (``support.write``) and the
patient's scope are asked again, input is checked before anything is written (a
``ValidationError`` keyed by field), and the audit event is recorded in the same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.support.models import (
    FLAG_NEEDS,
    OPEN_REFERRAL,
    Need,
    NeedKind,
    NeedSource,
    NeedStatus,
    PartnerReferral,
    ReferralEvent,
    ReferralEventSource,
    ReferralStatus,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User
    from openiop.intake.models import ScreeningResponse
    from openiop.patients.models import Patient


def _lock_patient(patient: Patient) -> None:
    """Serialise the writers of one patient's needs (two screens or two staff at once would
    otherwise both pass the "already open" check and meet the database constraint)."""
    from openiop.patients.models import Patient

    Patient.objects.select_for_update().filter(pk=patient.pk).first()


def require_support_write(actor: User, patient: Patient, request: HttpRequest | None) -> None:
    """The actor's role records support services and the patient is in their scope."""
    policy.require(actor, Action.SUPPORT_WRITE, request=request, patient=patient, obj=patient)
    access.require_in_scope(actor, patient, request=request)


@service
def need_record(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    note: str = "",
    identified_on: date | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """Open a need recorded by staff (work, legal help, childcare ... or a screen domain the
    patient raised in conversation). A need of a kind already open is refused."""
    require_support_write(actor, patient, request)
    _lock_patient(patient)
    today = timezone.localdate()
    day = identified_on or today
    errors: dict[str, str] = {}
    if kind not in NeedKind.values:
        errors["kind"] = "Choose the kind of need."
    if day > today:
        errors["identified_on"] = "The day the need was found cannot be in the future."
    elif patient.date_of_birth and day < patient.date_of_birth:
        errors["identified_on"] = "The day cannot be before the patient was born."
    if len(note) > 500:
        errors["note"] = "Keep the note under 500 characters."
    if (
        not errors
        and Need.objects.filter(patient=patient, kind=kind, status=NeedStatus.OPEN).exists()
    ):
        errors["kind"] = "This patient already has an open need of this kind."
    if errors:
        raise ValidationError(errors)
    need = Need.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind=kind,
        source=NeedSource.STAFF,
        note=note.strip(),
        identified_on=day,
        identified_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=need,
        fields=["kind", "note"],
        request=request,
        detail=f"social need recorded: {need.get_kind_display().lower()}",
    )
    return need


def needs_from_screening(
    *, actor: User, screening: ScreeningResponse, request: HttpRequest | None = None
) -> list[Need]:
    """Inside the screening's own service transaction: open a need for each positive domain
    of a needs screen (CMS AHC HRSN), unless one of that kind is already open. Returns the
    needs opened. The screening service has already checked the actor."""
    kinds = [FLAG_NEEDS[f] for f in screening.flags if f in FLAG_NEEDS]
    if not kinds:
        return []
    patient = screening.patient
    _lock_patient(patient)
    already = set(
        Need.objects.filter(patient=patient, kind__in=kinds, status=NeedStatus.OPEN).values_list(
            "kind", flat=True
        )
    )
    day = timezone.localdate(screening.administered_at)
    opened = []
    for kind in dict.fromkeys(kinds):
        if kind in already:
            continue
        need = Need.objects.create(
            organization_id=patient.organization_id,
            patient=patient,
            kind=kind,
            source=NeedSource.SCREEN,
            screening=screening,
            identified_on=day,
            identified_by=actor,
        )
        audit.record(
            actor=actor,
            action=AuditAction.ADD,
            patient=patient,
            obj=need,
            fields=["kind"],
            request=request,
            detail=f"social need from the needs screen: {need.get_kind_display().lower()}",
        )
        opened.append(need)
    return opened


CLOSED = (NeedStatus.RESOLVED, NeedStatus.UNRESOLVED, NeedStatus.DECLINED)


@service
def need_close(
    *,
    actor: User,
    need: Need,
    status: str,
    note: str = "",
    closed_on: date | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """Close an open need: resolved, not resolved, or help declined by the patient."""
    locked = Need.objects.select_for_update().select_related("patient").get(pk=need.pk)
    require_support_write(actor, locked.patient, request)
    today = timezone.localdate()
    day = closed_on or today
    errors: dict[str, str] = {}
    if locked.status != NeedStatus.OPEN:
        errors["__all__"] = "This need is already closed."
    if status not in CLOSED:
        errors["status"] = "Choose how the need ended."
    if day > today:
        errors["closed_on"] = "The day cannot be in the future."
    elif day < locked.identified_on:
        errors["closed_on"] = "The day cannot be before the need was found."
    if status in (NeedStatus.UNRESOLVED, NeedStatus.DECLINED) and len(note.strip()) < 3:
        errors["note"] = "Say briefly why the need was not resolved."
    if len(note) > 500:
        errors["note"] = "Keep the note under 500 characters."
    if errors:
        raise ValidationError(errors)
    locked.status = status
    locked.closed_on = day
    locked.closed_by = actor
    locked.closed_note = note.strip()
    locked.save(update_fields=["status", "closed_on", "closed_by", "closed_note"])
    _withdraw_open_referrals(actor, locked, day, request)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=locked.patient,
        obj=locked,
        fields=["status", "closed_on", "closed_note"],
        request=request,
        detail=f"social need closed: {locked.get_status_display().lower()}",
    )
    return locked


def _withdraw_open_referrals(
    actor: User, need: Need, day: date, request: HttpRequest | None
) -> None:
    """A closed need needs no partner any more: its referrals still open are withdrawn (with
    their event), so they leave the work list and their links show the partner nothing more."""
    now = timezone.now()
    for referral in PartnerReferral.objects.select_for_update().filter(
        need=need, status__in=OPEN_REFERRAL
    ):
        from_status = referral.status
        referral.status = ReferralStatus.WITHDRAWN
        referral.link_expires_at = now
        referral.updated_at = now
        referral.save(update_fields=["status", "link_expires_at", "updated_at"])
        ReferralEvent.objects.create(
            referral=referral,
            from_status=from_status,
            to_status=ReferralStatus.WITHDRAWN,
            occurred_on=max(day, referral.sent_on),
            recorded_at=now,
            source=ReferralEventSource.STAFF,
            recorded_by=actor,
            note=f"The need was closed ({need.get_status_display().lower()}).",
        )
        audit.record(
            actor=actor,
            action=AuditAction.CHANGE,
            patient=need.patient,
            obj=referral,
            fields=["status", "link_expires_at"],
            request=request,
            detail="partner referral withdrawn: its need was closed",
        )


@service
def need_reopen(*, actor: User, need: Need, request: HttpRequest | None = None) -> Need:
    """Undo a close (a need closed by mistake), unless another need of its kind is open."""
    locked = Need.objects.select_for_update().select_related("patient").get(pk=need.pk)
    require_support_write(actor, locked.patient, request)
    _lock_patient(locked.patient)
    if locked.status == NeedStatus.OPEN:
        raise ValidationError({"__all__": "This need is open already."})
    if Need.objects.filter(
        patient=locked.patient, kind=locked.kind, status=NeedStatus.OPEN
    ).exists():
        raise ValidationError({"__all__": "Another need of this kind is open for this patient."})
    locked.status = NeedStatus.OPEN
    locked.closed_on = None
    locked.closed_by = None
    locked.closed_note = ""
    locked.save(update_fields=["status", "closed_on", "closed_by", "closed_note"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=locked.patient,
        obj=locked,
        fields=["status"],
        request=request,
        detail="social need reopened",
    )
    return locked
