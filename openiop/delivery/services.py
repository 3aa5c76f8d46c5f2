"""Write path of session delivery: rosters, attendance, notes, leaves, step-downs, letters.

Each function is one transaction that checks who may do it (core.access and
delivery.access), validates (ValidationError naming the fields, nothing saved on error)
and writes its audit event(s) alongside the change.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import AuditedInvalid, AuditedRefusal, service
from openiop.delivery import access as delivery_access
from openiop.delivery import codes, formats, letter, signing
from openiop.delivery.conf import SETTINGS
from openiop.delivery.models import (
    ABSENT_STATUSES,
    ATTENDED_STATUSES,
    AttendanceRecord,
    AttendanceStatus,
    BillingRule,
    CheckInAttempt,
    Disclosure,
    DropIn,
    LeaveOfAbsence,
    Note,
    NoteAmendment,
    NoteFormat,
    NoteKind,
    NoteSection,
    NoteStatus,
    StepDownAllowance,
)
from openiop.domain import compliance as dc
from openiop.domain.consent import DATA, PURPOSES, Recipient
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
from openiop.privacy import gate
from openiop.privacy.models import Channel, Consent, ConsentKind
from openiop.scheduling.models import GroupSession, SessionAssignment, SessionStatus

if TYPE_CHECKING:
    from openiop.accounts.models import User

MAX_LEAVE_DAYS = 90
MAX_LETTER_DAYS = 366
RETRO_HOURS = 3  # how far from the session's window a recorded time may lie


def _require_author(actor: User, request: HttpRequest | None) -> None:
    policy.require(actor, Action.NOTE_WRITE, request=request, object_type="delivery.note")


def _require(actor: User, action: Action, request: HttpRequest | None) -> None:
    policy.require(actor, action, request=request)


def on_roster(session: GroupSession, patient_id: int) -> bool:
    return (
        SessionAssignment.objects.filter(session=session, patient_id=patient_id).exists()
        or DropIn.objects.filter(session=session, patient_id=patient_id).exists()
    )


def _same_org(actor: User, *objects: Any) -> None:
    org = access.organization_id(actor)
    for obj in objects:
        if obj.organization_id != org:
            raise AuditedRefusal(
                "That belongs to another organization.",
                actor=actor,
                obj=obj,
                detail="object of another organization",
                part2=False,
            )


# --- rosters and attendance -------------------------------------------------------------


@service
def drop_in_add(
    *,
    actor: User,
    session: GroupSession,
    patient: Patient,
    reason: str,
    request: HttpRequest | None = None,
) -> DropIn:
    """Add a patient actively enrolled in the session's track to its roster, with a reason."""
    _require(actor, Action.ATTENDANCE_RECORD, request)
    _same_org(actor, session, patient)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why the patient joins this group."
    elif len(reason) > 200:
        errors["reason"] = "At most 200 characters."
    if session.status == SessionStatus.CANCELLED:
        errors["patient"] = "This session is cancelled."
    elif on_roster(session, patient.pk):
        errors["patient"] = "The patient is already on this roster."
    elif not Enrollment.objects.filter(
        patient=patient, track_id=session.track_id, status=EnrollmentStatus.ACTIVE
    ).exists():
        errors["patient"] = "Only patients actively enrolled in this group's track can drop in."
    if errors:
        raise ValidationError(errors)
    drop_in = DropIn.objects.create(
        session=session, patient=patient, reason=reason, added_by=actor, added_at=timezone.now()
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=drop_in,
        fields=["session", "reason"],
        request=request,
    )
    return drop_in


def _domain_check(
    patient: Patient,
    session: GroupSession,
    status: str,
    check_in: datetime | None,
    check_out: datetime | None,
) -> None:
    """Let the compliance domain refuse an inconsistent record, naming the field."""
    try:
        dc.Attendance(
            str(patient.pk), str(session.pk), dc.AttendanceStatus(status), check_in, check_out
        )
    except (dc.ComplianceInputError, ValueError) as exc:
        message = str(exc).split(": ", 1)[-1]
        field = "status"
        if "check-in" in message:
            field = "check_in_at"
        if "check-out" in message:
            field = "check_out_at"
        raise ValidationError({field: message[:1].upper() + message[1:] + "."}) from exc


def _save_record(
    *,
    actor: User | None,
    session: GroupSession,
    patient: Patient,
    status: str,
    check_in: datetime | None,
    check_out: datetime | None,
    self_checked_in: bool = False,
    request: HttpRequest | None,
    detail: str,
) -> AttendanceRecord:
    _domain_check(patient, session, status, check_in, check_out)
    record = AttendanceRecord.objects.filter(session=session, patient=patient).first()
    created = record is None
    if record is None:
        record = AttendanceRecord(session=session, patient=patient)
    changed = [
        name
        for name, value in (
            ("status", status),
            ("check_in_at", check_in),
            ("check_out_at", check_out),
        )
        if created or getattr(record, name) != value
    ]
    if not changed:
        return record
    record.status = status
    record.check_in_at = check_in
    record.check_out_at = check_out
    record.self_checked_in = self_checked_in or (record.self_checked_in and not created)
    record.recorded_by = actor if actor is not None else record.recorded_by
    record.updated_at = timezone.now()
    record.save()
    audit.record(
        actor=actor,
        action=AuditAction.ADD if created else AuditAction.CHANGE,
        patient=patient,
        obj=record,
        fields=changed,
        request=request,
        detail=detail,
        organization_id=session.organization_id,
    )
    return record


