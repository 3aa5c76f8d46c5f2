"""Writes of appointments, primary counselors, telehealth consent and the video service.

Each function is one `@service` (one transaction, the policy asked again, audited)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.appointments import planning
from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentRun,
    AppointmentShortfall,
    AppointmentSource,
    AppointmentStatus,
    AppointmentType,
    Attendance,
    Credential,
    Modality,
    PrimaryCounselor,
    TelehealthConsent,
    VideoService,
)
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.appointments.model import (
    Due,
    PatientTimes,
    Placement,
    PlacementProblem,
    Staff,
)
from openiop.domain.appointments.validator import validate
from openiop.domain.caseload import Counselor as CaseloadCounselor
from openiop.domain.caseload import Patient as CaseloadPatient
from openiop.domain.caseload import balance
from openiop.locator.importer import STATES
from openiop.organization.models import Organization, Program, StaffProfile, Track
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient

# Where the patient is during a video visit (licensure follows the patient's location): the
# USPS state, district and territory codes the locator's importer also accepts.
US_STATES = STATES


def _same_org(actor: User, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "organization_id", None) != actor.organization_id:
            raise PermissionDenied("That belongs to another organization.")


# --- appointment types (program policy) ---------------------------------------------------


@service
def appointment_type_save(
    *,
    actor: User,
    program: Program,
    track: Track | None,
    kind: str,
    minutes: int,
    credential: str,
    every_weeks: int,
    counts_toward_hours: bool,
    payer_rule: str = "",
    video_allowed: bool = True,
    active: bool = True,
    instance: AppointmentType | None = None,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> AppointmentType:
    """Create or change what a program (or one track) offers beside groups."""
    policy.require(actor, Action.SCHEDULE_MANAGE, request=request, signed_in=signed_in)
    if program.site.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    errors: dict[str, str] = {}
    if track is not None and track.program_id != program.pk:
        errors["track"] = "That track belongs to another program."
    if kind not in AppointmentKind.values:
        errors["kind"] = "Choose a kind of appointment."
    if not 15 <= minutes <= 240:
        errors["minutes"] = "Between 15 and 240 minutes."
    if credential not in Credential.values:
        errors["credential"] = "Choose who may deliver it."
    elif kind in (AppointmentKind.MEDICATION, AppointmentKind.PSYCHIATRIC_EVALUATION) and (
        credential != Credential.PRESCRIBER
    ):
        errors["credential"] = "Medication management and psychiatric evaluation need a prescriber."
    if not 0 <= every_weeks <= 12:
        errors["every_weeks"] = "Between 0 (only when booked) and 12 weeks."
    clash = AppointmentType.objects.filter(program=program, track=track, kind=kind)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if kind and clash.exists():
        errors["kind"] = "This program or track already has that kind of appointment."
    if errors:
        raise ValidationError(errors)
    created = instance is None
    t = instance or AppointmentType(organization_id=actor.organization_id)
    t.program, t.track, t.kind, t.minutes = program, track, kind, minutes
    t.credential, t.every_weeks, t.counts_toward_hours = (
        credential,
        every_weeks,
        counts_toward_hours,
    )
    t.payer_rule, t.video_allowed, t.active = payer_rule.strip()[:300], video_allowed, active
    t.save()
    audit.record(
        actor=actor,
        action=AuditAction.ADD if created else AuditAction.CHANGE,
        obj=t,
        request=request,
        fields=["kind", "minutes", "credential", "every_weeks", "counts_toward_hours"],
        organization_id=actor.organization_id,
    )
    return t


# --- primary counselor --------------------------------------------------------------------


def _may_counsel(user: User, patient: Patient) -> bool:
    """An active clinician of the organization whose sites or programs hold the patient (so
    they may open the chart, check the patient in and write the note)."""
    return (
        user.is_active
        and user.organization_id == patient.organization_id
        and policy.has_role_for(user, Action.NOTE_WRITE)
        and Patient.objects.filter(access.membership_patients_filter(user), pk=patient.pk).exists()
    )


@service
def primary_counselor_assign(
    *,
    actor: User,
    patient: Patient,
    counselor: User,
    reason: str = "",
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> PrimaryCounselor:
    """Make `counselor` the patient's primary counselor (the current one, if any, ends now)."""
    policy.require(
        actor,
        Action.PRIMARY_COUNSELOR_ASSIGN,
        request=request,
        patient=patient,
        signed_in=signed_in,
    )
    if signed_in:
        access.require_in_scope(actor, patient, request=request)
    _same_org(actor, patient)
    if not _may_counsel(counselor, patient):
        raise ValidationError(
            {"counselor": "Choose an active counselor or clinical director of this program."}
        )
    now = timezone.now()
    current = (
        PrimaryCounselor.objects.select_for_update()
        .filter(patient=patient, ended_at__isnull=True)
        .first()
    )
    if current is not None and current.counselor_id == counselor.pk:
        raise ValidationError({"counselor": "This is already the patient's primary counselor."})
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    row = PrimaryCounselor.objects.create(
        patient=patient,
        counselor=counselor,
        assigned_at=now,
        assigned_by=actor,
        reason=reason.strip()[:200],
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE if current else AuditAction.ADD,
        patient=patient,
        obj=row,
        fields=["counselor"],
        request=request,
        detail=f"primary counselor {current.counselor_id if current else '-'} -> {counselor.pk}",
    )
    return row


