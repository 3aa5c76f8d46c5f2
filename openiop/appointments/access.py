"""Which appointments a user may open: object scope built on `core.access`, the role part from
`core.policy`.

A staff member sees an appointment of their organization when they see its patient (the
patient scope of `core.access`, or an active emergency grant for that patient) or when they are
the staff member the appointment is with. Anything else answers 404, audited, so that an id's
existence does not leak; a role without the action then answers an audited 403.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.appointments.models import Appointment
from openiop.core import access, policy
from openiop.core.models import BreakGlassGrant
from openiop.core.policy import Action

RELATED = ("patient__site", "patient__program", "staff", "type", "site", "note")


def visible_appointments_filter(user: User) -> Q:
    """The Q of appointments `user` may see (none for anyone not signed in as staff)."""
    if not access.is_verified_staff(user):
        return Q(pk__in=[])
    mine = Q(patient__in=access.patients_visible_to(user).values("pk")) | Q(staff_id=user.pk)
    return Q(organization_id=access.organization_id(user)) & mine


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    return Appointment.objects.filter(visible_appointments_filter(user))


def _via_emergency_grant(user: User, pk: int) -> Appointment | None:
    """The appointment when its patient is open to `user` through an active emergency grant."""
    patient_id = (
        Appointment.objects.filter(pk=pk, organization_id=access.organization_id(user))
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None or access.active_break_glass(user, patient_id) is None:
        return None
    return Appointment.objects.select_related(*RELATED).get(pk=pk)


def appointment_for(
    user: User,
    appointment_id: int | str,
    *,
    action: Action,
    request: HttpRequest | None = None,
) -> Appointment:
    """The appointment if `user` may see it (404 otherwise) and their role allows `action`
    (403 otherwise); both refusals are audited. Marks `request.break_glass_active` when the
    patient is open through an emergency grant, as `core.access.patient_for` does."""
    access.require_verified_staff(user)
    try:
        pk = int(appointment_id)
    except (TypeError, ValueError):
        raise access.not_found(
            user, "appointments.appointment", appointment_id, request=request
        ) from None
    appointment = appointments_visible_to(user).select_related(*RELATED).filter(pk=pk).first()
    if appointment is None and pk:
        appointment = _via_emergency_grant(user, pk)
        if appointment is not None and request is not None:
            request.break_glass_active = True  # type: ignore[attr-defined]
    if appointment is None:
        raise access.not_found(
            user,
            "appointments.appointment",
            pk,
            request=request,
            detail="appointment outside the user's sites and programs, or unknown",
        )
    policy.require(user, action, request=request, patient=appointment.patient, obj=appointment)
    return appointment


def with_patient_in_scope(rows: QuerySet[Appointment], user: User) -> QuerySet[Appointment]:
    """`rows` with `patient_in_scope` on each: whether its patient is open to `user` (by the
    rule of `patient_in_scope`), in the same query. A page names the patient only then; the
    staff member an appointment is with sees the others as "A patient (outside your sites)"."""
    visible = access.patients_visible_to(user).filter(pk=OuterRef("patient_id"))
    granted = BreakGlassGrant.objects.filter(
        user=user,
        patient_id=OuterRef("patient_id"),
        patient__organization_id=access.organization_id(user),
        expires_at__gt=timezone.now(),
    )
    return rows.annotate(patient_in_scope=Exists(visible) | Exists(granted))


def patient_shown(appointment: Appointment) -> bool:
    """Whether `with_patient_in_scope` found the appointment's patient open to the user (not
    annotated: not shown)."""
    return bool(getattr(appointment, "patient_in_scope", False))


def patient_in_scope(user: User, appointment: Appointment) -> bool:
    """Whether the appointment's patient is open to `user` (not only the appointment, which
    its staff member sees whatever the patient's site): writes and the chart need it, by the
    same rule as the services' `core.access.require_in_scope`."""
    if access.patients_visible_to(user).filter(pk=appointment.patient_id).exists():
        return True
    return access.active_break_glass(user, appointment.patient_id) is not None