def _arrival_status(session: GroupSession, at: datetime) -> str:
    if at > session.starts_at + timedelta(minutes=SETTINGS.late_after_minutes):
        return AttendanceStatus.LATE
    if session.room.virtual:
        return AttendanceStatus.TELEHEALTH
    return AttendanceStatus.PRESENT


def _check_in_window(session: GroupSession, at: datetime, field: str) -> None:
    opens = session.starts_at - timedelta(minutes=SETTINGS.checkin_opens_minutes)
    if at < opens:
        raise ValidationError(
            {field: f"Check-in opens {SETTINGS.checkin_opens_minutes} minutes before the start."}
        )
    if at > session.ends_at:
        raise ValidationError(
            {field: "The session has ended: record the times with “Edit” instead."}
        )


@service
def attendance_check_in(
    *,
    actor: User,
    session: GroupSession,
    patient: Patient,
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> AttendanceRecord:
    """One tap: the patient is here now (late after the grace minutes; telehealth in a
    virtual room). Checking in again changes nothing."""
    _require(actor, Action.ATTENDANCE_RECORD, request)
    _same_org(actor, session, patient)
    at = at or timezone.now()
    if not on_roster(session, patient.pk):
        raise ValidationError({"patient": "Not on this roster: add the patient as a drop-in."})
    existing = AttendanceRecord.objects.filter(session=session, patient=patient).first()
    if existing is not None and existing.check_in_at is not None:
        return existing
    _check_in_window(session, at, "check_in_at")
    return _save_record(
        actor=actor,
        session=session,
        patient=patient,
        status=_arrival_status(session, at),
        check_in=at,
        check_out=None,
        request=request,
        detail="check-in",
    )


@service
def attendance_check_out(
    *,
    actor: User,
    session: GroupSession,
    patient: Patient,
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> AttendanceRecord:
    """One tap: the patient leaves now; before the end (less the grace minutes) that is
    "left early" (a late arrival stays "late": minutes come from both times anyway)."""
    _require(actor, Action.ATTENDANCE_RECORD, request)
    _same_org(actor, session, patient)
    at = at or timezone.now()
    record = AttendanceRecord.objects.filter(session=session, patient=patient).first()
    if record is None or record.check_in_at is None:
        raise ValidationError({"check_out_at": "Check the patient in first."})
    if at < record.check_in_at:
        raise ValidationError({"check_out_at": "Check-out cannot be before check-in."})
    status = record.status
    if at < session.ends_at - timedelta(minutes=SETTINGS.early_leave_minutes) and (
        status != AttendanceStatus.LATE
    ):
        status = AttendanceStatus.LEFT_EARLY
    return _save_record(
        actor=actor,
        session=session,
        patient=patient,
        status=status,
        check_in=record.check_in_at,
        check_out=min(at, max(session.ends_at, record.check_in_at)),
        request=request,
        detail="check-out",
    )


@service
def attendance_set(
    *,
    actor: User,
    session: GroupSession,
    patient: Patient,
    status: str,
    check_in_at: datetime | None,
    check_out_at: datetime | None,
    request: HttpRequest | None = None,
) -> AttendanceRecord:
    """Record or correct a status and times (absences have no times; late needs the
    check-in, left early the check-out: the compliance domain's rules)."""
    _require(actor, Action.ATTENDANCE_RECORD, request)
    _same_org(actor, session, patient)
    errors: dict[str, str] = {}
    if status not in AttendanceStatus.values:
        errors["status"] = "Choose a status."
    if not on_roster(session, patient.pk):
        errors["patient"] = "Not on this roster: add the patient as a drop-in."
    earliest = session.starts_at - timedelta(hours=RETRO_HOURS)
    latest = session.ends_at + timedelta(hours=RETRO_HOURS)
    for name, value in (("check_in_at", check_in_at), ("check_out_at", check_out_at)):
        if value is not None and not earliest <= value <= latest:
            errors[name] = f"Give a time within {RETRO_HOURS} hours of the session."
    if check_in_at and check_out_at and check_out_at < check_in_at:
        errors["check_out_at"] = "Check-out cannot be before check-in."
    if check_in_at and check_in_at > timezone.now() + timedelta(minutes=5):
        errors["check_in_at"] = "That time has not come yet."
    if check_out_at and check_out_at > timezone.now() + timedelta(minutes=5):
        errors["check_out_at"] = "That time has not come yet."
    if errors:
        raise ValidationError(errors)
    if status in ABSENT_STATUSES:
        check_in_at = check_out_at = None
    return _save_record(
        actor=actor,
        session=session,
        patient=patient,
        status=status,
        check_in=check_in_at,
        check_out=check_out_at,
        request=request,
        detail="attendance recorded by staff",
    )


@dataclass(frozen=True)
class SelfCheckIn:
    ok: bool
    message: str
    record: AttendanceRecord | None = None
    throttled: bool = False


GENERIC_REFUSAL = (
    "We could not check you in with these details. Check the code with your counselor "
    "and try again."
)


def client_key(ip: str) -> str:
    """An HMAC of the address: rate limiting without storing IP addresses."""
    key = hashlib.sha256(b"openiop-checkin-client:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


@service
def self_check_in(
    *,
    code: str,
    mrn: str,
    date_of_birth: date,
    leaving: bool,
    client_ip: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> SelfCheckIn:
    """A patient checks in (or out) on their phone with the session code, their record
    number and date of birth. Failed attempts are rate-limited per address; every refusal
    gets the same message, so it never says whether a record exists."""
    now = now or timezone.now()
    attempt, throttled = _check_in_attempt(client_key(client_ip), now)
    if throttled:
        return SelfCheckIn(
            False,
            "Too many attempts from this device. Wait a few minutes, or ask staff to check you in.",
            throttled=True,
        )
    session, patient = _code_holder(code, mrn, date_of_birth, now)
    refused = SelfCheckIn(False, GENERIC_REFUSAL)
    if session is None or patient is None:
        audit.record(
            actor=None,
            action=AuditAction.DENIED,
            object_type="delivery.selfcheckin",
            request=request,
            detail="public check-in refused: code, record number or date of birth not matched",
            part2=False,
            organization_id=session.organization_id if session else None,
        )
        return refused
    if not on_roster(session, patient.pk) and not _self_drop_in(session, patient, now, request):
        return refused
    record = AttendanceRecord.objects.filter(session=session, patient=patient).first()
    attempt.succeeded = True
    attempt.save(update_fields=["succeeded"])
    if leaving:
        return _self_check_out(session, patient, record, now, request)
    if record is not None and record.check_in_at is not None:
        return SelfCheckIn(True, "You were already checked in.", record)
    record = _save_record(
        actor=None,
        session=session,
        patient=patient,
        status=_arrival_status(session, now),
        check_in=now,
        check_out=None,
        self_checked_in=True,
        request=request,
        detail="self check-in with the session code",
    )
    return SelfCheckIn(True, "You are checked in. Welcome.", record)


def _check_in_attempt(client: str, now: datetime) -> tuple[CheckInAttempt, bool]:
    """Record this attempt (as failed until it succeeds) and say whether the address is over
    its limit of recent failures; attempts older than a day are deleted."""
    window = now - timedelta(minutes=SETTINGS.checkin_rate_window_minutes)
    CheckInAttempt.objects.filter(at__lt=now - timedelta(days=1)).delete()
    # Only failures count: a whole group checking in over the clinic's Wi-Fi shares one
    # address, while guessing codes or birth dates fails.
    recent = CheckInAttempt.objects.filter(client=client, at__gte=window, succeeded=False).count()
    attempt = CheckInAttempt.objects.create(client=client, at=now)
    return attempt, recent >= SETTINGS.checkin_rate_limit


def _code_holder(
    code: str, mrn: str, date_of_birth: date, now: datetime
) -> tuple[GroupSession | None, Patient | None]:
    """The session whose code this is, among those whose check-in window is open now, and
    the patient of its organization with this record number and date of birth."""
    opens = timedelta(minutes=SETTINGS.checkin_opens_minutes)
    closes = timedelta(minutes=SETTINGS.checkin_closes_minutes)
    candidates = GroupSession.objects.filter(
        starts_at__lte=now + opens,
        ends_at__gte=now - closes,
        status=SessionStatus.SCHEDULED,
    ).select_related("room")
    session = next((s for s in candidates if codes.matches(s, code)), None)
    if session is None:
        return None, None
    patient = Patient.objects.filter(
        organization_id=session.organization_id,
        mrn=mrn.strip(),
        date_of_birth=date_of_birth,
    ).first()
    return session, patient


def _self_drop_in(
    session: GroupSession, patient: Patient, now: datetime, request: HttpRequest | None
) -> bool:
    """A patient not on the roster joins as a drop-in when they are enrolled in the session's
    track; otherwise the check-in is refused (audited) and this returns False."""
    if not Enrollment.objects.filter(
        patient=patient, track_id=session.track_id, status=EnrollmentStatus.ACTIVE
    ).exists():
        audit.record(
            actor=None,
            action=AuditAction.DENIED,
            patient=patient,
            obj=session,
            request=request,
            detail="public check-in refused: not on the roster nor enrolled in the track",
        )
        return False
    drop_in = DropIn.objects.create(
        session=session,
        patient=patient,
        reason="Checked in with the session code",
        added_by=None,
        added_at=now,
    )
    audit.record(
        actor=None,
        action=AuditAction.ADD,
        patient=patient,
        obj=drop_in,
        fields=["session", "reason"],
        request=request,
        detail="drop-in by self check-in",
    )
    return True


def _self_check_out(
    session: GroupSession,
    patient: Patient,
    record: AttendanceRecord | None,
    now: datetime,
    request: HttpRequest | None,
) -> SelfCheckIn:
    """Check out a patient who checked in; leaving well before the end makes a present
    patient "left early" (a late arrival stays late)."""
    if record is None or record.check_in_at is None:
        return SelfCheckIn(False, "You are not checked in to this session yet.")
    status = record.status
    if now < session.ends_at - timedelta(minutes=SETTINGS.early_leave_minutes) and (
        status != AttendanceStatus.LATE
    ):
        status = AttendanceStatus.LEFT_EARLY
    record = _save_record(
        actor=None,
        session=session,
        patient=patient,
        status=status,
        check_in=record.check_in_at,
        check_out=min(now, session.ends_at),
        self_checked_in=True,
        request=request,
        detail="self check-out with the session code",
    )
    return SelfCheckIn(True, "You are checked out. Thank you.", record)


# --- notes ------------------------------------------------------------------------------


def attendee_ids(session: GroupSession) -> list[int]:
    """Patients who attended (any non-absent status): each gets a section of the note."""
    return list(
        AttendanceRecord.objects.filter(session=session, status__in=list(ATTENDED_STATUSES))
        .order_by("patient_id")
        .values_list("patient_id", flat=True)
    )


def _refuse_locked(note: Note, actor: User, request: HttpRequest | None) -> None:
    if note.locked or note.status != NoteStatus.DRAFT:
        raise AuditedRefusal(
            "This note is signed and locked. Add an amendment instead.",
            actor=actor,
            patient=note.patient_id,
            obj=note,
            request=request,
            detail="change refused: the note is signed (add an amendment instead)",
        )


@service
def group_note_save(
    *,
    actor: User,
    session: GroupSession,
    content: Mapping[str, object],
    sections: Mapping[int, Mapping[str, object]],
    request: HttpRequest | None = None,
) -> Note:
    """Create or change the draft group note of a session: the group part once, and one
    section per attendee. Fields may be left empty in a draft; signing needs them all."""
    _require_author(actor, request)
    _same_org(actor, session)
    note = (
        Note.objects.select_for_update()
        .filter(session=session, kind=NoteKind.GROUP)
        .select_related("session")
        .first()
    )
    if note is not None:
        _refuse_locked(note, actor, request)
    group_content, errors = formats.clean_content(formats.GROUP_PART, dict(content), complete=False)
    cleaned = _clean_sections(actor, session, sections, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    created = note is None
    if note is None:
        note = Note(
            organization_id=session.organization_id,
            kind=NoteKind.GROUP,
            format=NoteFormat.GROUP,
            session=session,
            service_date=session.starts_at.astimezone(_session_zone(session)).date(),
            duration_minutes=int((session.ends_at - session.starts_at).total_seconds() // 60),
            author=actor,
            created_at=now,
        )
    elif note.author_id != actor.pk:
        raise PermissionDenied("Only the author can change a draft note.")
    note.content = group_content
    note.updated_at = now
    note.save()
    _save_sections(actor, note, cleaned, request)
    audit.record(
        actor=actor,
        action=AuditAction.ADD if created else AuditAction.CHANGE,
        obj=note,
        fields=sorted(k for k, v in group_content.items() if v),
        request=request,
        detail=f"group note of session {session.pk}",
        part2=True,
    )
    return note


def _clean_sections(
    actor: User,
    session: GroupSession,
    sections: Mapping[int, Mapping[str, object]],
    errors: dict[str, str],
) -> dict[int, dict[str, str]]:
    """The sections cleaned for a draft, by patient; a section for someone who did not attend,
    or whom the actor may not see, is refused with the same words (adding to `errors`)."""
    attendees = set(attendee_ids(session))
    visible = delivery_access.visible_patient_ids(actor, sorted(attendees))
    cleaned: dict[int, dict[str, str]] = {}
    for patient_id, data in sections.items():
        if patient_id not in attendees or patient_id not in visible:
            errors[f"s{patient_id}-participation"] = (
                "This patient did not attend this session (or is not yours to see)."
            )
            continue
        section, section_errors = formats.clean_content(
            formats.SECTION, dict(data), complete=False, prefix=f"s{patient_id}-"
        )
        errors.update(section_errors)
        cleaned[patient_id] = section
    return cleaned


def _save_sections(
    actor: User, note: Note, cleaned: dict[int, dict[str, str]], request: HttpRequest | None
) -> None:
    """Add or change the note's sections; each one that changed is audited for its patient."""
    existing = {s.patient_id: s for s in note.sections.all()}
    for patient_id, section_content in cleaned.items():
        row = existing.get(patient_id)
        if row is None:
            row = NoteSection(note=note, patient_id=patient_id, content=section_content)
            row.save()
        elif row.content != section_content:
            row.content = section_content
            row.save(update_fields=["content"])
        else:
            continue
        audit.record(
            actor=actor,
            action=AuditAction.ADD if patient_id not in existing else AuditAction.CHANGE,
            patient=patient_id,
            obj=row,
            fields=sorted(k for k, v in section_content.items() if v),
            request=request,
            organization_id=note.organization_id,
            detail=f"group note {note.pk} section",
        )


def _session_zone(session: GroupSession) -> Any:
    from zoneinfo import ZoneInfo

    site = session.site or session.track.program.site
    return ZoneInfo(site.timezone)


@service
def individual_note_save(
    *,
    actor: User,
    patient: Patient,
    note_format: str,
    service_date: date,
    duration_minutes: int | None,
    content: Mapping[str, object],
    note: Note | None = None,
    request: HttpRequest | None = None,
) -> Note:
    """Create or change a draft individual counselling note in DAP, BIRP or SOAP."""
    _require_author(actor, request)
    _same_org(actor, patient)
    if note is not None:
        note = Note.objects.select_for_update().get(pk=note.pk)
        _refuse_locked(note, actor, request)
        if note.author_id != actor.pk:
            raise PermissionDenied("Only the author can change a draft note.")
        if note.patient_id != patient.pk:
            raise PermissionDenied("That note is about another patient.")
    cleaned = _clean_individual(note_format, content, service_date, duration_minutes)
    now = timezone.now()
    created = note is None
    if note is None:
        note = Note(
            organization_id=patient.organization_id,
            kind=NoteKind.INDIVIDUAL,
            patient=patient,
            author=actor,
            created_at=now,
        )
    note.format = note_format
    note.service_date = service_date
    note.duration_minutes = duration_minutes
    note.content = cleaned
    note.updated_at = now
    note.save()
    audit.record(
        actor=actor,
        action=AuditAction.ADD if created else AuditAction.CHANGE,
        patient=patient,
        obj=note,
        fields=sorted(k for k, v in cleaned.items() if v),
        request=request,
    )
    return note


def _clean_individual(
    note_format: str,
    content: Mapping[str, object],
    service_date: date,
    duration_minutes: int | None,
) -> dict[str, str]:
    """An individual draft's content cleaned for its format; refuses an unknown format, a
    service date after tomorrow or over a year ago, and a duration outside 1 to 480 minutes."""
    if note_format not in formats.INDIVIDUAL:
        raise ValidationError({"format": "Choose DAP, BIRP, SOAP or a medication management note."})
    cleaned, errors = formats.clean_content(
        formats.INDIVIDUAL[note_format], dict(content), complete=False
    )
    today = timezone.now().date()
    if service_date > today + timedelta(days=1):
        errors["service_date"] = "The service date is in the future."
    elif service_date < today - timedelta(days=365):
        errors["service_date"] = "The service date is more than a year ago."
    if duration_minutes is not None and not 1 <= duration_minutes <= 480:
        errors["duration_minutes"] = "Between 1 and 480 minutes."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_password(actor: User, password: str, request: HttpRequest | None, what: str) -> None:
    if not password or not actor.check_password(password):
        raise AuditedInvalid(
            {"password": "That is not your password."},
            actor=actor,
            object_type="delivery.note",
            request=request,
            detail=f"{what} refused: wrong password",
            part2=False,
        )


def _note_patients(note: Note) -> list[int | None]:
    """Patients an event about this note concerns ([None]: none, one event anyway)."""
    if note.kind == NoteKind.INDIVIDUAL:
        return [note.patient_id]
    return [*note.sections.values_list("patient_id", flat=True)] or [None]


@service
def note_sign(
    *, actor: User, note: Note, password: str, request: HttpRequest | None = None
) -> Note:
    """Sign a complete draft with the author's password: stores the signer, the time and
    the SHA-256 of the signed content; the note is locked from then on. When the author's
    credential requires it, the note then waits for a supervisor's co-signature."""
    _require_author(actor, request)
    note = Note.objects.select_for_update().get(pk=note.pk)
    _same_org(actor, note)
    _refuse_locked(note, actor, request)
    if note.author_id != actor.pk:
        raise PermissionDenied("Only the author signs a note; others co-sign or amend.")
    _check_password(actor, password, request, "signature")
    sections = list(note.sections.all())
    errors = _incomplete(note, sections)
    if errors:
        raise ValidationError(errors)
    profile = getattr(actor, "staff_profile", None)
    note.cosign_required = bool(profile and profile.requires_cosignature)
    note.signed_by = actor
    note.signed_at = timezone.now()
    note.signed_hash = signing.note_digest(note, [(s.patient_id, s.content) for s in sections])
    note.status = NoteStatus.AWAITING_COSIGNATURE if note.cosign_required else NoteStatus.SIGNED
    note.save(
        update_fields=[
            "cosign_required",
            "signed_by",
            "signed_at",
            "signed_hash",
            "status",
        ]
    )
    for patient_id in _note_patients(note):
        audit.record(
            actor=actor,
            action=AuditAction.CHANGE,
            patient=patient_id,
            obj=note,
            fields=["signature"],
            request=request,
            organization_id=note.organization_id,
            detail=f"signed, sha256 {note.signed_hash}",
            part2=True,
        )
    return note


def _incomplete(note: Note, sections: list[NoteSection]) -> dict[str, str]:
    """What a note lacks before it can be signed: every field of its format and, for a
    group note, a complete section for every attendee."""
    _, errors = formats.clean_content(
        formats.fields_for(note.format), dict(note.content), complete=True
    )
    if note.kind == NoteKind.GROUP:
        assert note.session is not None
        by_patient = {s.patient_id: s for s in sections}
        missing = [pid for pid in attendee_ids(note.session) if pid not in by_patient]
        if missing:
            errors["sections"] = (
                f"{len(missing)} attendee(s) have no individual section yet: write them first."
            )
        for section in sections:
            _, section_errors = formats.clean_content(
                formats.SECTION,
                dict(section.content),
                complete=True,
                prefix=f"s{section.patient_id}-",
            )
            errors.update(section_errors)
    return errors


def can_cosign(actor: User, note: Note) -> bool:
    if note.status != NoteStatus.AWAITING_COSIGNATURE or note.author_id == actor.pk:
        return False
    if not policy.allows(actor, Action.NOTE_WRITE):
        return False
    profile = getattr(actor, "staff_profile", None)
    return not (profile is not None and profile.requires_cosignature)


@service
def note_cosign(
    *, actor: User, note: Note, password: str, request: HttpRequest | None = None
) -> Note:
    """A supervisor (a clinician whose own notes need no co-signature) co-signs a note
    awaiting it. The signed content does not change; the co-signature has its own digest."""
    _require_author(actor, request)
    note = Note.objects.select_for_update().get(pk=note.pk)
    _same_org(actor, note)
    if not can_cosign(actor, note):
        raise AuditedRefusal(
            "Only another clinician who needs no co-signature can co-sign a note awaiting it.",
            actor=actor,
            obj=note,
            request=request,
            detail="co-signature refused",
            part2=False,
        )
    _check_password(actor, password, request, "co-signature")
    at = timezone.now()
    note.cosigned_by = actor
    note.cosigned_at = at
    note.cosign_hash = signing.cosign_digest(note, actor.pk, at)
    note.status = NoteStatus.SIGNED
    note.save(update_fields=["cosigned_by", "cosigned_at", "cosign_hash", "status"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=note.patient_id,
        obj=note,
        fields=["cosignature"],
        request=request,
        detail=f"co-signed, sha256 {note.cosign_hash}",
        part2=True,
    )
    return note


@service
def note_amend(
    *,
    actor: User,
    note: Note,
    reason: str,
    text: str,
    password: str,
    section_patient: Patient | None = None,
    request: HttpRequest | None = None,
) -> NoteAmendment:
    """Append a signed amendment to a signed note, with a reason; the original is not
    touched (its digest still verifies). `section_patient` amends that attendee's section."""
    _require_author(actor, request)
    note = Note.objects.select_for_update().get(pk=note.pk)
    _same_org(actor, note)
    errors: dict[str, str] = {}
    if not note.locked:
        errors["text"] = "This note is still a draft: change it directly."
    reason, text = reason.strip(), text.strip()
    if not reason:
        errors["reason"] = "Give the reason for the amendment."
    elif len(reason) > 300:
        errors["reason"] = "At most 300 characters."
    if not text:
        errors["text"] = "Write the amendment."
    elif len(text) > 4000:
        errors["text"] = "At most 4000 characters."
    if section_patient is not None and not note.sections.filter(patient=section_patient).exists():
        errors["section_patient"] = "That patient has no section in this note."
    if errors:
        raise ValidationError(errors)
    _check_password(actor, password, request, "amendment")
    amendment = NoteAmendment(
        note=note,
        section_patient=section_patient,
        reason=reason,
        text=text,
        author=actor,
        signed_at=timezone.now(),
    )
    amendment.signed_hash = signing.amendment_digest(amendment, note.signed_hash)
    amendment.save()
    patients = [section_patient.pk] if section_patient is not None else _note_patients(note)
    for patient_id in patients:
        audit.record(
            actor=actor,
            action=AuditAction.ADD,
            patient=patient_id,
            obj=amendment,
            fields=["amendment"],
            request=request,
            organization_id=note.organization_id,
            detail=f"amendment of note {note.pk}: {reason}"[:500],
            part2=True,
        )
    return amendment


# --- leave, step-down -------------------------------------------------------------------


@service
def leave_create(
    *,
    actor: User,
    patient: Patient,
    starts_on: date,
    ends_on: date,
    reason: str,
    request: HttpRequest | None = None,
) -> LeaveOfAbsence:
    """Record a leave of absence over local days starts_on..ends_on (both included)."""
    _require(actor, Action.ATTENDANCE_RECORD, request)
    _same_org(actor, patient)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Give the reason for the leave."
    elif len(reason) > 300:
        errors["reason"] = "At most 300 characters."
    if ends_on < starts_on:
        errors["ends_on"] = "The leave ends before it starts."
    elif (ends_on - starts_on).days + 1 > MAX_LEAVE_DAYS:
        errors["ends_on"] = f"A leave lasts at most {MAX_LEAVE_DAYS} days; record another after."
    elif LeaveOfAbsence.objects.filter(
        patient=patient, starts_on__lte=ends_on, ends_on__gte=starts_on
    ).exists():
        errors["starts_on"] = "This overlaps a leave already recorded."
    if errors:
        raise ValidationError(errors)
    leave = LeaveOfAbsence.objects.create(
        patient=patient,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=leave,
        fields=["starts_on", "ends_on", "reason"],
        request=request,
    )
    return leave


@service
def step_down_create(
    *,
    actor: User,
    patient: Patient,
    starts_on: date,
    weekly_hours: Decimal,
    weeks: int,
    reason: str,
    request: HttpRequest | None = None,
) -> StepDownAllowance:
    """Allow fewer weekly hours for one or two weeks while the patient steps down (ASAM 2.1:
    "for one or two weeks", ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1); from the third week the normal minimum applies."""
    _require(actor, Action.STEP_DOWN_APPROVE, request)
    _same_org(actor, patient)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Give the reason for the step-down."
    elif len(reason) > 300:
        errors["reason"] = "At most 300 characters."
    if not 1 <= weeks <= 2:
        errors["weeks"] = "ASAM Level 2.1 allows fewer hours for one or two weeks only."
    if not Decimal("0") <= weekly_hours <= Decimal("19"):
        errors["weekly_hours"] = "Between 0 and 19 hours a week."
    if errors:
        raise ValidationError(errors)
    allowance = StepDownAllowance.objects.create(
        patient=patient,
        starts_on=starts_on,
        weekly_hours=weekly_hours,
        weeks=weeks,
        reason=reason,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=allowance,
        fields=["starts_on", "weekly_hours", "weeks", "reason"],
        request=request,
    )
    return allowance


# --- proof of attendance ----------------------------------------------------------------


@service
def disclosure_letter_create(
    *,
    actor: User,
    patient: Patient,
    consent_id: int,
    period_start: date,
    period_end: date,
    include: Collection[str],
    statement: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> tuple[Disclosure, bytes]:
    """Make a proof-of-attendance PDF under the patient's recorded consent to a named
    recipient, stating only what that consent covers: the one gate (`privacy.gate`) allows and
    logs the disclosure (or refuses it, audited); the letter is kept with the SHA-256 of the
    PDF and audited as a print."""
    # `signed_in=False` only for the demo data (no session, no second factor).
    policy.require(actor, Action.LETTER_ISSUE, request=request, signed_in=signed_in)
    _same_org(actor, patient)
    statement = statement.strip()
    consent = Consent.objects.filter(pk=consent_id, patient=patient, kind=ConsentKind.NAMED).first()
    errors = _letter_errors(
        period_start=period_start,
        period_end=period_end,
        include=include,
        statement=statement,
    )
    if consent is None:
        errors["consent"] = "Choose one of the patient's consents to a named recipient."
    else:
        not_covered = letter.items_data(include) - set(consent.data)
        if not_covered and "include" not in errors:
            errors["include"] = (
                "The chosen consent does not cover: "
                + ", ".join(DATA[d].lower() for d in sorted(not_covered))
                + " (42 CFR 2.31(a)(3)). Untick these items."
            )
    if errors:
        raise ValidationError(errors)
    assert consent is not None
    items = [item for item in letter.ITEMS if item in include]
    purpose = PURPOSES.get(consent.purpose, consent.purpose)
    if consent.purpose_detail:
        purpose += f": {consent.purpose_detail}"
    disclosure = Disclosure(
        patient=patient,
        recipient=consent.recipient_name[:200],
        purpose=purpose[:200],
        what=items,
        period_start=period_start,
        period_end=period_end,
        statement=statement if "diagnosis" in items else "",
        consent_given_by=consent.signer_name[:200],
        consent_on=consent.signed_on,
        consent=consent,
        created_by=actor,
        created_at=timezone.now(),
        digest="",
    )
    disclosure.save()
    disclosure.part2_disclosure = gate.disclose(
        patient,
        recipient=Recipient(consent.recipient_kind, consent.recipient_name, consent.recipient_key),
        purpose=consent.purpose,
        data=letter.items_data(items),
        channel=Channel.LETTER,
        description=f"Proof of attendance {period_start.isoformat()} to {period_end.isoformat()}",
        actor=actor,
        obj=disclosure,
        request=request,
    )
    pdf = letter.render(disclosure)
    disclosure.digest = signing.sha256(pdf)
    disclosure.save(update_fields=["digest", "part2_disclosure"])
    audit.record(
        actor=actor,
        action=AuditAction.PRINT,
        patient=patient,
        obj=disclosure,
        fields=items,
        request=request,
        detail=f"proof of attendance to {disclosure.recipient[:80]} for {consent.purpose}; "
        f"sha256 {disclosure.digest}",
    )
    return disclosure, pdf


def _letter_errors(
    *,
    period_start: date,
    period_end: date,
    include: Collection[str],
    statement: str,
) -> dict[str, str]:
    """What is wrong with a letter request, by field. A letter states only what the patient
    consented to: at least the dates or hours, a diagnosis only with its agreed wording, and a
    period of at most a year."""
    errors: dict[str, str] = {}
    unknown = set(include) - set(letter.ITEMS)
    if unknown:
        errors["include"] = "Unknown item(s): " + ", ".join(sorted(unknown))
    if not set(include) & {"dates", "hours"}:
        errors["include"] = "Choose at least the dates attended or the hours."
    if "diagnosis" in include and not statement:
        errors["statement"] = "Write the diagnosis exactly as the patient agreed to disclose it."
    if "diagnosis" not in include and statement:
        errors["statement"] = "Tick “Diagnosis” (with consent) or leave this empty."
    if period_end < period_start:
        errors["period_end"] = "The period ends before it starts."
    elif (period_end - period_start).days + 1 > MAX_LETTER_DAYS:
        errors["period_end"] = "At most one year per letter."
    return errors


# --- billing rules ----------------------------------------------------------------------------

BILLING_RULE_FIELDS = ("payer", "basis", "day_hours", "week_hours", "min_days", "source")


def _billing_rule_errors(
    *,
    payer: str,
    basis: str,
    day_hours: Decimal,
    week_hours: Decimal,
    min_days: int,
    source: str,
) -> dict[str, str]:
    from openiop.delivery.models import PerDiemBasis

    errors: dict[str, str] = {}
    if not 2 <= len(payer.strip()) <= 120:
        errors["payer"] = "Name the payer whose rule this is."
    if basis not in PerDiemBasis.values:
        errors["basis"] = "Choose how the payer bills the per diem."
    if not Decimal(1) <= day_hours <= Decimal(12):
        errors["day_hours"] = "Give the daily minimum in hours, from 1 to 12."
    floor = Decimal(dc.population_minimum_minutes(adolescent=True)) / 60
    if not floor <= week_hours <= Decimal(19):
        errors["week_hours"] = (
            f"Give the weekly minimum in hours, from {floor:g} (the lowest weekly minimum of "
            "intensive outpatient care, ASAM Level 2.1, for adolescents) to 19."
        )
    elif "day_hours" not in errors and week_hours < day_hours:
        errors["week_hours"] = "The weekly minimum cannot be less than the daily minimum."
    if isinstance(min_days, bool) or not 1 <= min_days <= 7:
        errors["min_days"] = "Give the days a week, from 1 to 7."
    if len(source.strip()) < 5:
        errors["source"] = (
            "Say where the payer sets this rule: a provider manual, a contract section or a "
            "web page."
        )
    return errors


@service
def billing_rule_set(
    *,
    actor: User,
    program: Any,
    payer: str,
    basis: str,
    day_hours: Decimal,
    week_hours: Decimal,
    min_days: int,
    source: str,
    request: HttpRequest | None = None,
) -> BillingRule:
    """A program's per-diem billing rule: the payer whose rule overrides the HCPCS per-day
    default for the program's patients, the rule, and where the payer sets it."""
    from openiop.organization.selectors import programs_for_user

    policy.require(
        actor,
        Action.BILLING_RULES_MANAGE,
        request=request,
        object_type="delivery.billingrule",
        object_id=str(program.pk),
    )
    if not programs_for_user(actor).filter(pk=program.pk).exists():
        raise policy.refuse(
            actor,
            "That program is outside your sites.",
            request=request,
            object_type="organization.program",
            object_id=str(program.pk),
        )
    values: dict[str, Any] = {
        "payer": (payer or "").strip(),
        "basis": basis,
        "day_hours": Decimal(day_hours),
        "week_hours": Decimal(week_hours),
        "min_days": min_days,
        "source": (source or "").strip(),
    }
    errors = _billing_rule_errors(**values)
    if errors:
        raise ValidationError(errors)
    row = BillingRule.objects.filter(program=program).first()
    creating = row is None
    if row is None:
        row = BillingRule(program=program)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_by = actor
    row.updated_at = timezone.now()
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.ADD if creating else AuditAction.CHANGE,
        obj=row,
        fields=list(BILLING_RULE_FIELDS),
        request=request,
        detail=f"billing rule of program {program.pk}",
        part2=False,
    )
    return row
