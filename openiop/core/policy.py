"""The one access policy: may this user do this action (role x action), and the refusal.

Two questions decide every read and write of patient data:
1. **Role.** Does the user's role allow the action at all? `MATRIX` below is the only table of
   roles in the code base; `docs/access.md` writes the same table out for people, and a test
   checks that the two agree cell by cell.
2. **Scope.** Is the object inside the user's organization, sites and programs (or under an
   emergency-access grant)? The typed getters of `openiop.core.access` (`patient_for`,
   `referral_for`, ...) and the session/week/note getters built on them answer that, and ask
   this module for the role part.

The matrix follows the HIPAA Privacy Rule's minimum-necessary standard (45 CFR 164.502(b) and
164.514(d): a workforce member gets the categories of information their job needs) and
42 CFR Part 2 (42 CFR 2.13(a): records are used and disclosed only as the regulations allow,
and within a program only by staff who need them, 2.12(c)(3)). So front desk sees
demographics, the schedule and check-in; billing sees demographics, the schedule and
attendance (the basis of claims); neither sees screening answers, notes, drug-screen results
or treatment plans.

Every refusal is audited (45 CFR 164.312(b), audit controls), including refusals raised
inside a transaction that then rolls back: `Refused.ensure_recorded()`, called by the
service decorator (`openiop.core.services.service`), writes the event again when the first
one was rolled back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User
    from openiop.core.models import AuditEvent


class Action(StrEnum):
    """What a user may ask to do. The value is the name used in `docs/access.md`."""

    # Patients: demographics, contacts, list and search.
    PATIENT_READ = "patient.read"
    PATIENT_WRITE = "patient.write"
    # Intake: referrals, screening answers and scores, level of care, safety tasks, admission.
    REFERRAL_READ = "referral.read"
    REFERRAL_WRITE = "referral.write"
    REFERRAL_UNASSIGNED = "referral.unassigned"
    SCREENING_READ = "screening.read"
    SCREENING_RECORD = "screening.record"
    PLACEMENT_READ = "placement.read"
    PLACEMENT_DECIDE = "placement.decide"
    SAFETY_TASK_READ = "safety_task.read"
    SAFETY_TASK_ACT = "safety_task.act"
    ADMISSION_ADMIT = "admission.admit"
    AVAILABILITY_EDIT = "availability.edit"
    INTAKE_POLICY_MANAGE = "intake_policy.manage"
    # Schedule.
    SCHEDULE_READ = "schedule.read"
    SCHEDULE_MANAGE = "schedule.manage"
    # Delivery: rosters, attendance and weekly hours; notes; step-downs; letters.
    APPOINTMENT_BOOK = "appointment.book"
    PRIMARY_COUNSELOR_ASSIGN = "primary_counselor.assign"
    ATTENDANCE_READ = "attendance.read"
    ATTENDANCE_RECORD = "attendance.record"
    NOTE_READ = "note.read"
    NOTE_WRITE = "note.write"
    STEP_DOWN_APPROVE = "step_down.approve"
    LETTER_ISSUE = "letter.issue"
    BILLING_RULES_MANAGE = "billing_rules.manage"
    # Billing: payers, coverage, certifications and charges (never note text).
    BILLING_READ = "billing.read"
    BILLING_MANAGE = "billing.manage"
    # Care: plans, measures, drug screens, relapse, community support, taper, discharge.
    CARE_READ = "care.read"
    CARE_WRITE = "care.write"
    CARE_SETTINGS = "care.settings"
    # Organization.
    SETUP_MANAGE = "setup.manage"
    LOCATOR_MANAGE = "locator.manage"
    AUDIT_READ = "audit.read"

    # 42 CFR Part 2: consents, the admission notice, disclosures, breaches, FHIR.
    CONSENT_READ = "consent.read"
    CONSENT_RECORD = "consent.record"
    DISCLOSURE_READ = "disclosure.read"
    DISCLOSURE_REPORT = "disclosure.report"
    EMERGENCY_DISCLOSE = "disclosure.emergency"
    BREACH_MANAGE = "breach.manage"
    FHIR_READ = "fhir.read"
    FHIR_CLIENT_MANAGE = "fhir_client.manage"
    # The patient and family portal: staff invite and reset accounts; a patient reaches only
    # their own record; a family member only what the patient's consent names.
    PORTAL_MANAGE = "portal.manage"
    PORTAL_SELF = "portal.self"
    PORTAL_FAMILY = "portal.family"
    # Support services: needs, partner referrals, peer support, alumni (SAMHSA TIP 47's
    # enhanced services); the partner directory; the program's support report.
    SUPPORT_READ = "support.read"
    SUPPORT_WRITE = "support.write"
    PARTNER_MANAGE = "partner.manage"
    SUPPORT_REPORT = "support.report"
    # Outcomes: the program dashboard (figures only), the patients behind each figure and
    # their CSV export, and the state treatment episode (TEDS) extract.
    OUTCOMES_READ = "outcomes.read"
    OUTCOMES_PATIENTS = "outcomes.patients"
    STATE_REPORT = "state_report.export"
    # Scope: every patient, referral and session of the organization, not only one's own
    # sites and programs.
    SCOPE_ORGANIZATION = "scope.organization"


# Role values (accounts.Role) spelled out so this table reads like docs/access.md.
ADMIN = "administrator"
DIRECTOR = "clinical_director"
COUNSELOR = "counselor"
INTAKE = "intake_coordinator"
BILLING = "billing"
FRONT_DESK = "front_desk"
PEER = "peer_specialist"
ROLES = (ADMIN, DIRECTOR, COUNSELOR, INTAKE, BILLING, FRONT_DESK, PEER)
# Portal accounts: a patient, and a family member invited under the patient's consent. They
# hold no staff action; staff hold no portal action.
PATIENT = "patient"
FAMILY = "family"
PORTAL_ROLES = (PATIENT, FAMILY)

_ALL = frozenset(ROLES)
_CLINICIANS = frozenset({DIRECTOR, COUNSELOR})
_INTAKE_TEAM = frozenset({DIRECTOR, COUNSELOR, INTAKE})

MATRIX: dict[Action, frozenset[str]] = {
    Action.PATIENT_READ: _ALL,
    Action.PATIENT_WRITE: frozenset({ADMIN, DIRECTOR, COUNSELOR, INTAKE, FRONT_DESK}),
    Action.REFERRAL_READ: _INTAKE_TEAM,
    Action.REFERRAL_WRITE: _INTAKE_TEAM,
    Action.REFERRAL_UNASSIGNED: frozenset({DIRECTOR, INTAKE}),
    Action.SCREENING_READ: _INTAKE_TEAM,
    Action.SCREENING_RECORD: _INTAKE_TEAM,
    Action.PLACEMENT_READ: _INTAKE_TEAM,
    Action.PLACEMENT_DECIDE: _CLINICIANS,
    Action.SAFETY_TASK_READ: _INTAKE_TEAM,
    Action.SAFETY_TASK_ACT: _CLINICIANS,
    Action.ADMISSION_ADMIT: _INTAKE_TEAM,
    Action.AVAILABILITY_EDIT: frozenset({DIRECTOR, COUNSELOR, INTAKE, FRONT_DESK}),
    Action.INTAKE_POLICY_MANAGE: frozenset({ADMIN, DIRECTOR}),
    Action.SCHEDULE_READ: _ALL,
    Action.SCHEDULE_MANAGE: frozenset({ADMIN, DIRECTOR}),
    Action.APPOINTMENT_BOOK: frozenset({DIRECTOR, COUNSELOR, INTAKE, FRONT_DESK}),
    Action.PRIMARY_COUNSELOR_ASSIGN: frozenset({DIRECTOR, INTAKE}),
    Action.ATTENDANCE_READ: frozenset({DIRECTOR, COUNSELOR, INTAKE, BILLING, FRONT_DESK}),
    Action.ATTENDANCE_RECORD: frozenset({DIRECTOR, COUNSELOR, INTAKE, FRONT_DESK}),
    Action.NOTE_READ: _CLINICIANS,
    Action.NOTE_WRITE: _CLINICIANS,
    Action.STEP_DOWN_APPROVE: _CLINICIANS,
    Action.LETTER_ISSUE: _CLINICIANS,
    Action.BILLING_RULES_MANAGE: frozenset({ADMIN, BILLING}),
    Action.BILLING_READ: frozenset({ADMIN, DIRECTOR, BILLING}),
    Action.BILLING_MANAGE: frozenset({ADMIN, BILLING}),
    Action.CARE_READ: _CLINICIANS,
    Action.CARE_WRITE: _CLINICIANS,
    Action.CARE_SETTINGS: frozenset({ADMIN, DIRECTOR}),
    Action.SETUP_MANAGE: frozenset({ADMIN}),
    Action.LOCATOR_MANAGE: frozenset({ADMIN}),
    Action.AUDIT_READ: frozenset({ADMIN, DIRECTOR}),
    Action.SCOPE_ORGANIZATION: frozenset({DIRECTOR}),
    Action.CONSENT_READ: frozenset({ADMIN, DIRECTOR, COUNSELOR, INTAKE}),
    Action.CONSENT_RECORD: _INTAKE_TEAM,
    Action.DISCLOSURE_READ: frozenset({ADMIN, DIRECTOR, COUNSELOR, INTAKE}),
    Action.DISCLOSURE_REPORT: frozenset({ADMIN, DIRECTOR}),
    Action.EMERGENCY_DISCLOSE: _CLINICIANS,
    Action.BREACH_MANAGE: frozenset({ADMIN, DIRECTOR}),
    Action.FHIR_READ: _CLINICIANS,
    Action.FHIR_CLIENT_MANAGE: frozenset({ADMIN}),
    Action.PORTAL_MANAGE: _INTAKE_TEAM,
    Action.PORTAL_SELF: frozenset({PATIENT}),
    Action.PORTAL_FAMILY: frozenset({FAMILY}),
    Action.SUPPORT_READ: frozenset({DIRECTOR, COUNSELOR, INTAKE, PEER}),
    Action.SUPPORT_WRITE: frozenset({DIRECTOR, COUNSELOR, INTAKE, PEER}),
    Action.PARTNER_MANAGE: frozenset({ADMIN, DIRECTOR, INTAKE, PEER}),
    Action.SUPPORT_REPORT: frozenset({ADMIN, DIRECTOR}),
    Action.OUTCOMES_READ: frozenset({ADMIN, DIRECTOR}),
    Action.OUTCOMES_PATIENTS: frozenset({DIRECTOR}),
    Action.STATE_REPORT: frozenset({ADMIN, DIRECTOR}),
}

# What each refusal tells the user (plain words; the audit event keeps the action name).
REFUSAL_TEXT: dict[Action, str] = {
    Action.PATIENT_WRITE: "Your role can read but not change patient records.",
    Action.REFERRAL_READ: "Referrals are open to the intake team and clinicians.",
    Action.REFERRAL_WRITE: "Referrals are changed by the intake team and clinicians.",
    Action.SCREENING_READ: "Screening answers are open to the intake team and clinicians.",
    Action.SCREENING_RECORD: "Screenings are recorded by the intake team and clinicians.",
    Action.PLACEMENT_READ: "Level-of-care decisions are open to the intake team and clinicians.",
    Action.PLACEMENT_DECIDE: "Only counselors and clinical directors decide the level of care.",
    Action.SAFETY_TASK_READ: "Safety tasks are open to the intake team and clinicians.",
    Action.SAFETY_TASK_ACT: "Only counselors and clinical directors act on safety tasks.",
    Action.ADMISSION_ADMIT: "Admission is done by the intake team and clinicians.",
    Action.INTAKE_POLICY_MANAGE: "Only the administrator or clinical director changes intake policy.",
    Action.SCHEDULE_MANAGE: "Only the administrator or clinical director changes schedules.",
    Action.APPOINTMENT_BOOK: "Appointments are booked by clinicians, intake and the front desk.",
    Action.PRIMARY_COUNSELOR_ASSIGN: (
        "Primary counselors are assigned by the clinical director or intake coordinator."
    ),
    Action.ATTENDANCE_READ: "Attendance is not part of your role's work.",
    Action.ATTENDANCE_RECORD: "Your role can read attendance but not record it.",
    Action.NOTE_READ: "Clinical notes are open to counselors and clinical directors only.",
    Action.NOTE_WRITE: "Only counselors and clinical directors write clinical notes.",
    Action.STEP_DOWN_APPROVE: "Only counselors and clinical directors approve a step-down.",
    Action.LETTER_ISSUE: "Only counselors and clinical directors issue attendance letters.",
    Action.BILLING_RULES_MANAGE: "Only the administrator or billing staff change billing rules.",
    Action.BILLING_READ: "Coverage and charges are open to billing staff, the administrator and the clinical director.",
    Action.BILLING_MANAGE: "Only the administrator or billing staff change coverage and charges.",
    Action.CARE_READ: "Treatment plans and care records are open to clinicians only.",
    Action.CARE_WRITE: "Only counselors and clinical directors can do this.",
    Action.CARE_SETTINGS: "Only the administrator or clinical director changes care settings.",
    Action.SETUP_MANAGE: "Only the administrator changes the program setup.",
    Action.LOCATOR_MANAGE: "Only the administrator manages the program directory.",
    Action.AUDIT_READ: "Only the administrator or clinical director reads the audit trail.",
    Action.CONSENT_READ: "Consents are open to the intake team, clinicians and the administrator.",
    Action.CONSENT_RECORD: "Consents are recorded by the intake team and clinicians.",
    Action.DISCLOSURE_READ: "The accounting of disclosures is open to the intake team, clinicians and the administrator.",
    Action.DISCLOSURE_REPORT: "Only the administrator or clinical director reads the program's disclosure report.",
    Action.EMERGENCY_DISCLOSE: "Only counselors and clinical directors record an emergency disclosure.",
    Action.BREACH_MANAGE: "Only the administrator or clinical director keeps the breach log.",
    Action.FHIR_READ: "Reading whole records through the FHIR API is open to clinicians only.",
    Action.FHIR_CLIENT_MANAGE: "Only the administrator registers FHIR clients.",
    Action.PORTAL_MANAGE: "Portal invitations are sent by the intake team and clinicians.",
    Action.PORTAL_SELF: "This page is for patients signed in to their own portal.",
    Action.PORTAL_FAMILY: "This page is for family members invited by a patient.",
    Action.SUPPORT_READ: "Needs, referrals and peer support are open to clinicians, the intake team and peer specialists.",
    Action.SUPPORT_WRITE: "Needs, referrals and peer support are recorded by clinicians, the intake team and peer specialists.",
    Action.PARTNER_MANAGE: "The partner directory is kept by the administrator, the clinical director, the intake team and peer specialists.",
    Action.SUPPORT_REPORT: "Only the administrator or clinical director reads the support services report.",
    Action.OUTCOMES_READ: "Only the administrator or clinical director reads the outcomes dashboard.",
    Action.OUTCOMES_PATIENTS: "Only the clinical director sees the patients behind the outcomes figures.",
    Action.STATE_REPORT: "Only the administrator or clinical director writes the state treatment episode report.",
}


def _verified(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "organization_id", None)
        and getattr(user, "is_verified", lambda: False)()
    )


def is_verified_staff(user: Any) -> bool:
    """A staff member (not a portal account): logged in, active, attached to an
    organization, and past the TOTP step."""
    return _verified(user) and str(getattr(user, "role", "")) in ROLES


def is_portal_account(user: Any) -> bool:
    """A patient or family portal account (signed in or not): for routing, never for
    authorizing a request."""
    return str(getattr(user, "role", "")) in PORTAL_ROLES


def portal_role(kind: str) -> str:
    """The role of a new portal account of this kind ("patient" or "family")."""
    return {"patient": PATIENT, "family": FAMILY}[kind]


def is_verified_portal(user: Any) -> bool:
    """A patient or family member signed in to the portal and past its second factor."""
    return _verified(user) and is_portal_account(user)


def role_allows(role: str, action: Action) -> bool:
    """The role part alone: the cell of the matrix."""
    return role in MATRIX[action]


def has_role_for(user: Any, action: Action) -> bool:
    """Whether this user's role allows the action, whether or not they are signed in now:
    for choosing another staff member (e.g. whom a task may be assigned to). Never use it to
    authorize the current request: use `allows`."""
    return bool(getattr(user, "is_active", False)) and role_allows(str(user.role), action)


def allows(user: Any, action: Action) -> bool:
    """May this signed-in, verified user (staff or portal) do `action` at all (before object
    scope)?"""
    return (is_verified_staff(user) or is_verified_portal(user)) and role_allows(
        str(user.role), action
    )


def roles_for(action: Action) -> frozenset[str]:
    """The roles that may do `action` (for database filters such as `role__in`)."""
    return MATRIX[action]


class Refused(PermissionDenied):
    """A refusal by the policy. Its audit event is written when it is raised; a service that
    rolls its transaction back calls `ensure_recorded()` so the event is kept."""

    def __init__(self, message: str, event: dict[str, Any], recorded: AuditEvent | None):
        super().__init__(message)
        self.event = event
        self.recorded = recorded

    def ensure_recorded(self) -> None:
        from openiop.core import audit
        from openiop.core.models import AuditEvent

        if self.recorded is not None and AuditEvent.objects.filter(pk=self.recorded.pk).exists():
            return
        self.recorded = audit.record(**self.event)


def refuse(
    user: Any,
    message: str,
    *,
    request: HttpRequest | None = None,
    patient: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
) -> Refused:
    """Audit a refusal and return the exception to raise (403)."""
    from openiop.core import audit
    from openiop.core.models import AuditAction

    event: dict[str, Any] = {
        "actor": user if getattr(user, "is_authenticated", False) else None,
        "action": AuditAction.DENIED,
        "patient": patient,
        "obj": obj,
        "object_type": object_type,
        "object_id": str(object_id)[:64],
        "request": request,
        "detail": detail or message,
        "part2": patient is not None,
    }
    return Refused(message, event, audit.record(**event))


def require(
    user: User | Any,
    action: Action,
    *,
    request: HttpRequest | None = None,
    patient: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    signed_in: bool = True,
) -> None:
    """Raise an audited 403 unless the user's role allows `action`.

    `signed_in=False` is for services also run outside a request (commands, the demo
    loader, background tasks): the role and an active account are checked, not the TOTP
    step of a web session, which the view in front of the service has already checked."""
    if allows(user, action) or (not signed_in and has_role_for(user, action)):
        return
    if signed_in and not (is_verified_staff(user) or is_verified_portal(user)):
        message = "Multi-factor verification is required."
    else:
        message = REFUSAL_TEXT.get(action, "Your role does not allow this.")
    raise refuse(
        user,
        message,
        request=request,
        patient=patient,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        detail=f"refused {action.value} for role {getattr(user, 'role', '?')}",
    )


_BY_TEMPLATE_NAME = {a.value.replace(".", "_"): a for a in Action}


class Can:
    """Template helper: `{% if can.note_write %}` asks `allows(user, Action.NOTE_WRITE)`
    (the action's name with the dot written as an underscore)."""

    def __init__(self, user: Any) -> None:
        self._user = user

    def __getattr__(self, name: str) -> bool:
        action = _BY_TEMPLATE_NAME.get(name)
        if action is None:
            raise AttributeError(name)
        return allows(self._user, action)
