"""Write path of closed-loop referrals to partner organizations.

A referral is sent from an open need to an active partner of the same organization, only
when a written consent of the patient covers that partner (42 CFR 2.31, asked through the
one disclosure gate, and recorded as a disclosure in the same transaction). Each change of
status is a `ReferralEvent` (its day as reported, who recorded it: a staff member or the
partner through the signed link) and an audit event.

Allowed changes (`TRANSITIONS`):

=========== =====================================================
from        to
=========== =====================================================
sent        received, accepted, declined, withdrawn, closed
received    accepted, declined, withdrawn, closed
accepted    delivered, declined, withdrawn, closed
delivered   closed
declined    closed
withdrawn   (none: final)
closed      (none: final)
=========== =====================================================

- Declined needs a reason. Closed needs an outcome: the need was resolved or not. Closing
  before the service was delivered ("closing early") is allowed with an outcome.
- Closing with "resolved" also closes the need as resolved, in the same transaction.
  "Not resolved" leaves the need open: another referral may be tried (program practice:
  the program keeps arranging the service until the need is met or the patient declines).
- The day a change happened cannot be in the future nor before the referral was sent.
- The follow-up date may be moved while the referral is open (sent, received, accepted,
  delivered).
- The partner, through the link, may record received, accepted, declined (with a reason) and
  delivered; closing and withdrawing are the program's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.core.tasks import enqueue_on_commit
from openiop.domain.consent import Decision, Recipient
from openiop.privacy import gate
from openiop.support.models import (
    OPEN_REFERRAL,
    Need,
    NeedStatus,
    Partner,
    PartnerReferral,
    PartnerService,
    ReferralEvent,
    ReferralEventSource,
    ReferralOutcome,
    ReferralStatus,
    new_link_nonce,
)
from openiop.support.needs.services import need_close, require_support_write
from openiop.support.program_settings import policy_for

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User
    from openiop.patients.models import Patient

S = ReferralStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.SENT: frozenset({S.RECEIVED, S.ACCEPTED, S.DECLINED, S.WITHDRAWN, S.CLOSED}),
    S.RECEIVED: frozenset({S.ACCEPTED, S.DECLINED, S.WITHDRAWN, S.CLOSED}),
    S.ACCEPTED: frozenset({S.DELIVERED, S.DECLINED, S.WITHDRAWN, S.CLOSED}),
    S.DELIVERED: frozenset({S.CLOSED}),
    S.DECLINED: frozenset({S.CLOSED}),
    S.WITHDRAWN: frozenset(),
    S.CLOSED: frozenset(),
}
PARTNER_MAY: frozenset[str] = frozenset({S.RECEIVED, S.ACCEPTED, S.DECLINED, S.DELIVERED})
FINAL: frozenset[str] = frozenset({S.CLOSED, S.WITHDRAWN})

RECIPIENT_KIND = "service_partner"
PURPOSE = "support"
DATA = frozenset({"demographics", "social_needs"})
CHANNEL = "referral"


class StaleStatus(ValidationError):
    """The referral changed since the form was shown (409)."""


def allowed_next(status: str, *, partner: bool = False) -> list[str]:
    """The statuses a referral may move to from `status`, in the order of the choices."""
    allowed = TRANSITIONS.get(status, frozenset())
    if partner:
        allowed = allowed & PARTNER_MAY
    return [s for s in ReferralStatus.values if s in allowed]


def recipient_for(partner: Partner) -> Recipient:
    return Recipient(kind=RECIPIENT_KIND, name=partner.name, key=f"partner:{partner.pk}")


def consent_decision(patient: Patient, partner: Partner) -> Decision:
    """Would the patient's consents let this referral go to this partner now? Records
    nothing (to show on the form)."""
    return gate.check(patient, recipient=recipient_for(partner), purpose=PURPOSE, data=DATA)


def _base_url(request: HttpRequest | None) -> str:
    return request.build_absolute_uri("/") if request is not None else ""


def _enqueue_link(referral: PartnerReferral, request: HttpRequest | None) -> None:
    from openiop.support.referrals import tasks

    enqueue_on_commit(tasks.send_partner_link, referral_id=referral.pk, base_url=_base_url(request))


@service
def referral_send(
    *,
    actor: User,
    need: Need,
    partner: Partner,
    service: PartnerService | None = None,
    message: str,
    follow_up_on: date | None = None,
    request: HttpRequest | None = None,
) -> PartnerReferral:
    """Send an open need to a partner: the consent is asked (and the disclosure recorded),
    the referral starts as sent, and the partner is e-mailed a link once committed."""
    locked = Need.objects.select_for_update().select_related("patient").get(pk=need.pk)
    patient = locked.patient
    require_support_write(actor, patient, request)
    today = timezone.localdate()
    settings = policy_for(patient.program_id)
    errors: dict[str, str] = {}
    if locked.status != NeedStatus.OPEN:
        errors["__all__"] = "This need is closed. Reopen it before referring."
    if partner.organization_id != patient.organization_id:
        errors["partner"] = "Choose a partner from your organization's directory."
    elif not partner.active:
        errors["partner"] = "This partner is marked inactive. Choose another."
    if service is not None and service.partner_id != partner.pk:
        errors["service"] = "This service is not one of the chosen partner's."
    message = (message or "").strip()
    if len(message) < 3:
        errors["message"] = "Say what help is asked of the partner."
    elif len(message) > 1000:
        errors["message"] = "Keep the message under 1000 characters."
    follow = follow_up_on or today + timedelta(days=settings.follow_up_days)
    if follow < today:
        errors["follow_up_on"] = "The follow-up day cannot be in the past."
    elif follow > today + timedelta(days=366):
        errors["follow_up_on"] = "Choose a follow-up day within a year."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    referral = PartnerReferral.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        need=locked,
        partner=partner,
        service=service,
        status=S.SENT,
        message=message,
        sent_on=today,
        follow_up_on=follow,
        sent_by=actor,
        link_expires_at=now + timedelta(days=settings.link_days),
        updated_at=now,
    )
    # 42 CFR 2.31 / 2.32: the consent must name this partner; refused → audited, rolled back.
    referral.disclosure = gate.disclose(
        patient,
        recipient=recipient_for(partner),
        purpose=PURPOSE,
        data=DATA,
        channel=CHANNEL,
        description=f"Referral for {locked.get_kind_display().lower()} help",
        actor=actor,
        obj=referral,
        request=request,
    )
    referral.save(update_fields=["disclosure"])
    ReferralEvent.objects.create(
        referral=referral,
        from_status="",
        to_status=S.SENT,
        occurred_on=today,
        recorded_at=now,
        source=ReferralEventSource.STAFF,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=referral,
        fields=["partner", "service", "message", "follow_up_on"],
        request=request,
        detail=f"referral sent to partner {partner.pk} for a social need",
    )
    _enqueue_link(referral, request)
    return referral


def _check_change(
    referral: PartnerReferral,
    *,
    to_status: str,
    occurred_on: date | None,
    declined_reason: str,
    outcome: str,
    note: str,
    partner: bool,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    allowed = allowed_next(referral.status, partner=partner)
    if to_status not in allowed:
        if referral.status in FINAL:
            errors["__all__"] = "This referral is closed: nothing more can be recorded."
        else:
            errors["to_status"] = (
                f"A referral that is {referral.get_status_display().lower()} cannot move to "
                f"{ReferralStatus(to_status).label.lower() if to_status in ReferralStatus.values else 'that status'}."
            )
    if occurred_on is None:
        errors["occurred_on"] = "Give the day it happened."
    elif occurred_on > today:
        errors["occurred_on"] = "The day cannot be in the future."
    elif occurred_on < referral.sent_on:
        errors["occurred_on"] = "The day cannot be before the referral was sent."
    else:
        last = (
            ReferralEvent.objects.filter(referral=referral)
            .exclude(from_status=models.F("to_status"))
            .order_by("-occurred_on")
            .values_list("occurred_on", flat=True)
            .first()
        )
        if last is not None and occurred_on < last:
            errors["occurred_on"] = (
                f"The day cannot be before the last change recorded ({last:%d %b %Y})."
            )
    if to_status == S.DECLINED and len(declined_reason.strip()) < 3:
        errors["declined_reason"] = "Say why the referral was declined."
    if len(declined_reason) > 500:
        errors["declined_reason"] = "Keep the reason under 500 characters."
    if to_status == S.CLOSED and outcome not in (
        ReferralOutcome.RESOLVED,
        ReferralOutcome.NOT_RESOLVED,
    ):
        errors["outcome"] = "Say whether the need was resolved."
    elif (
        to_status == S.CLOSED
        and outcome == ReferralOutcome.RESOLVED
        and referral.status in (S.DECLINED, S.WITHDRAWN)
    ):
        errors["outcome"] = "A declined referral cannot have resolved the need."
    if len(note) > 1000:
        errors["note"] = "Keep the note under 1000 characters."
    return errors


def _lock(referral: PartnerReferral) -> PartnerReferral:
    return (
        PartnerReferral.objects.select_for_update()
        .select_related("patient", "need", "partner")
        .get(pk=referral.pk)
    )


@service
def referral_update(
    *,
    actor: User,
    referral: PartnerReferral,
    to_status: str,
    occurred_on: date | None,
    note: str = "",
    declined_reason: str = "",
    outcome: str = "",
    follow_up_on: date | None = None,
    expected_status: str | None = None,
    request: HttpRequest | None = None,
) -> PartnerReferral:
    """Record a change by staff. `to_status` "" (or the current status) only moves the
    follow-up date. `expected_status`: the status the form showed; if it changed meanwhile,
    `StaleStatus` (409)."""
    locked = _lock(referral)
    require_support_write(actor, locked.patient, request)
    if expected_status is not None and expected_status != locked.status:
        raise StaleStatus(
            {
                "__all__": "This referral was changed by someone else (it is now "
                f"{locked.get_status_display().lower()}). Look at it again before recording."
            }
        )
    today = timezone.localdate()
    now = timezone.now()
    note = note.strip()
    if not to_status or to_status == locked.status:
        errors: dict[str, str] = {}
        if locked.status not in OPEN_REFERRAL:
            errors["__all__"] = "The follow-up day can only be changed on an open referral."
        if follow_up_on is None:
            errors["follow_up_on"] = "Give the new follow-up day."
        elif follow_up_on < today:
            errors["follow_up_on"] = "The follow-up day cannot be in the past."
        elif follow_up_on > today + timedelta(days=366):
            errors["follow_up_on"] = "Choose a follow-up day within a year."
        if len(note) > 1000:
            errors["note"] = "Keep the note under 1000 characters."
        if errors:
            raise ValidationError(errors)
        assert follow_up_on is not None
        locked.follow_up_on = follow_up_on
        locked.updated_at = now
        locked.save(update_fields=["follow_up_on", "updated_at"])
        ReferralEvent.objects.create(
            referral=locked,
            from_status=locked.status,
            to_status=locked.status,
            occurred_on=today,
            recorded_at=now,
            source=ReferralEventSource.STAFF,
            recorded_by=actor,
            note=note or f"Follow-up moved to {follow_up_on:%d %b %Y}.",
        )
        audit.record(
            actor=actor,
            action=AuditAction.CHANGE,
            patient=locked.patient,
            obj=locked,
            fields=["follow_up_on"],
            request=request,
            detail="partner referral follow-up day changed",
        )
        return locked
    errors = _check_change(
        locked,
        to_status=to_status,
        occurred_on=occurred_on,
        declined_reason=declined_reason,
        outcome=outcome,
        note=note,
        partner=False,
    )
    if follow_up_on is not None and follow_up_on < today:
        errors["follow_up_on"] = "The follow-up day cannot be in the past."
    elif follow_up_on is not None and follow_up_on > today + timedelta(days=366):
        errors["follow_up_on"] = "Choose a follow-up day within a year."
    if errors:
        raise ValidationError(errors)
    assert occurred_on is not None
    fields = _apply(
        locked,
        to_status=to_status,
        occurred_on=occurred_on,
        note=note,
        declined_reason=declined_reason,
        outcome=outcome,
        source=ReferralEventSource.STAFF,
        recorded_by=actor,
        partner_person="",
        now=now,
    )
    if follow_up_on is not None and to_status in OPEN_REFERRAL:
        locked.follow_up_on = follow_up_on
        locked.save(update_fields=["follow_up_on"])
        fields.append("follow_up_on")
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=locked.patient,
        obj=locked,
        fields=fields,
        request=request,
        detail=f"partner referral {locked.get_status_display().lower()} (recorded by staff)",
    )
    if to_status == S.CLOSED and outcome == ReferralOutcome.RESOLVED:
        need = locked.need
        if need.status == NeedStatus.OPEN:
            need_close(
                actor=actor,
                need=need,
                status=NeedStatus.RESOLVED,
                note=f"Resolved through the referral to {locked.partner.name}."[:500],
                closed_on=max(occurred_on, need.identified_on),
                request=request,
            )
    return locked


def _apply(
    referral: PartnerReferral,
    *,
    to_status: str,
    occurred_on: date,
    note: str,
    declined_reason: str,
    outcome: str,
    source: str,
    recorded_by: User | None,
    partner_person: str,
    now: datetime,
) -> list[str]:
    """Write the new status and its event; returns the fields changed."""
    from_status = referral.status
    referral.status = to_status
    referral.updated_at = now
    fields = ["status", "updated_at"]
    if to_status == S.DECLINED:
        referral.declined_reason = declined_reason.strip()
        fields.append("declined_reason")
    if to_status == S.CLOSED:
        referral.outcome = outcome
        fields.append("outcome")
    if to_status in FINAL:
        # A closed or withdrawn referral shows the partner nothing more (a referral sent to
        # the wrong partner is withdrawn): its link ends now.
        referral.link_expires_at = now
        fields.append("link_expires_at")
    referral.save(update_fields=fields)
    ReferralEvent.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        occurred_on=occurred_on,
        recorded_at=now,
        source=source,
        recorded_by=recorded_by,
        partner_person=partner_person,
        note=note,
    )
    return fields


@service
def referral_update_by_partner(
    *,
    referral: PartnerReferral,
    to_status: str,
    occurred_on: date | None,
    partner_person: str,
    link_nonce: str,
    note: str = "",
    declined_reason: str = "",
    request: HttpRequest | None = None,
) -> PartnerReferral:
    """A change recorded by the partner through the signed link (the view has read the
    link): received, accepted, declined (with a reason) or delivered. Under the lock the
    link is checked again (a "New link" or the end of the link since the page was read
    refuses the change) and so is the consent (a revocation since then refuses it)."""
    locked = _lock(referral)
    now = timezone.now()
    if locked.link_nonce != link_nonce or (
        locked.link_expires_at is not None and now > locked.link_expires_at
    ):
        raise ValidationError({"__all__": "This link no longer works: nothing was recorded."})
    decision = consent_decision(locked.patient, locked.partner)
    if not decision.allowed:
        raise gate.refusal(
            locked.patient,
            decision,
            recipient=recipient_for(locked.partner),
            purpose=PURPOSE,
            channel=CHANNEL,
            request=request,
        )
    note = note.strip()
    person = partner_person.strip()
    errors = _check_change(
        locked,
        to_status=to_status,
        occurred_on=occurred_on,
        declined_reason=declined_reason,
        outcome="",
        note=note,
        partner=True,
    )
    if len(person) < 2:
        errors["partner_person"] = "Give your name."
    elif len(person) > 200:
        errors["partner_person"] = "Keep your name under 200 characters."
    if errors:
        raise ValidationError(errors)
    assert occurred_on is not None
    fields = _apply(
        locked,
        to_status=to_status,
        occurred_on=occurred_on,
        note=note,
        declined_reason=declined_reason,
        outcome="",
        source=ReferralEventSource.PARTNER_LINK,
        recorded_by=None,
        partner_person=person,
        now=now,
    )
    audit.record(
        actor=None,
        action=AuditAction.CHANGE,
        patient=locked.patient,
        obj=locked,
        fields=fields,
        request=request,
        detail=f"partner link: referral {locked.get_status_display().lower()} "
        "(recorded by the partner)",
        organization_id=locked.organization_id,
    )
    return locked


@service
def referral_link_renew(
    *, actor: User, referral: PartnerReferral, request: HttpRequest | None = None
) -> PartnerReferral:
    """A new partner link: every link given before stops working, the new one works for the
    program's number of days, and is e-mailed to the partner."""
    locked = _lock(referral)
    require_support_write(actor, locked.patient, request)
    if locked.status in FINAL:
        raise ValidationError({"__all__": "This referral is closed: it needs no new link."})
    now = timezone.now()
    locked.link_nonce = new_link_nonce()
    locked.link_expires_at = now + timedelta(days=policy_for(locked.patient.program_id).link_days)
    locked.updated_at = now
    locked.save(update_fields=["link_nonce", "link_expires_at", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=locked.patient,
        obj=locked,
        fields=["link_nonce", "link_expires_at"],
        request=request,
        detail="partner referral link renewed (earlier links revoked)",
    )
    _enqueue_link(locked, request)
    return locked


def partner_link_url(referral: PartnerReferral, base_url: str = "") -> str:
    """The partner's link (absolute when `base_url` is given)."""
    from openiop.support.referrals.partner_link import make_token

    path = reverse("support_public:partner_link", args=[referral.pk, make_token(referral)])
    return base_url.rstrip("/") + path if base_url else path


# --- Rate limit of the public link ----------------------------------------------------------

LINK_LIMIT = 30  # requests from one address ...
LINK_WINDOW = timedelta(minutes=10)  # ... in this window (program policy, no published source)
LINK_SCOPE = "support-partner-link"


class RateLimited(Exception):
    """Too many partner-link requests from this address."""


@service
def partner_link_attempt(*, client_ip: str) -> None:
    """Count one request to a partner link from this address (a keyed hash, as the public
    locator counts its requests); `RateLimited` past the limit, nothing written then, so a
    flood cannot fill the table or the audit trail."""
    from openiop.locator.models import ReferralAttempt
    from openiop.locator.services import client_key

    now = timezone.now()
    key = client_key(client_ip, LINK_SCOPE)
    recent = ReferralAttempt.objects.filter(client_key=key, created_at__gte=now - LINK_WINDOW)
    if recent.count() >= LINK_LIMIT:
        raise RateLimited
    ReferralAttempt.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    ReferralAttempt.objects.create(client_key=key, created_at=now, outcome="partner link")
