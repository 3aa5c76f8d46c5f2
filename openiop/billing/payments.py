"""Payments a patient (or guarantor) makes to the program: record one, void one (never deleted),
and the balance after them (arithmetic in `openiop.domain.billing.balance`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import PatientPayment, PaymentMethod
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import AuditedRefusal, service
from openiop.domain.billing import balance as dbal
from openiop.patients.models import Patient

MAX_ID = 2**63 - 1
REPEAT_WINDOW = timedelta(minutes=2)  # the same payment again this soon is a double submission
REFERENCE_MAX = 40
REASON_MAX = 200


def _valid_id(value: object) -> int:
    """The id as an int, or 0 (no row has it) when it is not a database key."""
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return 0
    return pk if 0 < pk <= MAX_ID else 0


def _in_scope(
    actor: User, patient: Patient, *, request: HttpRequest | None, signed_in: bool
) -> None:
    """The patient is in the actor's sites and programs (or under an emergency grant); else an
    audited 403. Outside a web session (demo, commands) membership alone counts."""
    if signed_in:
        access.require_in_scope(actor, patient, request=request)
        return
    if not Patient.objects.filter(access.membership_patients_filter(actor), pk=patient.pk).exists():
        raise AuditedRefusal(
            "This patient is outside your sites and programs.",
            actor=actor,
            object_type="patients.patient",
            object_id=str(patient.pk),
            request=request,
            detail="write refused: patient outside the user's scope",
            part2=False,
        )


@service
def record_payment(
    actor: User,
    patient_id: int,
    amount: Decimal | str,
    received_on: date | None,
    method: str,
    reference: str = "",
    request: HttpRequest | None = None,
    *,
    signed_in: bool = True,
) -> PatientPayment:
    """Record a payment the patient made to the program."""
    org_id = access.organization_id(actor)
    pk = _valid_id(patient_id)
    patient = Patient.objects.filter(organization_id=org_id, pk=pk).first() if pk else None
    if patient is None:
        raise AuditedRefusal(
            "This patient is outside your sites and programs.",
            actor=actor,
            object_type="patients.patient",
            object_id=str(patient_id)[:64],
            request=request,
            detail="payment refused: patient outside the user's organization, or unknown",
            part2=False,
        )
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        patient=patient,
        obj=patient,
        signed_in=signed_in,
    )
    _in_scope(actor, patient, request=request, signed_in=signed_in)
    errors = dbal.payment_problems(amount, received_on, timezone.localdate())
    if method not in PaymentMethod.values:
        errors["method"] = "Choose how the payment was made."
    reference = (reference or "").strip()
    if len(reference) > REFERENCE_MAX:
        errors["reference"] = f"Keep the check or receipt number to {REFERENCE_MAX} characters."
    if errors:
        raise ValidationError(errors)
    value = dbal.parse_amount(amount)
    assert value is not None and received_on is not None
    now = timezone.now()
    if PatientPayment.objects.filter(
        patient=patient,
        amount=value.quantize(dbal.CENT),
        received_on=received_on,
        method=method,
        reference=reference,
        voided_at__isnull=True,
        recorded_at__gte=now - REPEAT_WINDOW,
    ).exists():
        raise ValidationError(
            {
                "__all__": "The same payment was recorded a moment ago (the button pressed "
                "twice?). If this is a second payment, give its receipt or check number."
            }
        )
    row = PatientPayment.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        amount=value.quantize(dbal.CENT),
        received_on=received_on,
        method=method,
        reference=reference,
        recorded_by=actor,
        recorded_at=now,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=row,
        request=request,
        detail="patient payment recorded",
    )
    return row


@service
def void_payment(
    actor: User,
    payment_id: int,
    reason: str,
    request: HttpRequest | None = None,
    *,
    signed_in: bool = True,
) -> PatientPayment:
    """Void a payment (kept, struck through, with the reason); a voided payment stays voided."""
    org_id = access.organization_id(actor)
    pk = _valid_id(payment_id)
    row = (
        PatientPayment.objects.select_for_update(of=("self",))
        .select_related("patient")
        .filter(organization_id=org_id, pk=pk)
        .first()
        if pk
        else None
    )
    if row is None:
        raise AuditedRefusal(
            "This payment is not one of your organization's.",
            actor=actor,
            object_type="billing.patientpayment",
            object_id=str(payment_id)[:64],
            request=request,
            detail="void refused: payment outside the user's organization, or unknown",
            part2=False,
        )
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        patient=row.patient,
        obj=row,
        signed_in=signed_in,
    )
    _in_scope(actor, row.patient, request=request, signed_in=signed_in)
    if row.voided_at is not None:
        raise ValidationError({NON_FIELD_ERRORS: "This payment is already voided."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the payment is voided."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason to {REASON_MAX} characters."})
    row.voided_by = actor
    row.voided_at = timezone.now()
    row.void_reason = reason
    row.save(update_fields=["voided_by", "voided_at", "void_reason"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=row.patient,
        obj=row,
        fields=["voided_at", "void_reason"],
        request=request,
        detail="patient payment voided",
    )
    return row


# Reads.


def payments_of(patient: Patient) -> list[PatientPayment]:
    """Every payment of the patient, voided ones too, newest first."""
    return list(
        PatientPayment.objects.filter(patient=patient)
        .select_related("recorded_by", "voided_by")
        .order_by("-received_on", "-id")
    )


def payment_for(
    user: User, pk: int, *, action: Action, request: HttpRequest | None = None
) -> PatientPayment:
    """The payment if its patient is in the user's scope (else an audited 404), then the role
    (else an audited 403)."""
    row = (
        PatientPayment.objects.filter(
            organization_id=access.organization_id(user),
            patient_id__in=access.patients_visible_to(user).values("pk"),
            pk=_valid_id(pk),
        )
        .select_related("patient")
        .first()
    )
    if row is None:
        raise access.not_found(user, "billing.patientpayment", pk, request=request)
    policy.require(user, action, request=request, patient=row.patient, obj=row)
    return row