@service
def primary_counselors_balance(
    *, actor: User, request: HttpRequest | None = None, signed_in: bool = True
) -> list[PrimaryCounselor]:
    """Give every actively enrolled patient of the organization without a primary counselor
    one, balancing caseloads within track and language (:mod:`openiop.domain.caseload`)."""
    policy.require(actor, Action.PRIMARY_COUNSELOR_ASSIGN, request=request, signed_in=signed_in)
    org = access.organization_id(actor)
    today = timezone.localdate()
    enrolments = Enrollment.objects.filter(
        patient__organization_id=org, status=EnrollmentStatus.ACTIVE, starts_on__lte=today
    ).values_list("patient_id", "track_id")
    if signed_in:
        # From a page: only the patients in the user's scope.
        enrolments = enrolments.filter(
            patient__in=Patient.objects.filter(access.membership_patients_filter(actor)).values(
                "pk"
            )
        )
    tracks: dict[int, set[int]] = {}
    for patient_id, track_id in enrolments:
        tracks.setdefault(patient_id, set()).add(track_id)
    assigned = set(
        PrimaryCounselor.objects.filter(
            patient_id__in=list(tracks), ended_at__isnull=True
        ).values_list("patient_id", flat=True)
    )
    todo = sorted(set(tracks) - assigned)
    if not todo:
        return []
    patients = {p.pk: p for p in Patient.objects.filter(pk__in=todo)}
    loads: dict[int, int] = {}
    for counselor_id in PrimaryCounselor.objects.filter(
        ended_at__isnull=True, patient__organization_id=org
    ).values_list("counselor_id", flat=True):
        loads[counselor_id] = loads.get(counselor_id, 0) + 1
    counselors = []
    for profile in (
        StaffProfile.objects.filter(user__organization_id=org, user__is_active=True)
        .select_related("user")
        .prefetch_related("tracks")
        .order_by("user_id")
    ):
        leads = frozenset(t.pk for t in profile.tracks.all())
        if not policy.has_role_for(profile.user, Action.NOTE_WRITE) or not leads:
            continue
        counselors.append(
            CaseloadCounselor(
                id=profile.user_id,
                tracks=leads,
                languages=profile.language_set(),
                load=loads.get(profile.user_id, 0),
                limit=profile.caseload_limit,
            )
        )
    result = balance(
        [
            CaseloadPatient(pk, frozenset(tracks[pk]), patients[pk].preferred_language)
            for pk in todo
        ],
        counselors,
    )
    users = {
        u.pk: u for u in User.objects.filter(pk__in={a.counselor for a in result if a.counselor})
    }
    now = timezone.now()
    rows = []
    for a in result:
        if a.counselor is None:
            continue
        row = PrimaryCounselor.objects.create(
            patient_id=a.patient,
            counselor=users[a.counselor],
            assigned_at=now,
            assigned_by=actor,
            reason=a.reason[:200],
        )
        audit.record(
            actor=actor,
            action=AuditAction.ADD,
            patient=a.patient,
            obj=row,
            fields=["counselor"],
            request=request,
            detail="assigned by caseload balance",
            organization_id=org,
        )
        rows.append(row)
    return rows


# --- booking by hand ----------------------------------------------------------------------


