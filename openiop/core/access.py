"""Object scope: which patients and referrals a user works with; typed getters that use it.

The role part of every decision (may this role do this action at all) is `openiop.core.policy`;
this module adds the object part and is the only way views, API endpoints and services get a
patient or a referral. Scope rules:
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

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import audit, policy
from openiop.core.models import AuditAction, BreakGlassGrant
from openiop.core.policy import Action
from openiop.intake.models import Referral, SafetyTask
from openiop.organization.models import StaffProfile
from openiop.patients.models import Enrollment, Patient

is_verified_staff = policy.is_verified_staff


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


def can_write_patients(user: User) -> bool:
    """Shorthand for the policy's `patient.write` (demographics and contacts)."""
    return policy.allows(user, Action.PATIENT_WRITE)


def sees_whole_organization(user: User) -> bool:
    """Whether the user's scope is every patient, referral and session of the organization."""
    return policy.has_role_for(user, Action.SCOPE_ORGANIZATION)


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
    if sees_whole_organization(user):
        return in_org
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return Q(pk__in=[])
    return in_org & Q(pk__in=_membership_patient_ids(int(user.organization_id), profile))


def _membership_patient_ids(organization_id: int, profile: StaffProfile) -> QuerySet[Any]:
    """The ids of the patients of `profile`'s sites and programs, as one subquery.

    Written as `id IN (... UNION ALL ...)` with no OR and no correlated EXISTS, so that PostgreSQL
    turns every part into a semi-join (hash or index) and never runs a subquery once per
    patient row: with an OR of EXISTS, a planner without fresh statistics (a database just
    loaded or restored, before ANALYZE) may choose a plan that re-runs the enrollment check
    for every row of every query that uses the scope, which took tens of seconds on 5,000
    patients. The parts: registered at one of the sites; registered for one of the programs
    (both indexed foreign keys); an active enrolment in a track of one of the programs.
    """
    sites = profile.sites.through.objects.filter(staffprofile_id=profile.pk).values("site_id")
    programs = profile.programs.through.objects.filter(staffprofile_id=profile.pk).values(
        "program_id"
    )
    in_org = Patient.objects.filter(organization_id=organization_id).order_by()
    at_site = in_org.filter(site_id__in=sites).values("pk")
    in_program = in_org.filter(program_id__in=programs).values("pk")
    enrolled = (
        Enrollment.objects.filter(status="active", track__program_id__in=programs)
        .order_by()
        .values("patient_id")
    )
    return at_site.union(in_program, enrolled, all=True)


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
    user: User,
    patient_id: int | str,
    *,
    write: bool = False,
    action: Action | None = None,
    request: HttpRequest | None = None,
) -> Patient:
    """The patient with this id if it is in the user's scope, else 404; and if the user's role
    allows `action` on it (default `patient.read`, or `patient.write` with `write`), else 403.
    Both refusals are audited.

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
    if request is not None and via_break_glass:
        request.break_glass_active = True  # type: ignore[attr-defined]
    policy.require(
        user,
        action or (Action.PATIENT_WRITE if write else Action.PATIENT_READ),
        request=request,
        patient=patient,
        obj=patient,
    )
    return patient


# Referrals. A referral may concern a person who is not a patient yet, so it
# has its own rule: staff of the referral's organization see it when its program is run at
# one of their sites or is one of their programs; clinical directors see every referral of
# their organization; referrals without a program are seen by the organization's intake
# coordinators (and directors). Refusals answer 404 and are audited, as for patients.
def visible_referrals_filter(user: User) -> Q:
    """The Q of referrals this user may see."""
    if not is_verified_staff(user):
        return Q(pk__in=[])
    if not policy.allows(user, Action.REFERRAL_READ):
        return Q(pk__in=[])
    in_org = Q(organization_id=user.organization_id)
    if sees_whole_organization(user):
        return in_org
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return Q(pk__in=[])
    mine = Q(program__site__in=profile.sites.values("pk")) | Q(
        program__in=profile.programs.values("pk")
    )
    if policy.allows(user, Action.REFERRAL_UNASSIGNED):
        mine |= Q(program__isnull=True)
    return in_org & mine


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    return Referral.objects.filter(visible_referrals_filter(user))


def referral_for(
    user: User, referral_id: int | str, *, write: bool = False, request: HttpRequest | None = None
) -> Referral:
    """The referral with this id if `user` may see it (and change it when `write`), else 404
    (or 403 for a role that may not read or change referrals); every refusal is audited."""
    require_verified_staff(user)
    policy.require(
        user,
        Action.REFERRAL_WRITE if write else Action.REFERRAL_READ,
        request=request,
        object_type="intake.referral",
        object_id=str(referral_id),
    )
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
    return referral


# Safety tasks. A task is listed for the patients a user may see. The staff member who raised
# it (the screening with the urgent flag) also keeps seeing that task, its status and who it
# is assigned to after the patient is out of their scope (an emergency grant that ended, a
# transfer to another site), so that they can follow the hand-off to a clinician. Only the
# task: the chart stays closed, and acting on the task needs the patient in scope.
def visible_safety_tasks_filter(user: User) -> Q:
    """The Q of safety tasks this user may read."""
    if not policy.allows(user, Action.SAFETY_TASK_READ):
        return Q(pk__in=[])
    in_scope = Q(patient__in=patients_visible_to(user).values("pk"))
    raised = Q(created_by=user, patient__organization_id=user.organization_id)
    return in_scope | raised


def safety_tasks_visible_to(user: User) -> QuerySet[SafetyTask]:
    return SafetyTask.objects.filter(visible_safety_tasks_filter(user))


def safety_task_for(
    user: User,
    task_id: int | str,
    *,
    action: Action = Action.SAFETY_TASK_READ,
    request: HttpRequest | None = None,
) -> tuple[SafetyTask, Patient, bool]:
    """The safety task, its patient, and whether the patient is in the user's scope. The
    patient's scope rule (`patient_for`) decides, except that the user who raised the task
    may still read it when the patient is out of scope. Refusals are audited (404 or 403)."""
    require_verified_staff(user)
    try:
        pk = int(task_id)
    except (TypeError, ValueError) as exc:
        raise Http404("No such task.") from exc
    row = (
        SafetyTask.objects.filter(pk=pk)
        .values_list("patient_id", "created_by_id", "patient__organization_id")
        .first()
    )
    if row is None:
        raise not_found(user, "intake.safetytask", pk, request=request, detail="unknown task")
    patient_id, raised_by, org_id = row
    if (
        action is Action.SAFETY_TASK_READ
        and raised_by == user.pk
        and org_id == user.organization_id
        and not patients_visible_to(user).filter(pk=patient_id).exists()
        and active_break_glass(user, patient_id) is None
    ):
        policy.require(
            user, action, request=request, object_type="intake.safetytask", object_id=str(pk)
        )
        task = SafetyTask.objects.select_related("patient").get(pk=pk)
        return task, task.patient, False
    patient = patient_for(user, patient_id, action=action, request=request)
    return SafetyTask.objects.get(pk=pk), patient, True


def require_in_scope(user: User, patient: Patient, *, request: HttpRequest | None = None) -> None:
    """For services, behind the view's getter: the patient is still in the user's scope
    (membership or an active emergency grant, the same rule as `patient_for`); else an
    audited 403."""
    if patients_visible_to(user).filter(pk=patient.pk).exists():
        return
    if active_break_glass(user, patient.pk) is not None:
        return
    raise policy.refuse(
        user,
        "This patient is outside your sites and programs.",
        request=request,
        object_type="patients.patient",
        object_id=str(patient.pk),
        detail="write refused: patient outside the user's scope",
    )


def not_found(
    user: User,
    object_type: str,
    object_id: object,
    *,
    request: HttpRequest | None = None,
    detail: str = "",
) -> Http404:
    """Audit a refusal of an object outside the user's scope (or unknown) and return the 404
    to raise: the answer never tells which of the two it was."""
    audit.record(
        actor=user,
        action=AuditAction.DENIED,
        object_type=object_type,
        object_id=str(object_id)[:64],
        request=request,
        detail=detail or f"{object_type} outside the user's organization, or unknown",
        part2=False,
    )
    return Http404("Not found.")
