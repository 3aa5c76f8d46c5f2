"""Reminder writes: the patient's reminder e-mail, this browser's push subscription, and the
sending of due reminders (the task queue calls `send_due`).

The patient's writes are audited services (`@service`: `portal.self`, one transaction). The
sending is system work: `ReminderSent` is its record (one row per account, kind and key,
claimed in its own transaction before anything is sent, so a reminder goes out at most once
even when two workers run at the same time). Reminders carry no health detail, no program,
group or instrument name (45 CFR 164.502(b), minimum necessary; a lock screen and an
e-mail provider are outside the program's control). Logs carry ids only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.portal.models import PortalAccount, PushSubscription, ReminderKind, ReminderSent
from openiop.portal.reminders import push, selectors

logger = logging.getLogger("openiop.portal.reminders")

TITLE = "Reminder"
QUESTIONNAIRE_BODY = "You have a short questionnaire to fill in."
ENDPOINT_MAX = 1000
P256DH_MAX = 200
AUTH_MAX = 100
B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def _own(actor: User, account: PortalAccount, request: HttpRequest | None) -> None:
    policy.require(actor, Action.PORTAL_SELF, request=request, patient=account.patient)
    if account.user_id != actor.pk or account.ended_at is not None:
        raise policy.refuse(
            actor,
            "Not found.",
            request=request,
            object_type="portal.portalaccount",
            object_id=str(account.pk),
        )


@service
def reminder_email_set(
    *, actor: User, account: PortalAccount, email: str, request: HttpRequest | None = None
) -> str:
    """Set (or, with an empty value, clear) the e-mail address reminders go to."""
    _own(actor, account, request)
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(
                {"email": "Enter a valid e-mail address, like name@example.org."}
            ) from exc
    user = account.user
    if user.email == email:
        return email
    user.email = email
    user.save(update_fields=["email"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=account.patient,
        obj=account,
        fields=["email"],
        request=request,
        detail="portal reminder e-mail " + ("set" if email else "cleared"),
    )
    return email


@dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str


def _key(value: Any, name: str, maximum: int) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"The subscription has no {name} key.")
    if len(value) > maximum or not set(value) <= B64URL:
        raise ValidationError(f"The subscription's {name} key is not valid.")
    return value


# The browsers' push services (RFC 8030 endpoints handed out by the browser): the reminder task
# posts only to these, never to an address a client made up (no request forgery towards the
# clinic's own network). Chrome and Edge on Android/desktop use FCM, Firefox Mozilla's
# autopush, Safari Apple's web push, Edge on Windows WNS.
PUSH_SERVICE_SUFFIXES = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    ".push.services.mozilla.com",
    ".push.apple.com",
    ".notify.windows.com",
)


def push_service_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(
        host == s.lstrip(".") or host.endswith("." + s.lstrip(".")) for s in PUSH_SERVICE_SUFFIXES
    )


def parse_subscription(data: Any) -> Subscription:
    """The browser's PushSubscription JSON (endpoint, keys.p256dh, keys.auth), checked:
    an https endpoint of bounded length and both keys in base64url."""
    if not isinstance(data, dict):
        raise ValidationError("The subscription is not valid.")
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise ValidationError("The subscription has no push address.")
    if len(endpoint) > ENDPOINT_MAX:
        raise ValidationError("The subscription's push address is too long.")
    try:
        parts = urlsplit(endpoint)
    except ValueError as exc:
        raise ValidationError("The subscription's push address is not valid.") from exc
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError("The subscription's push address must be a secure (https) address.")
    if not push_service_host(parts.hostname):
        raise ValidationError(
            "The subscription's push address is not one of the browsers' push services."
        )
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise ValidationError("The subscription has no keys.")
    return Subscription(
        endpoint,
        _key(keys.get("p256dh"), "p256dh", P256DH_MAX),
        _key(keys.get("auth"), "auth", AUTH_MAX),
    )


@service
def push_subscribe(
    *,
    actor: User,
    account: PortalAccount,
    subscription: Subscription,
    request: HttpRequest | None = None,
) -> PushSubscription:
    """Turn on phone notifications for this browser (a browser's subscription belongs to the
    account signed in on it last)."""
    _own(actor, account, request)
    if not push.configured():
        raise ValidationError("Phone notifications are not set up by the program yet.")
    row = PushSubscription.objects.select_for_update().filter(endpoint=subscription.endpoint)
    existing = row.first()
    if existing is None:
        existing = PushSubscription(endpoint=subscription.endpoint)
    existing.account = account
    existing.p256dh = subscription.p256dh
    existing.auth = subscription.auth
    existing.created_at = timezone.now()
    existing.failed_at = None
    existing.save()
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        patient=account.patient,
        obj=existing,
        request=request,
        detail="portal phone notifications turned on for a browser",
    )
    return existing


@service
def push_unsubscribe(
    *,
    actor: User,
    account: PortalAccount,
    subscription: PushSubscription | None,
    request: HttpRequest | None = None,
) -> int:
    """Turn off phone notifications: one browser's, or (None) every browser of the account.
    Returns how many were removed."""
    _own(actor, account, request)
    rows = PushSubscription.objects.filter(account=account)
    if subscription is not None:
        rows = rows.filter(pk=subscription.pk)
    removed, _ = rows.delete()
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        patient=account.patient,
        object_type="portal.pushsubscription",
        object_id=str(subscription.pk) if subscription else "",
        request=request,
        detail=f"portal phone notifications turned off ({removed} browser(s))",
    )
    return removed


# --- sending ----------------------------------------------------------------------------------


def session_body(starts_at: datetime, zone: str, at: datetime) -> str:
    """ "You have a session today at 18:00." in the site's time zone (no name of anything)."""
    tz = ZoneInfo(zone)
    local = starts_at.astimezone(tz)
    day = local.date()
    today = at.astimezone(tz).date()
    when = (
        "today"
        if day == today
        else "tomorrow"
        if (day - today).days == 1
        else "on " + (local.strftime("%A"))
    )
    return f"You have a session {when} at {local:%H:%M}."