def _type_for(patient: Patient, kind: str) -> AppointmentType:
    tracks = list(
        Enrollment.objects.filter(patient=patient, status=EnrollmentStatus.ACTIVE).values_list(
            "track__program_id", "track_id"
        )
    )
    chosen = [
        t
        for t in planning.types_for(planning.applicable_types(patient.organization_id), tracks)
        if t.kind == kind
    ]
    if not chosen:
        raise ValidationError({"kind": "This patient's program does not offer that appointment."})
    return chosen[0]


def _check_slot(
    *,
    patient: Patient,
    staff: User,
    kind_type: AppointmentType,
    starts_at: datetime,
    telehealth: bool,
    exclude: int | None = None,
) -> datetime:
    """Refuse a booking the weekly placement would refuse; returns the end."""
    errors: dict[str, str] = {}
    if not _may_counsel(staff, patient):
        raise ValidationError({"staff": "Choose an active clinician of this patient's program."})
    profile = StaffProfile.objects.filter(user=staff).first()
    creds = {Credential.COUNSELOR.value}
    if profile is not None and profile.prescriber:
        creds.add(Credential.PRESCRIBER.value)
    if kind_type.credential not in creds:
        # "A prescriber (MD, DO, NP, PA)" -> "a prescriber (MD, DO, NP, PA)": keep the capitals.
        who = str(Credential(kind_type.credential).label)
        errors["staff"] = f"{kind_type.get_kind_display()} needs {who[:1].lower()}{who[1:]}."
    if telehealth:
        if not kind_type.video_allowed:
            errors["telehealth"] = "The program does not offer this appointment by video."
        elif not TelehealthConsent.objects.filter(
            patient=patient, revoked_at__isnull=True
        ).exists():
            errors["telehealth"] = "Record the patient's telehealth consent first."
        elif not VideoService.objects.filter(organization_id=patient.organization_id).exists():
            errors["telehealth"] = "Set up the program's video service first."
    if starts_at < timezone.now() - timedelta(days=7):
        errors["starts_at"] = "That is more than a week ago."
    if errors:
        raise ValidationError(errors)
    zone = patient.site.timezone
    ends_at = starts_at + timedelta(minutes=kind_type.minutes)
    week_start = planning.monday_of(planning.to_local(starts_at, zone)[0])
    staff_busy, patient_busy = planning.busy_in_week(
        patient.organization_id, week_start, exclude=[exclude] if exclude else []
    )
    interval = planning.interval_of(starts_at, ends_at, zone, week_start)
    windows = planning.staff_windows([staff.pk]).get(staff.pk) or ()
    if not windows:
        # Nobody recorded this person's hours: a hand booking is taken as they arranged it.
        windows = (interval,)
    ref_s, ref_p = planning.sid(staff.pk), planning.pid(patient.pk)
    problem = PlacementProblem(
        dues=(
            Due(
                id="booking",
                patient=ref_p,
                kind=kind_type.kind,
                minutes=kind_type.minutes,
                credential=kind_type.credential,
                staff=(ref_s,),
            ),
        ),
        staff=(
            Staff(
                ref_s,
                tuple(windows),
                planning.busy_intervals(staff_busy.get(staff.pk, []), zone, week_start),
                frozenset(creds),
            ),
        ),
        patients=(
            PatientTimes(
                ref_p,
                None,
                planning.busy_intervals(patient_busy.get(patient.pk, []), zone, week_start),
            ),
        ),
        days=tuple(range(7)),
        day_start=0,
        day_end=24 * 60,
        step=1,
    )
    problems = validate(
        problem,
        [Placement("booking", ref_s, interval.day, interval.start, interval.end)],
    )
    if problems:
        raise ValidationError({"starts_at": _plain(problems)})
    return ends_at


def _plain(problems: list[str]) -> str:
    """The validator's findings in the words of the booking form."""
    words = []
    for text in problems:
        # The validator names the patient ("patient p7's busy time") but the staff member only
        # by reference ("c3's busy time"): test for the patient first.
        low = text.lower()
        if "patient" in low and ("busy" in low or "overlap" in low):
            words.append("The patient has a group or another appointment then.")
        elif "busy" in low or "overlap" in low:
            words.append("The staff member has a group or another appointment then.")
        elif "window" in low or "availab" in low:
            words.append("That is outside the staff member's hours.")
        else:
            words.append("That time does not fit the week's schedule.")
    return " ".join(dict.fromkeys(words))


