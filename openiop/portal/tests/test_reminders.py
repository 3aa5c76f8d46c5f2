"""Reminders: the page (e-mail, phone notifications), the push subscription endpoints and
their refusals, and the sending task (once per account and reminder, no health detail,
expired subscriptions dropped). The clock is frozen; push services are never called."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pywebpush import WebPushException

from openiop.care.models import MeasureSchedule
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import EnrollmentFactory, World, login
from openiop.delivery.tests.factories import assign, group_session
from openiop.portal.models import (
    AbsenceNotice,
    AccountKind,
    PortalSettings,
    PushSubscription,
    ReminderKind,
    ReminderSent,
)
from openiop.portal.reminders import services
from openiop.portal.tasks import send_due_reminders
from openiop.portal.tests.helpers import make_portal_account, portal_login

pytestmark = pytest.mark.django_db

# Monday 4 May 2026, 10:00 in New York (the world's sites).
NOW = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)
TODAY = date(2026, 5, 4)
ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"
KEYS = {
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "auth": "tBHItJI5svbpez7KI4CCXg",
}


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def vapid(settings: Any) -> None:
    settings.VAPID_PUBLIC_KEY = (
        "BJ2vmfw5hw8K241DaNuxOA6UUW5F8HsF4H7_qSXv0N017etPfQBNIaL5yO5QgDZ-g6sXS4CDTo3nmhipHiiGMAw"
    )
    settings.VAPID_PRIVATE_KEY = "wSHRMINMJ0vcBH-lkeIyZ3RDRyJAOjQrdoS0MQmursI"
    settings.VAPID_SUBJECT = "mailto:privacy@example.org"


def _patient(world: World, email: str = "alma@example.org") -> Any:
    account = make_portal_account(world.patient_a1)
    account.user.email = email
    account.user.save(update_fields=["email"])
    return account


def _session_today(world: World, start: time = time(12, 0)) -> Any:
    session = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=TODAY, start=start
    )
    assign(session, world.patient_a1)
    return session


def _post_json(client: Client, url: str, data: Any) -> Any:
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(url, body, content_type="application/json")


# --- the page -------------------------------------------------------------------------------


def test_the_reminders_page_without_vapid_keys_offers_e_mail_only(world: World) -> None:
    client = portal_login(Client(), _patient(world))
    response = client.get("/portal/reminders/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "E-mail reminders are <strong>on</strong>" in html and "alma@example.org" in html
    assert "not set up by the program yet" in html
    assert "Turn on phone notifications" not in html
    assert "portal/portal.js" in html and "<script>" not in html


def test_the_reminders_page_with_vapid_keys_offers_phone_notifications(
    world: World, vapid: None
) -> None:
    client = portal_login(Client(), _patient(world))
    html = client.get("/portal/reminders/").content.decode()
    assert "Turn on phone notifications" in html
    assert (
        'data-vapid-key="BJ2vmfw5' in html
        and 'data-subscribe-url="/portal/reminders/push/"' in html
    )


def test_a_patient_sets_and_clears_the_reminder_e_mail_audited(world: World) -> None:
    account = _patient(world, email="")
    client = portal_login(Client(), account)
    bad = client.post("/portal/reminders/", {"email": "not an address"})
    assert bad.status_code == 422 and b'role="alert"' in bad.content
    response = client.post("/portal/reminders/", {"email": "alma@example.org"})
    assert response.status_code == 302
    account.user.refresh_from_db()
    assert account.user.email == "alma@example.org"
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_id=str(account.pk), detail__contains="e-mail set"
    ).exists()
    client.post("/portal/reminders/", {"email": ""})
    account.user.refresh_from_db()
    assert account.user.email == ""


def test_refusals_on_the_reminders_pages(world: World) -> None:
    anonymous = Client()
    assert anonymous.get("/portal/reminders/")["Location"] == "/portal/login/"
    assert (
        anonymous.post("/portal/reminders/push/", "{}", content_type="application/json")["Location"]
        == "/portal/login/"
    )
    staff = login(Client(), world.counselor_a1)
    assert staff.get("/portal/reminders/").status_code == 403
    assert _post_json(staff, "/portal/reminders/push/", {}).status_code == 403


def test_a_family_account_may_not_open_reminders(world: World) -> None:
    consent = _family_consent(world)
    family = make_portal_account(world.patient_a1, kind=AccountKind.FAMILY, consent=consent)
    client = portal_login(Client(), family)
    assert client.get("/portal/reminders/").status_code == 403
    assert _post_json(client, "/portal/reminders/push/", {}).status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, user_id_value=family.user_id
    ).exists()


def _family_consent(world: World) -> Any:
    from openiop.privacy.models import Consent

    return Consent.objects.create(
        organization=world.org_a,
        patient=world.patient_a1,
        kind="named",
        disclosing_party=world.org_a.name,
        recipient_kind="family",
        recipient_name="Rosa Example",
        purpose="family",
        data=["attendance"],
        expires_on=TODAY + timedelta(days=90),
        signer_name="Patient",
        signer_relation="patient",
        signed_on=TODAY - timedelta(days=3),
        signature_method="screen",
        recorded_by=world.counselor_a1,
        recorded_at=timezone.now(),
    )


# --- push subscription ----------------------------------------------------------------------


def test_push_subscribe_validates_the_subscription(world: World, vapid: None) -> None:
    account = _patient(world)
    client = portal_login(Client(), account)
    url = "/portal/reminders/push/"
    cases = [
        ("not json", "not valid JSON"),
        ([], "not valid"),
        ({"keys": KEYS}, "no push address"),
        ({"endpoint": "http://push.example.org/x", "keys": KEYS}, "secure (https)"),
        ({"endpoint": "https://fcm.googleapis.com/" + "a" * 1000, "keys": KEYS}, "too long"),
        ({"endpoint": "https://10.0.0.5:8443/x", "keys": KEYS}, "not one of the browsers' push"),
        ({"endpoint": "https://fcm.googleapis.com.evil.example/x", "keys": KEYS}, "push services"),
        ({"endpoint": ENDPOINT}, "no keys"),
        ({"endpoint": ENDPOINT, "keys": {"auth": KEYS["auth"]}}, "no p256dh key"),
        ({"endpoint": ENDPOINT, "keys": {**KEYS, "auth": "<script>"}}, "auth key is not valid"),
    ]
    for data, message in cases:
        response = _post_json(client, url, data)
        assert response.status_code == 400, data
        assert message in response.json()["error"], (data, response.json())
    assert client.post(url, "x" * 5000, content_type="application/json").status_code == 400
    assert not PushSubscription.objects.exists()
    ok = _post_json(client, url, {"endpoint": ENDPOINT, "expirationTime": None, "keys": KEYS})
    assert ok.status_code == 201
    sub = PushSubscription.objects.get()
    assert sub.account == account and sub.endpoint == ENDPOINT
    # The same browser again: one row, not two.
    assert _post_json(client, url, {"endpoint": ENDPOINT, "keys": KEYS}).status_code == 201
    assert PushSubscription.objects.count() == 1


def test_push_subscribe_without_vapid_keys_is_a_clear_400(world: World) -> None:
    client = portal_login(Client(), _patient(world))
    response = _post_json(client, "/portal/reminders/push/", {"endpoint": ENDPOINT, "keys": KEYS})
    assert response.status_code == 400
    assert "not set up by the program" in response.json()["error"]


def test_push_unsubscribe_removes_this_browser_only_and_refuses_another_patients(
    world: World, vapid: None
) -> None:
    account = _patient(world)
    other = make_portal_account(world.patient_a2)
    PushSubscription.objects.create(
        account=account, endpoint=ENDPOINT, created_at=timezone.now(), **KEYS
    )
    theirs = PushSubscription.objects.create(
        account=other, endpoint=ENDPOINT + "-other", created_at=timezone.now(), **KEYS
    )
    client = portal_login(Client(), account)
    refused = _post_json(client, "/portal/reminders/push/off/", {"endpoint": theirs.endpoint})
    assert refused.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="portal.pushsubscription", object_id=str(theirs.pk)
    ).exists()
    assert _post_json(client, "/portal/reminders/push/off/", {"nothing": 1}).status_code == 400
    ok = _post_json(client, "/portal/reminders/push/off/", {"endpoint": ENDPOINT})
    assert ok.status_code == 200
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [theirs.pk]
    # The page's form (no JavaScript) turns off every browser of the account.
    PushSubscription.objects.create(
        account=account, endpoint=ENDPOINT, created_at=timezone.now(), **KEYS
    )
    assert client.post("/portal/reminders/push/off/").status_code == 302
    assert not PushSubscription.objects.filter(account=account).exists()


# --- sending --------------------------------------------------------------------------------


def _forbidden_words(world: World) -> list[str]:
    return [
        world.program_a1.name,
        world.track_a1.name,
        world.site_a1.name + " ",
        "Coping with cravings",
        "IOP",
        "PHQ",
        "phq9",
        "GAD",
        world.patient_a1.first_name,
        world.patient_a1.last_name,
    ]


def test_a_session_reminder_is_sent_once_by_push_and_e_mail(world: World, vapid: None) -> None:
    account = _patient(world)
    session = _session_today(world)
    _session_today(world, start=time(18, 0))  # later than 3 hours: not yet
    PushSubscription.objects.create(
        account=account, endpoint=ENDPOINT, created_at=timezone.now(), **KEYS
    )
    with mock.patch("pywebpush.webpush") as webpush:
        send_due_reminders.call(at=NOW.isoformat())
        send_due_reminders.call(at=NOW.isoformat())
    assert webpush.call_count == 1
    payload = json.loads(webpush.call_args.kwargs["data"])
    assert payload["title"] == "Reminder"
    assert payload["body"] == "You have a session today at 12:00."
    assert webpush.call_args.kwargs["vapid_claims"] == {"sub": "mailto:privacy@example.org"}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reminder" and message.to == ["alma@example.org"]
    assert "You have a session today at 12:00." in message.body
    for word in _forbidden_words(world):
        assert word not in message.body and word not in json.dumps(payload), word
    row = ReminderSent.objects.get()
    assert (row.account, row.kind, row.key) == (account, ReminderKind.SESSION, str(session.pk))
    assert row.channels == "push,email"


def test_the_program_s_reminder_hours_are_used(world: World) -> None:
    _patient(world)
    _session_today(world, start=time(18, 0))  # 8 hours ahead
    assert services.send_due(at=NOW).sent == 0
    PortalSettings.objects.create(program=world.program_a1, session_reminder_hours=8)
    assert services.send_due(at=NOW).sent == 1
    assert "You have a session today at 18:00." in mail.outbox[0].body


def test_no_reminder_for_a_started_cancelled_or_excused_session(world: World) -> None:
    account = _patient(world)
    _session_today(world, start=time(9, 30))  # already started
    cancelled = _session_today(world, start=time(11, 0))
    cancelled.status = "cancelled"
    cancelled.save(update_fields=["status"])
    excused = _session_today(world, start=time(12, 0))
    AbsenceNotice.objects.create(
        patient=world.patient_a1,
        session=excused,
        created_at=timezone.now(),
        created_by=account.user,
    )
    assert services.send_due(at=NOW).sent == 0
    assert mail.outbox == []


def test_nothing_is_sent_to_an_ended_account_or_a_family_account(world: World) -> None:
    account = _patient(world)
    _session_today(world)
    account.ended_at = timezone.now() - timedelta(hours=1)
    account.save(update_fields=["ended_at"])
    assert services.send_due(at=NOW).due == 0
    assert mail.outbox == [] and not ReminderSent.objects.exists()


def test_a_gone_push_subscription_is_marked_failed_and_not_used_again(
    world: World, vapid: None
) -> None:
    account = _patient(world, email="")
    _session_today(world)
    sub = PushSubscription.objects.create(
        account=account, endpoint=ENDPOINT, created_at=timezone.now(), **KEYS
    )
    gone = WebPushException("Push failed: 410 Gone", response=mock.Mock(status_code=410))
    with mock.patch("pywebpush.webpush", side_effect=gone) as webpush:
        report = services.send_due(at=NOW)
        assert report.push_gone == 1 and webpush.call_count == 1
        sub.refresh_from_db()
        assert sub.failed_at == NOW
        # A second session later: the failed subscription is not tried again.
        _session_today(world, start=time(12, 30))
        services.send_due(at=NOW)
        assert webpush.call_count == 1


def test_a_push_network_error_does_not_stop_the_e_mail(world: World, vapid: None) -> None:
    account = _patient(world)
    _session_today(world)
    sub = PushSubscription.objects.create(
        account=account, endpoint=ENDPOINT, created_at=timezone.now(), **KEYS
    )
    with mock.patch("pywebpush.webpush", side_effect=ConnectionError("down")):
        report = services.send_due(at=NOW)
    assert report.sent == 1 and len(report.failures) == 1 and len(mail.outbox) == 1
    sub.refresh_from_db()
    assert sub.failed_at is None
    assert ReminderSent.objects.get().channels == "email"


def test_a_questionnaire_reminder_for_a_due_phq9_is_sent_once(world: World) -> None:
    account = _patient(world)
    MeasureSchedule.objects.create(track=world.track_a1, instrument="phq9", every_weeks=2)
    EnrollmentFactory.create(
        patient=world.patient_a1, track=world.track_a1, starts_on=TODAY - timedelta(days=3)
    )
    services.send_due(at=NOW)
    services.send_due(at=NOW + timedelta(minutes=15))
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "You have a short questionnaire to fill in." in body
    for word in _forbidden_words(world):
        assert word not in body, word
    row = ReminderSent.objects.get()
    assert row.account == account and row.kind == ReminderKind.QUESTIONNAIRE
    assert row.key == f"{(TODAY - timedelta(days=3)).isoformat()}:phq9"


def test_no_questionnaire_reminder_at_night(world: World) -> None:
    _patient(world)
    EnrollmentFactory.create(
        patient=world.patient_a1, track=world.track_a1, starts_on=TODAY - timedelta(days=3)
    )
    night = datetime(2026, 5, 4, 5, 0, tzinfo=UTC)  # 01:00 in New York
    assert services.send_due(at=night).sent == 0


def test_the_command_enqueues_the_task_or_runs_it_now(world: World) -> None:
    from django_tasks_db.models import DBTaskResult

    _patient(world)
    _session_today(world)
    out = StringIO()
    call_command("portal-reminders", stdout=out)
    assert out.getvalue().startswith("enqueued ")
    row = DBTaskResult.objects.get()
    assert row.task_path == "openiop.portal.tasks.send_due_reminders"
    assert row.args_kwargs["kwargs"] == {"at": NOW.isoformat()}
    out = StringIO()
    call_command("portal-reminders", "--now", stdout=out)
    assert "sent 1" in out.getvalue() and len(mail.outbox) == 1
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("portal-reminders", "--at", "yesterday", stderr=err)