@dataclass
class SendReport:
    due: int = 0
    sent: int = 0
    skipped: int = 0  # already sent, or no way to reach the account
    push_sent: int = 0
    push_gone: int = 0
    email_sent: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"due {self.due}, sent {self.sent}, skipped {self.skipped}, push {self.push_sent} "
            f"(gone {self.push_gone}), e-mail {self.email_sent}, failed {len(self.failures)}"
        )


def _claim(account_id: int, kind: str, key: str, at: datetime) -> ReminderSent | None:
    """The reminder's row, created in its own transaction; None if it was sent before."""
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(
                account_id=account_id, kind=kind, key=key, sent_at=at
            )
    except IntegrityError:
        return None


def send_due(*, at: datetime) -> SendReport:
    """Send every reminder due at ``at`` that was not sent before (idempotent)."""
    report = SendReport()
    accounts = list(selectors.open_patient_accounts())
    use_push = push.configured()
    subscriptions: dict[int, list[PushSubscription]] = {}
    if use_push:
        for sub in PushSubscription.objects.filter(
            account_id__in=[a.pk for a in accounts], failed_at__isnull=True
        ).order_by("pk"):
            subscriptions.setdefault(sub.account_id, []).append(sub)
    reachable = [a for a in accounts if a.user.email or subscriptions.get(a.pk)]
    by_id = {a.pk: a for a in reachable}
    due = selectors.due_sessions(at, reachable) + selectors.due_questionnaires(at, reachable)
    report.due = len(due)
    for reminder in due:
        account = by_id[reminder.account_id]
        claimed = _claim(account.pk, reminder.kind, reminder.key, at)
        if claimed is None:
            report.skipped += 1
            continue
        if reminder.kind == ReminderKind.SESSION:
            assert reminder.starts_at is not None
            body = session_body(reminder.starts_at, reminder.zone, at)
        else:
            body = QUESTIONNAIRE_BODY
        channels = []
        for sub in subscriptions.get(account.pk, []):
            result = push.send(
                endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth, title=TITLE, body=body
            )
            if result.ok:
                report.push_sent += 1
                if "push" not in channels:
                    channels.append("push")
            elif result.gone:
                report.push_gone += 1
                PushSubscription.objects.filter(pk=sub.pk).update(failed_at=timezone.now())
                logger.info("push subscription %s gone (%s): not used again", sub.pk, result.status)
            else:
                report.failures.append(f"push {sub.pk}")
                logger.warning("reminder %s: push to subscription %s failed", claimed.pk, sub.pk)
        if account.user.email:
            try:
                send_mail(TITLE, body + "\n", settings.DEFAULT_FROM_EMAIL, [account.user.email])
            except Exception as exc:  # the mail server refused or is down
                report.failures.append(f"email {account.pk}")
                logger.warning("reminder %s: e-mail failed: %s", claimed.pk, type(exc).__name__)
            else:
                report.email_sent += 1
                channels.append("email")
        ReminderSent.objects.filter(pk=claimed.pk).update(channels=",".join(channels))
        report.sent += 1
        logger.info(
            "reminder %s (%s) to account %s by %s",
            claimed.pk,
            reminder.kind,
            account.pk,
            ",".join(channels) or "nothing",
        )
    return report