@service
def appointment_book(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    staff: User,
    starts_at: datetime,
    telehealth: bool = False,
    family_attendees: str = "",
    request: HttpRequest | None = None,
    signed_in: bool = True,
    source: str = AppointmentSource.STAFF,
) -> Appointment:
    """Book an appointment by hand, validated like the weekly placement."""
    policy.require(
        actor, Action.APPOINTMENT_BOOK, request=request, patient=patient, signed_in=signed_in
    )
    if signed_in:
        access.require_in_scope(actor, patient, request=request)
    _same_org(actor, patient)
    kind_type = _type_for(patient, kind)
    ends_at = _check_slot(
        patient=patient,
        staff=staff,
        kind_type=kind_type,
        starts_at=starts_at,
        telehealth=telehealth,
    )
    zone = patient.site.timezone
    a = Appointment.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        staff=staff,
        type=kind_type,
        kind=kind_type.kind,
        site=patient.site,
        telehealth=telehealth,
        video_key=secrets.token_urlsafe(12) if telehealth else "",
        family_attendees=family_attendees.strip()[:300],
        week_start=planning.monday_of(planning.to_local(starts_at, zone)[0]),
        starts_at=starts_at,
        ends_at=ends_at,
        source=source,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=a,
        request=request,
        fields=["kind", "staff", "starts_at", "telehealth"],
    )
    return a


def _open(appointment: Appointment) -> Appointment:
    a = (
        Appointment.objects.select_for_update()
        .select_related("patient__site", "type")
        .get(pk=appointment.pk)
    )
    if a.status != AppointmentStatus.SCHEDULED:
        raise ValidationError({"status": "This appointment was cancelled."})
    return a


@service
def appointment_move(
    *,
    actor: User,
    appointment: Appointment,
    starts_at: datetime,
    staff: User | None = None,
    telehealth: bool | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    """Move an appointment (and optionally change who sees the patient, or the modality)."""
    a = _open(appointment)
    policy.require(actor, Action.APPOINTMENT_BOOK, request=request, patient=a.patient)
    access.require_in_scope(actor, a.patient, request=request)
    if a.attendance or a.note_id:
        raise ValidationError({"starts_at": "Attendance or a note is recorded: it cannot move."})
    new_staff = staff or a.staff
    video = a.telehealth if telehealth is None else telehealth
    a.ends_at = _check_slot(
        patient=a.patient,
        staff=new_staff,
        kind_type=a.type,
        starts_at=starts_at,
        telehealth=video,
        exclude=a.pk,
    )
    a.starts_at, a.staff, a.telehealth = starts_at, new_staff, video
    if video and not a.video_key:
        a.video_key = secrets.token_urlsafe(12)
    a.week_start = planning.monday_of(planning.to_local(starts_at, a.patient.site.timezone)[0])
    a.source = AppointmentSource.STAFF
    a.save()
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=a.patient,
        obj=a,
        request=request,
        fields=["starts_at", "staff", "telehealth"],
    )
    return a


