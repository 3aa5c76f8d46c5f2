"""Object-level authorization: the one place that decides who may see or change what.

Every view and API endpoint gets patients through these getters (ARCHITECTURE.md §3).
Rules (issue #2 item 7):
- a staff user sees the patients of the sites and programs they belong to (StaffProfile):
  registered at one of their sites or programs, or actively enrolled in a track of one of
  their programs;
- a clinical director sees every patient of their organization;
- a member of the pre-set emergency group may open one patient of their organization
  through an active break-the-glass grant (reason required, at most 4 hours), and every
  action under it is flagged in the audit trail (45 CFR 170.315(d)(6));
- users of another organization never see anything, whatever their role.
A refused object answers 404, so that an identifier's existence does not leak, and the
refusal itself is audited.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from openiop.accounts.models import Role, User
from openiop.core import audit
from openiop.core.models import AuditAction, BreakGlassGrant
from openiop.intake.models import Referral
from openiop.patients.models import Enrollment, Patient

ORG_WIDE_ROLES = frozenset({Role.CLINICAL_DIRECTOR})
READ_ONLY_ROLES = frozenset({Role.BILLING})
SETUP_ROLES = frozenset({Role.ADMINISTRATOR})
AUDIT_REPORT_ROLES = frozenset({Role.ADMINISTRATOR, Role.CLINICAL_DIRECTOR})


def is_verified_staff(user: User) -> bool:
    """Logged in, active, attached to an organization, and past the TOTP step."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.organization_id
        and getattr(user, "is_verified", lambda: False)()
    )


def require_verified_staff(user: User) -> None:
    if not is_verified_staff(user):
        raise PermissionDenied("Multi-factor verification is required.")


def staff(request: HttpRequest) -> User:
    """The request's user, as a staff member past TOTP with an organization, or 403."""
    user = request.user
    if not isinstance(user, User) or not is_verified_staff(user):
        raise PermissionDenied("Multi-factor verification is required.")
    return user


def authenticated(request: HttpRequest) -> User:
    """The logged-in user (possibly not yet past TOTP): for the MFA pages only."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Log in first.")
    return user


def organization_id(user: User) -> int:
    """The user's organization; staff without one see nothing."""
    if user.organization_id is None:
        raise PermissionDenied("Your account belongs to no organization.")
    return int(user.organization_id)


def require_role(user: User, roles: frozenset[str]) -> None:
    require_verified_staff(user)
    if user.role not in roles and not user.is_superuser:
        raise PermissionDenied("Your role does not allow this.")


def can_setup(user: User) -> bool:
    return is_verified_staff(user) and (user.role in SETUP_ROLES or user.is_superuser)


def can_read_audit(user: User) -> bool:
    return is_verified_staff(user) and user.role in AUDIT_REPORT_ROLES


def can_write_patients(user: User) -> bool:
    return is_verified_staff(user) and user.role not in READ_ONLY_ROLES


def visible_patients_filter(user: User) -> Q:
    """The Q of patients this user may see through membership (not break-glass)."""
    if not is_verified_staff(user):
        return Q(pk__in=[])
    return membership_patients_filter(user)


def membership_patients_filter(user: User) -> Q:
    """The patients `user` works with by role and membership, whether or not that user is
    signed in now: for checking another staff member (e.g. the clinician a task is assigned
    to). Never use it to authorize the current request: use `visible_patients_filter`."""
    if not (user.is_active and user.organization_id):
        return Q(pk__in=[])
    in_org = Q(organization_id=user.organization_id)
    if user.role in ORG_WIDE_ROLES:
        return in_org
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return Q(pk__in=[])
    programs = profile.programs.values("pk")
    via_enrollment = Exists(
        Enrollment.objects.filter(
            patient=OuterRef("pk"), track__program__in=programs, status="active"
        )
    )
    return in_org & (
        Q(site__in=profile.sites.values("pk")) | Q(program__in=programs) | Q(via_enrollment)
    )


def patients_visible_to(user: User) -> QuerySet[Patient]:
    return Patient.objects.filter(visible_patients_filter(user))


def active_break_glass(user: User, patient_id: int) -> BreakGlassGrant | None:
    return (
        BreakGlassGrant.objects.filter(
            user=user,
            patient_id=patient_id,
            patient__organization_id=organization_id(user),
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


def patient_for(
    user: User, patient_id: int | str, *, write: bool = False, request: HttpRequest | None = None
) -> Patient:
    """The patient with this id if `user` may see it (and change it when `write`), else 404.

    Marks `request.break_glass_active` when access comes through an emergency grant, so
    every audit event written for this request carries the flag.
    """
    require_verified_staff(user)
    try:
        pk = int(patient_id)
    except (TypeError, ValueError) as exc:
        raise Http404("No such patient.") from exc
    patient = patients_visible_to(user).select_related("site", "program").filter(pk=pk).first()
    via_break_glass = False
    if patient is None:
        grant = active_break_glass(user, pk)
        if grant is not None:
            patient = Patient.objects.select_related("site", "program").get(pk=pk)
            via_break_glass = True
    if patient is None:
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            patient=None,
            object_type="patients.patient",
            object_id=str(pk),
            request=request,
            detail="patient outside the user's sites and programs, or unknown",
            part2=False,
        )
        raise Http404("No such patient.")
    if write and not can_write_patients(user):
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            patient=patient,
            obj=patient,
            request=request,
            detail="write refused: read-only role",
        )
        raise PermissionDenied("Your role can read but not change patient records.")
    if request is not None and via_break_glass:
        request.break_glass_active = True  # type: ignore[attr-defined]
    return patient


# Referrals (issue #3 item 1). A referral may concern a person who is not a patient yet, so it
# has its own rule: staff of the referral's organization see it when its program is run at
# one of their sites or is one of their programs; clinical directors see every referral of
# their organization; referrals without a program are seen by the organization's intake
# coordinators (and directors). Refusals answer 404 and are audited, as for patients.
UNASSIGNED_REFERRAL_ROLES = frozenset({Role.INTAKE_COORDINATOR})


def visible_referrals_filter(user: User) -> Q:
    """The Q of referrals this user may see."""
    if not is_verified_staff(user):
        return Q(pk__in=[])
    in_org = Q(organization_id=user.organization_id)
    if user.role in ORG_WIDE_ROLES:
        return in_org
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return Q(pk__in=[])
    mine = Q(program__site__in=profile.sites.values("pk")) | Q(
        program__in=profile.programs.values("pk")
    )
    if user.role in UNASSIGNED_REFERRAL_ROLES:
        mine |= Q(program__isnull=True)
    return in_org & mine


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    return Referral.objects.filter(visible_referrals_filter(user))


def referral_for(
    user: User, referral_id: int | str, *, write: bool = False, request: HttpRequest | None = None
) -> Referral:
    """The referral with this id if `user` may see it (and change it when `write`), else 404
    (or 403 for a read-only role asked to write); every refusal is audited."""
    require_verified_staff(user)
    try:
        pk = int(referral_id)
    except (TypeError, ValueError) as exc:
        raise Http404("No such referral.") from exc
    referral = (
        referrals_visible_to(user).select_related("program__site", "patient").filter(pk=pk).first()
    )
    if referral is None:
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            object_type="intake.referral",
            object_id=str(pk),
            request=request,
            detail="referral outside the user's sites and programs, or unknown",
            part2=False,
        )
        raise Http404("No such referral.")
    if write and not can_write_patients(user):
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            patient=referral.patient_id,
            obj=referral,
            request=request,
            detail="write refused: read-only role",
            part2=True,
        )
        raise PermissionDenied("Your role can read but not change referrals.")
    return referral
