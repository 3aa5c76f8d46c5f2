"""Writes of "My week" and self check-in: the patient's own calendar link, "can't make it"
notices and their undo, the page's "last looked" time, and checking in from the portal.

Each is one audited transaction (`@service`) that asks the access policy (`portal.self`).
Self check-in applies the staff check-in rules of `openiop.delivery.services` (roster,
window, arrival status, drop-in for a patient enrolled in the track, the audited save) and
its rate limit of failed code attempts; it adds no rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import AuditedRefusal, service
from openiop.delivery import codes
from openiop.delivery import services as delivery
from openiop.delivery.conf import SETTINGS
from openiop.delivery.models import AttendanceRecord
from openiop.patients.models import Enrollment, EnrollmentStatus
from openiop.portal.models import AbsenceNotice, PortalAccount
from openiop.scheduling import services as scheduling
from openiop.scheduling.models import CalendarToken, GroupSession, SessionStatus

REASON_MAX = 300
STARTED = "This session has already started."
WRONG_CODE = "That code does not match a session you can check in to now."
TOO_MANY = "Too many tries. Wait a few minutes, or ask the staff to check you in."
ENDED = "The session has ended."
ALREADY = "You were already checked in."


def _require(account: PortalAccount, request: HttpRequest | None) -> User:
    """The signed-in user (the request's, past its second factor, when it is the account's
    own), allowed `portal.self`."""
    session_user = getattr(request, "user", None)
    user = session_user if getattr(session_user, "pk", None) == account.user_id else account.user
    assert isinstance(user, User)
    policy.require(user, Action.PORTAL_SELF, patient=account.patient, request=request)
    return user


@service
def week_seen(
    *, account: PortalAccount, at: datetime | None = None, request: HttpRequest | None = None
) -> PortalAccount:
    """Remember when the patient last opened "My week" (changes after it are highlighted)."""
    user = _require(account, request)
    account.week_seen_at = at or timezone.now()
    account.save(update_fields=["week_seen_at"])
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=account.patient,
        object_type="scheduling.groupsession",
        fields=["schedule"],
        request=request,
        detail="portal: the patient opened their week",
    )
    return account


@service
def calendar_link_create(
    *, account: PortalAccount, request: HttpRequest | None = None
) -> tuple[CalendarToken, str]:
    """A new private calendar feed address of the patient (earlier ones stop working); the
    raw token is returned to be shown once."""
    user = _require(account, request)
    return scheduling.calendar_token_create(actor=user, patient=account.patient, request=request)


def _on_roster(account: PortalAccount, session: GroupSession, request: HttpRequest | None) -> None:
    if session.status != SessionStatus.SCHEDULED or not delivery.on_roster(
        session, account.patient_id
    ):
        raise AuditedRefusal(
            "Not found.",
            actor=account.user,
            obj=session,
            request=request,
            detail="portal: session not on the patient's schedule",
            part2=False,
        )


@service
def absence_notice_create(
    *,
    account: PortalAccount,
    session: GroupSession,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AbsenceNotice:
    """ "I can't make it" for one of the patient's sessions still to come. Sending it again
    changes nothing; an open notice takes the session out of the minutes still to come in
    the weekly hours projection."""
    user = _require(account, request)
    _on_roster(account, session, request)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"At most {REASON_MAX} characters, please."})
    now = timezone.now()
    if session.starts_at <= now:
        raise ValidationError({"session": STARTED})
    existing = AbsenceNotice.objects.filter(
        patient_id=account.patient_id, session=session, withdrawn_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    notice = AbsenceNotice.objects.create(
        patient_id=account.patient_id,
        session=session,
        reason=reason,
        created_at=now,
        created_by=user,
    )
    audit.record(
        actor=user,
        action=AuditAction.ADD,
        patient=account.patient,
        obj=notice,
        fields=["session", "reason"],
        request=request,
        detail="portal: the patient told the care team they can't come",
    )
    return notice


@service
def absence_notice_withdraw(
    *, account: PortalAccount, notice: AbsenceNotice, request: HttpRequest | None = None
) -> AbsenceNotice:
    """Undo "I can't make it" while the session has not started."""
    user = _require(account, request)
    if notice.patient_id != account.patient_id:
        raise AuditedRefusal(
            "Not found.",
            actor=user,
            obj=notice,
            request=request,
            detail="portal: absence notice of another patient",
            part2=False,
        )
    if notice.withdrawn_at is not None:
        return notice
    if notice.session.starts_at <= timezone.now():
        raise ValidationError({"session": STARTED})
    notice.withdrawn_at = timezone.now()
    notice.save(update_fields=["withdrawn_at"])
    audit.record(
        actor=user,
        action=AuditAction.CHANGE,
        patient=account.patient,
        obj=notice,
        fields=["withdrawn_at"],
        request=request,
        detail="portal: the patient withdrew their can't-come notice",
    )
    return notice


@dataclass(frozen=True)
class PortalCheckIn:
    ok: bool
    message: str
    record: AttendanceRecord | None = None
    status: int = 200  # the HTTP status a refusal answers with (422, or 429 when throttled)
    field: str = "session"  # where the reason is shown: "session" or "code"


def _code_session(account: PortalAccount, code: str, now: datetime) -> GroupSession | None:
    """The session of the patient's organization whose room code this is, among those of
    the patient's local today and those whose code works now (so a code typed too early or
    too late is answered with the window's reason, not as a wrong code)."""
    opens = timedelta(minutes=SETTINGS.checkin_opens_minutes)
    closes = timedelta(minutes=SETTINGS.checkin_closes_minutes)
    zone = ZoneInfo(account.patient.site.timezone)
    day_start = datetime.combine(timezone.localtime(now, zone).date(), time(0), tzinfo=zone)
    candidates = (
        GroupSession.objects.filter(
            organization_id=account.patient.organization_id, status=SessionStatus.SCHEDULED
        )
        .filter(
            Q(starts_at__lte=now + opens, ends_at__gte=now - closes)
            | Q(starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1))
        )
        .select_related("room")
    )
    return next((s for s in candidates if codes.matches(s, code)), None)