@service
def appointment_cancel(
    *, actor: User, appointment: Appointment, reason: str, request: HttpRequest | None = None
) -> Appointment:
    a = _open(appointment)
    policy.require(actor, Action.APPOINTMENT_BOOK, request=request, patient=a.patient)
    access.require_in_scope(actor, a.patient, request=request)
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is cancelled."})
    if a.attendance or a.note_id:
        raise ValidationError(
            {"reason": "Attendance or a note is recorded: it cannot be cancelled."}
        )
    a.status, a.cancel_reason = AppointmentStatus.CANCELLED, reason.strip()[:200]
    a.save(update_fields=["status", "cancel_reason"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=a.patient,
        obj=a,
        request=request,
        fields=["status", "cancel_reason"],
    )
    return a


# --- attendance ---------------------------------------------------------------------------


@service
def appointment_check_in(
    *,
    actor: User,
    appointment: Appointment,
    modality: str = "",
    patient_state: str = "",
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    """The patient is here (or on the video call). A video visit records where the patient is
    (licensure follows the patient's location) and needs a current telehealth consent."""
    a = _open(appointment)
    policy.require(actor, Action.ATTENDANCE_RECORD, request=request, patient=a.patient)
    access.require_in_scope(actor, a.patient, request=request)
    now = at or timezone.now()
    modality = modality or (Modality.VIDEO if a.telehealth else Modality.IN_PERSON)
    errors: dict[str, str] = {}
    if modality not in Modality.values:
        errors["modality"] = "In person or by video."
    state = patient_state.strip().upper()
    if modality == Modality.VIDEO:
        if state not in US_STATES:
            errors["patient_state"] = (
                "Say which state the patient is in now (two letters, e.g. CT)."
            )
        if not TelehealthConsent.objects.filter(
            patient=a.patient, revoked_at__isnull=True
        ).exists():
            errors["modality"] = "The patient has no telehealth consent on record."
    if not a.starts_at - timedelta(minutes=30) <= now <= a.ends_at:
        errors["check_in"] = "Check-in opens 30 minutes before the start and closes at the end."
    if errors:
        raise ValidationError(errors)
    late = now > a.starts_at + timedelta(minutes=10)
    a.attendance = Attendance.LATE if late else Attendance.PRESENT
    a.modality, a.patient_state = modality, state if modality == Modality.VIDEO else ""
    a.check_in_at, a.recorded_by = now, actor
    a.save(update_fields=["attendance", "modality", "patient_state", "check_in_at", "recorded_by"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=a.patient,
        obj=a,
        request=request,
        fields=["attendance", "modality", "patient_state"],
    )
    return a


@service
def appointment_attendance_set(
    *,
    actor: User,
    appointment: Appointment,
    attendance: str,
    check_in_at: datetime | None = None,
    check_out_at: datetime | None = None,
    modality: str = "",
    patient_state: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """Record or correct attendance: times are clipped to the appointment by the hours."""
    a = _open(appointment)
    policy.require(actor, Action.ATTENDANCE_RECORD, request=request, patient=a.patient)
    access.require_in_scope(actor, a.patient, request=request)
    errors: dict[str, str] = {}
    if attendance not in Attendance.values or attendance == "":
        errors["attendance"] = "Choose what happened."
    present = attendance in (Attendance.PRESENT, Attendance.LATE, Attendance.LEFT_EARLY)
    if present and check_in_at is None:
        errors["check_in_at"] = "When did the patient arrive?"
    if check_in_at and check_out_at and check_out_at <= check_in_at:
        errors["check_out_at"] = "The end is before the arrival."
    if present and modality == Modality.VIDEO and patient_state.strip().upper() not in US_STATES:
        errors["patient_state"] = "Say which state the patient was in (two letters)."
    if check_in_at and check_in_at > timezone.now() + timedelta(minutes=5):
        errors["check_in_at"] = "That is in the future."
    if errors:
        raise ValidationError(errors)
    a.attendance = attendance
    a.check_in_at = check_in_at if present else None
    a.check_out_at = check_out_at if present else None
    a.modality = (
        (modality or (Modality.VIDEO if a.telehealth else Modality.IN_PERSON)) if present else ""
    )
    a.patient_state = (
        patient_state.strip().upper() if present and a.modality == Modality.VIDEO else ""
    )
    a.recorded_by = actor
    a.save()
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=a.patient,
        obj=a,
        request=request,
        fields=["attendance", "check_in_at", "check_out_at", "modality", "patient_state"],
    )
    return a


@service
def appointment_check_out(
    *,
    actor: User,
    appointment: Appointment,
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    a = _open(appointment)
    policy.require(actor, Action.ATTENDANCE_RECORD, request=request, patient=a.patient)
    access.require_in_scope(actor, a.patient, request=request)
    if a.check_in_at is None:
        raise ValidationError({"check_out": "Check the patient in first."})
    now = at or timezone.now()
    if now <= a.check_in_at:
        raise ValidationError({"check_out": "That is before the check-in."})
    a.check_out_at = now
    if now < a.ends_at - timedelta(minutes=10) and a.attendance == Attendance.PRESENT:
        a.attendance = Attendance.LEFT_EARLY
    a.save(update_fields=["check_out_at", "attendance"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=a.patient,
        obj=a,
        request=request,
        fields=["check_out_at", "attendance"],
    )
    return a


# --- the note -----------------------------------------------------------------------------


@service
def appointment_note_save(
    *,
    actor: User,
    appointment: Appointment,
    note_format: str,
    content: Mapping[str, object],
    request: HttpRequest | None = None,
) -> Any:
    """Write (or change the draft of) the appointment's note: the delivery app's individual
    note, dated on the appointment's local day, its length the minutes attended."""
    from openiop.delivery import services as delivery

    a = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient__site", "note")
        .get(pk=appointment.pk)
    )
    policy.require(actor, Action.NOTE_WRITE, request=request, patient=a.patient)
    access.require_in_scope(actor, a.patient, request=request)
    if a.status != AppointmentStatus.SCHEDULED:
        raise ValidationError({"status": "This appointment was cancelled."})
    if a.attendance not in (Attendance.PRESENT, Attendance.LATE, Attendance.LEFT_EARLY):
        raise ValidationError({"attendance": "Record that the patient attended first."})
    prescribed = a.kind in (AppointmentKind.MEDICATION, AppointmentKind.PSYCHIATRIC_EVALUATION)
    if prescribed and not StaffProfile.objects.filter(user=actor, prescriber=True).exists():
        raise ValidationError({"format": "Only a prescriber writes the note of this visit."})
    if a.kind == AppointmentKind.MEDICATION and note_format != "med":
        raise ValidationError({"format": "A medication management visit uses the medication note."})
    local_day = planning.to_local(a.starts_at, a.patient.site.timezone)[0]
    minutes = a.minutes
    if a.check_in_at is not None:
        # The minutes attended: check-in to check-out (or the end), inside the appointment.
        begin = max(a.check_in_at, a.starts_at)
        end = min(a.check_out_at or a.ends_at, a.ends_at)
        minutes = max(1, int((end - begin).total_seconds() // 60))
    note = delivery.individual_note_save(
        actor=actor,
        patient=a.patient,
        note_format=note_format,
        service_date=local_day,
        duration_minutes=minutes,
        content=content,
        note=a.note,
        request=request,
    )
    if a.note_id is None:
        a.note = note
        a.save(update_fields=["note"])
    return note


# --- telehealth ---------------------------------------------------------------------------


@service
def telehealth_consent_record(
    *, actor: User, patient: Patient, method: str, request: HttpRequest | None = None
) -> TelehealthConsent:
    policy.require(actor, Action.APPOINTMENT_BOOK, request=request, patient=patient)
    access.require_in_scope(actor, patient, request=request)
    if method not in ("written", "verbal", "portal"):
        raise ValidationError({"method": "Signed form, verbal (documented) or in the portal."})
    if TelehealthConsent.objects.filter(patient=patient, revoked_at__isnull=True).exists():
        raise ValidationError({"method": "A telehealth consent is already on record."})
    row = TelehealthConsent.objects.create(
        patient=patient, method=method, recorded_at=timezone.now(), recorded_by=actor
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=row,
        request=request,
        fields=["method"],
    )
    return row


@service
def telehealth_consent_revoke(
    *, actor: User, patient: Patient, request: HttpRequest | None = None
) -> TelehealthConsent:
    policy.require(actor, Action.APPOINTMENT_BOOK, request=request, patient=patient)
    access.require_in_scope(actor, patient, request=request)
    row = (
        TelehealthConsent.objects.select_for_update()
        .filter(patient=patient, revoked_at__isnull=True)
        .first()
    )
    if row is None:
        raise ValidationError({"method": "No telehealth consent is on record."})
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        obj=row,
        request=request,
        fields=["revoked_at"],
    )
    return row


_KEY = re.compile(r"\{key\}")


@service
def video_service_save(
    *,
    actor: User,
    name: str,
    url_template: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> VideoService:
    """The program's video service: an https link template with {key} (a random key per
    visit, never a name or record number)."""
    policy.require(actor, Action.SCHEDULE_MANAGE, request=request, signed_in=signed_in)
    url_template = url_template.strip()
    parts = urlsplit(url_template.replace("{key}", "k"))
    if parts.scheme != "https" or not parts.netloc:
        raise ValidationError(
            {"url_template": "An https link, for example https://meet.example.org/openiop-{key}."}
        )
    if len(_KEY.findall(url_template)) != 1:
        raise ValidationError({"url_template": "Put {key} once where the visit's key goes."})
    row, created = VideoService.objects.update_or_create(
        organization=Organization.objects.get(pk=access.organization_id(actor)),
        defaults={"name": name.strip()[:80] or "Video visit", "url_template": url_template[:300]},
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD if created else AuditAction.CHANGE,
        obj=row,
        request=request,
        fields=["url_template"],
        organization_id=actor.organization_id,
    )
    return row


# --- the weekly placement -----------------------------------------------------------------


@service
def appointments_place_week(
    *,
    actor: User | None,
    organization_id: int,
    week_start: date,
    time_limit: float = 5.0,
    first_day: date | None = None,
    request: HttpRequest | None = None,
) -> AppointmentRun:
    """Place the week's due appointments around its published groups (from tomorrow when the
    week has begun): appointments placed earlier and not yet held are placed again, keeping
    their slots where they still fit; what cannot be placed is stored with its reason.

    Run on the task queue after a week is published (`tasks.place_week`) and from the
    appointments page. `actor` is None on the queue."""
    if actor is not None:
        policy.require(actor, Action.SCHEDULE_MANAGE, request=request)
        if actor.organization_id != organization_id:
            raise PermissionDenied("Another organization.")
    if week_start.weekday() != 0:
        raise ValidationError({"week": "A week starts on a Monday."})
    if first_day is not None and actor is not None:
        raise PermissionDenied("Only the demo loader places a week from a day of its choice.")
    now = timezone.now()
    # One placement of a week at a time: a second (a retry, "Place again" while the task
    # runs, another worker) waits here and then works from what the first one wrote.
    run, _ = AppointmentRun.objects.get_or_create(
        organization_id=organization_id,
        week_start=week_start,
        defaults={"ran_at": now, "stats": {"placed": 0, "unplaced": 0, "kept": 0}},
    )
    run = AppointmentRun.objects.select_for_update().get(pk=run.pk)
    zones = sorted(
        set(
            Patient.objects.filter(organization_id=organization_id).values_list(
                "site__timezone", flat=True
            )
        )
    )
    totals = {
        "placed": 0,
        "kept": 0,  # at their previous time (last week's, or this week's earlier placement)
        "unchanged": 0,  # of those, rows left as they were (same id and video link)
        "moved": 0,
        "unplaced": 0,
        "clashes": 0,
        "seconds": 0.0,
    }
    statuses: list[str] = []
    firsts: list[date] = []
    for zone in zones:
        # Sites in different time zones are placed one zone after the other: wall clocks of
        # one zone compare, and what an earlier zone placed is busy time for the next.
        local_today = now.astimezone(ZoneInfo(zone)).date()
        first = max(week_start, first_day or (local_today + timedelta(days=1)))
        if first > week_start + timedelta(days=5):
            continue  # the week is over there: what happened stays as it was
        firsts.append(first)
        _place_zone(organization_id, week_start, first, zone, time_limit, now, totals, statuses)
    if not firsts:
        if not run.stats.get("status"):
            run.stats = {**run.stats, "status": "week over"}
            run.save(update_fields=["stats"])
        return run
    run.ran_at = now
    run.stats = {
        **{k: (round(v, 2) if isinstance(v, float) else v) for k, v in totals.items()},
        "status": ", ".join(sorted(set(statuses))),
        "from": min(firsts).isoformat(),
    }
    run.save(update_fields=["ran_at", "stats"])
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=run,
        request=request,
        detail=(
            f"appointments placed {totals['placed']} (kept {totals['kept']}), "
            f"not placed {totals['unplaced']}, clashing bookings {totals['clashes']}"
        ),
        organization_id=organization_id,
        part2=False,
    )
    return run


CLASH_REASON = (
    "Booked by hand at a time that now overlaps a group of the patient or of the staff "
    "member: move it."
)


def _place_zone(
    organization_id: int,
    week_start: date,
    first: date,
    zone: str,
    time_limit: float,
    now: datetime,
    totals: dict[str, Any],
    statuses: list[str],
) -> None:
    """Place one time zone's patients (see `appointments_place_week`)."""
    from openiop.domain.appointments.place import place

    open_rows = planning.solver_placed_open(organization_id, week_start, first, zone)
    by_key = {(a.patient_id, a.kind): a for a in open_rows}
    previous = {key: (a.starts_at, a.staff_id) for key, a in by_key.items()}
    facts = planning.week_facts(
        organization_id,
        week_start,
        first_day=first,
        previous=previous,
        zone=zone,
        exclude=[a.pk for a in open_rows],
    )
    result = place(facts.problem, time_limit=time_limit)
    created: list[Appointment] = []
    kept: set[int] = set()
    for p in result.placed:
        due_type = facts.types[p.due]
        patient = facts.patients[_patient_ref(p.due)]
        day = week_start + timedelta(days=p.day)
        starts_at = planning.local_to_utc(day, p.start, zone)
        staff_id = int(p.staff[1:])
        before = by_key.get((patient.pk, due_type.kind))
        if before is not None and (before.starts_at, before.staff_id) == (starts_at, staff_id):
            kept.add(before.pk)  # same row: its id, calendar event and video link stay
            continue
        video = facts.telehealth.get(p.due, False)
        created.append(
            Appointment(
                organization_id=organization_id,
                patient=patient,
                staff_id=staff_id,
                type=due_type,
                kind=due_type.kind,
                site=patient.site,
                telehealth=video,
                video_key=secrets.token_urlsafe(12) if video else "",
                week_start=week_start,
                starts_at=starts_at,
                ends_at=planning.local_to_utc(day, p.end, zone),
                source=AppointmentSource.SOLVER,
                created_at=now,
            )
        )
    # Drop what moved or is no longer due; the conditions again, so nothing held is lost.
    Appointment.objects.filter(
        pk__in=[a.pk for a in open_rows if a.pk not in kept],
        source=AppointmentSource.SOLVER,
        status=AppointmentStatus.SCHEDULED,
        attendance="",
        note__isnull=True,
    ).delete()
    Appointment.objects.bulk_create(created, batch_size=500)
    in_zone = Patient.objects.filter(organization_id=organization_id, site__timezone=zone)
    AppointmentShortfall.objects.filter(
        organization_id=organization_id, week_start=week_start, patient__in=in_zone
    ).delete()
    short = [
        AppointmentShortfall(
            organization_id=organization_id,
            week_start=week_start,
            patient=patient,
            kind=t.kind,
            code=code,
            reason=reason,
            created_at=now,
        )
        for patient, t, code, reason in facts.missing
    ]
    for u in result.unplaced:
        short.append(
            AppointmentShortfall(
                organization_id=organization_id,
                week_start=week_start,
                patient=facts.patients[u.patient],
                kind=u.kind,
                code=u.code,
                reason=u.reason[:300],
                created_at=now,
            )
        )
    clashes = _clashing_bookings(organization_id, week_start, first, zone, now)
    AppointmentShortfall.objects.bulk_create(short + clashes, batch_size=500)
    totals["placed"] += len(created) + len(kept)
    totals["moved"] += len([a for a in open_rows if a.pk not in kept])
    totals["kept"] += int(_number(result.stats.get("kept")))
    totals["unchanged"] += len(kept)
    totals["unplaced"] += len(short)
    totals["clashes"] += len(clashes)
    totals["seconds"] += _number(result.stats.get("seconds"))
    statuses.append(str(result.stats.get("status", "")))


def _clashing_bookings(
    organization_id: int, week_start: date, first: date, zone: str, now: datetime
) -> list[AppointmentShortfall]:
    """Appointments booked by hand that a later schedule of groups now overlaps (the
    placement never moves them): listed so that staff move them."""
    staff_groups, patient_groups = planning.groups_in_week(organization_id, week_start)
    out = []
    for a in Appointment.objects.filter(
        organization_id=organization_id,
        week_start=week_start,
        source=AppointmentSource.STAFF,
        status=AppointmentStatus.SCHEDULED,
        attendance="",
        patient__site__timezone=zone,
    ).select_related("patient"):
        if planning.to_local(a.starts_at, zone)[0] < first:
            continue
        groups = [*patient_groups.get(a.patient_id, []), *staff_groups.get(a.staff_id, [])]
        if any(s < a.ends_at and a.starts_at < e for s, e in groups):
            out.append(
                AppointmentShortfall(
                    organization_id=organization_id,
                    week_start=week_start,
                    patient=a.patient,
                    kind=a.kind,
                    code="clash",
                    reason=CLASH_REASON,
                    created_at=now,
                )
            )
    return out


def _number(value: object) -> float:
    """A figure of the placer's stats (an int, a float, or missing)."""
    return float(value) if isinstance(value, int | float) else 0.0


def _patient_ref(due_id: str) -> str:
    return due_id.split("-", 1)[0]


@service
def appointments_place_week_queue(
    *, actor: User, week_start: date, request: HttpRequest | None = None
) -> date:
    """Ask for the week's placement again (the appointments page's button): it is enqueued on
    the task queue once this transaction commits, and runs as `tasks.place_week` does after a
    week is published."""
    from openiop.appointments.tasks import place_week
    from openiop.core.tasks import enqueue_on_commit

    policy.require(actor, Action.SCHEDULE_MANAGE, request=request)
    if week_start.weekday() != 0:
        raise ValidationError({"week": "A week starts on a Monday."})
    organization_id = access.organization_id(actor)
    enqueue_on_commit(
        place_week, organization_id=organization_id, week_start=week_start.isoformat()
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        object_type="appointments.appointmentrun",
        request=request,
        detail=f"appointment placement of week {week_start} queued",
        organization_id=organization_id,
        part2=False,
    )
    return week_start