@service
def portal_check_in(
    *,
    account: PortalAccount,
    session: GroupSession | None = None,
    code: str = "",
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> PortalCheckIn:
    """The patient checks in from the portal: by picking one of their sessions (the view
    looks it up among theirs) or by typing the code shown in the room. Failed codes are
    rate-limited per account; every refusal says why and saves no attendance."""
    user = _require(account, request)
    now = now or timezone.now()
    patient = account.patient
    field = "session"
    if session is None:
        field = "code"
        attempt, throttled = delivery._check_in_attempt(
            delivery.client_key(f"portal:{account.pk}"), now
        )
        if throttled:
            return PortalCheckIn(False, TOO_MANY, status=429, field=field)
        found = _code_session(account, code, now) if codes.normalize(code) else None
        enrolled = found is not None and (
            delivery.on_roster(found, patient.pk)
            or Enrollment.objects.filter(
                patient=patient,
                track_id=found.track_id,
                status=EnrollmentStatus.ACTIVE,
            ).exists()
        )
        if found is None or not enrolled:
            audit.record(
                actor=user,
                action=AuditAction.DENIED,
                object_type="delivery.selfcheckin",
                request=request,
                detail="portal check-in refused: the code matched none of the patient's sessions",
                part2=False,
            )
            return PortalCheckIn(False, WRONG_CODE, status=422, field=field)
        attempt.succeeded = True
        attempt.save(update_fields=["succeeded"])
        session = found
    else:
        _on_roster(account, session, request)
    existing = AttendanceRecord.objects.filter(session=session, patient=patient).first()
    if existing is not None and existing.check_in_at is not None:
        return PortalCheckIn(True, ALREADY, existing)
    try:
        delivery._check_in_window(session, now, field)
    except ValidationError:
        # The staff rule decides; the patient reads the reason in their own words.
        message = (
            ENDED
            if now > session.ends_at
            else (f"Check-in opens {SETTINGS.checkin_opens_minutes} minutes before the start.")
        )
        return PortalCheckIn(False, message, status=422, field=field)
    if not delivery.on_roster(session, patient.pk) and not delivery._self_drop_in(
        session, patient, now, request
    ):
        return PortalCheckIn(False, WRONG_CODE, status=422, field=field)
    record = delivery._save_record(
        actor=user,
        session=session,
        patient=patient,
        status=delivery._arrival_status(session, now),
        check_in=now,
        check_out=None,
        self_checked_in=True,
        request=request,
        detail="self check-in in the portal",
    )
    return PortalCheckIn(True, "You are checked in. Welcome.", record)
