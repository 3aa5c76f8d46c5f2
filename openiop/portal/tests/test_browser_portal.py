"""The portal on a phone (390 x 844), in headless system Chromium, with axe-core on every page.

1. A patient opens the invitation link, chooses a password, sets up the authenticator, sees
   the week, is refused check-in before the window opens (with the reason, where they tapped)
   and checks in once it is open, answers the daily check-in with "I need to talk to someone
   today": the crisis numbers show at once, and the counselor sees the urgent task.
2. A family member invited under the patient's consent sees the family evening and whether
   the patient attended (the consent names attendance), nothing of the patient's own pages,
   and nothing at all once the patient revokes the consent.

The server's clock is frozen (time_machine, same process as the live server): Wednesday
4 November 2026 in New York, the group 18:00-21:00.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import User
from openiop.core.browser import (
    accessibility_violations,
    chromium_browser,
    login,
    phone,
    totp_now,
)
from openiop.core.testing import PASSWORD, build_world
from openiop.delivery.models import AttendanceRecord
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.intake.models import Admission, SafetyTask
from openiop.portal import services
from openiop.portal.models import AccountKind, DailyCheckIn, FamilyEvent
from openiop.portal.tests.helpers import make_portal_account
from openiop.privacy.models import Consent
from openiop.privacy.services import consent_revoke

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NY = ZoneInfo("America/New_York")
WED = date(2026, 11, 4)
NEW_PASSWORD = "a-long-portal-passphrase-7"


def _accessible(page: Any, where: str) -> None:
    problems = accessibility_violations(page)
    assert problems == [], f"{where}: {problems}"


def _pending_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def _portal_sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/portal/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/portal/mfa/")
    page.get_by_label("6-digit code from your authenticator app").fill(totp_now(user))
    page.get_by_role("button", name="Continue").click()


def _family_consent(world: Any, patient: Any) -> Consent:
    """The patient's consent naming a family member, for involving them in care, with
    attendance."""
    return Consent.objects.create(
        organization=world.org_a,
        patient=patient,
        kind="named",
        disclosing_party=world.org_a.name,
        recipient_kind="family",
        recipient_name="Rosa Arriaga",
        purpose="family",
        data=["attendance"],
        expires_on=WED + timedelta(days=90),
        signer_name=f"{patient.first_name} {patient.last_name}",
        signer_relation="patient",
        signed_on=WED - timedelta(days=3),
        signature_method="screen",
        recorded_by=world.counselor_a1,
        recorded_at=timezone.now() - timedelta(days=3),
    )


def _admitted(world: Any, patient: Any) -> None:
    admission = Admission.objects.create(
        patient=patient,
        program=world.program_a1,
        primary_counselor=world.counselor_a1,
        starts_on=date(2026, 1, 1),
        admitted_by=world.counselor_a1,
        admitted_at=timezone.now(),
    )
    admission.enrollments.set(patient.enrollments.all())


def test_a_patient_sets_up_the_portal_checks_in_and_asks_to_talk(
    live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=12)  # the test moves the clock
    with time_machine.travel(datetime.combine(WED, time(16, 0), tzinfo=NY), tick=False) as clock:
        world = build_world()
        ana = enrolled_patient(world.track_a1, first_name="Ana", last_name="Arriaga")
        _admitted(world, ana)
        tonight = group_session(track=world.track_a1, counselor=world.counselor_a1, day=WED)
        friday = group_session(
            track=world.track_a1, counselor=world.counselor_a1, day=WED + timedelta(days=2)
        )
        assign(tonight, ana)
        assign(friday, ana)
        made = services.invitation_create(
            actor=world.counselor_a1, patient=ana, kind=AccountKind.PATIENT, channel="text"
        )

        with chromium_browser() as browser:
            context, page, errors = phone(browser)
            base = live_server.url
            # The invitation link: a password, then the authenticator.
            page.goto(f"{base}/portal/welcome/{made.token}/")
            _accessible(page, "welcome")
            page.get_by_label("Choose a user name").fill("ana.arriaga")
            page.get_by_label("Choose a password").fill(NEW_PASSWORD)
            page.get_by_label("Type the password again").fill(NEW_PASSWORD)
            page.get_by_role("button", name="Continue").click()
            page.wait_for_url("**/portal/mfa/setup/")
            _accessible(page, "authenticator set-up")
            user = User.objects.get(username="ana.arriaga")
            page.get_by_label("6-digit code").fill(_pending_code(user))
            page.get_by_role("button", name="Confirm").click()
            page.wait_for_url(f"{base}/portal/")
            _accessible(page, "home")

            # The week: tonight's and Friday's groups.
            page.get_by_role("link", name="My week").click()
            page.wait_for_url("**/portal/week/")
            week = page.locator("main").inner_text()
            assert "Wednesday 4 November" in week and "6:00 pm" in week, week
            assert "Friday 6 November" in week, week
            _accessible(page, "my week")

            # Check-in at 16:00: refused with the reason, where the patient tapped.
            page.get_by_role("link", name="Check in", exact=True).first.click()
            page.wait_for_url("**/portal/check-in/")
            _accessible(page, "check-in")
            assert "Check-in opens at 5:30 pm" in page.locator("main").inner_text()
            # The room's code typed too early: the reason, where the patient typed it.
            from openiop.delivery import codes

            page.get_by_label("Session code shown in the room").fill(codes.session_code(tonight))
            page.get_by_role("button", name="Check in with the code").click()
            page.get_by_role("alert").first.wait_for()
            assert "opens" in page.get_by_role("alert").first.inner_text()
            assert not AttendanceRecord.objects.filter(session=tonight).exists()

            # At 17:45 the window is open.
            clock.move_to(datetime.combine(WED, time(17, 45), tzinfo=NY))
            page.goto(f"{base}/portal/check-in/")
            page.get_by_label("Session code shown in the room").fill(codes.session_code(tonight))
            page.get_by_role("button", name="Check in with the code").click()
            page.get_by_text("You are checked in").first.wait_for()
            record = AttendanceRecord.objects.get(session=tonight, patient=ana)
            assert record.self_checked_in and record.check_in_at is not None

            # The daily check-in with "I need to talk to someone today".
            page.goto(f"{base}/portal/daily/")
            _accessible(page, "daily check-in")
            page.get_by_role("group", name="craving").get_by_label("4", exact=True).check()
            page.get_by_role("group", name="mood").get_by_label("Low", exact=True).check()
            page.get_by_role("group", name="sleep").get_by_label("Fair", exact=True).check()
            page.get_by_role("group", name="used").get_by_label("No", exact=True).check()
            page.get_by_role("group", name="talk").get_by_label("Yes", exact=True).check()
            page.get_by_role("button", name="Send my check-in").click()
            crisis = page.locator(".crisis")
            crisis.wait_for()
            assert "988" in crisis.inner_text()
            _accessible(page, "daily check-in sent")
            assert DailyCheckIn.objects.get(patient=ana).need_to_talk
            task = SafetyTask.objects.get(patient=ana, status="open")
            assert task.urgent and task.assigned_to == world.counselor_a1
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
            context.close()

            # The care team sees the urgent task.
            staff_context, staff, _ = phone(browser)
            login(staff, base, world.counselor_a1)
            staff.goto(f"{base}/intake/safety-tasks/")
            assert "Arriaga" in staff.locator("main").inner_text()
            staff_context.close()
            assert [e for e in errors if "status of 422" not in e] == [], errors


def test_a_family_member_sees_only_what_the_consent_allows_and_nothing_after_revocation(
    live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=12)
    with time_machine.travel(datetime.combine(WED, time(21, 30), tzinfo=NY), tick=False):
        world = build_world()
        ana = enrolled_patient(world.track_a1, first_name="Ana", last_name="Arriaga")
        tonight = group_session(track=world.track_a1, counselor=world.counselor_a1, day=WED)
        assign(tonight, ana)
        AttendanceRecord.objects.create(
            session=tonight,
            patient=ana,
            status="present",
            check_in_at=tonight.starts_at,
            check_out_at=tonight.ends_at,
            updated_at=timezone.now(),
        )
        consent = _family_consent(world, ana)
        FamilyEvent.objects.create(
            program=world.program_a1,
            title="Family education evening",
            starts_at=datetime.combine(WED + timedelta(days=7), time(18, 0), tzinfo=NY),
            ends_at=datetime.combine(WED + timedelta(days=7), time(19, 30), tzinfo=NY),
            where="Community room",
            created_by=world.counselor_a1,
        )
        family = make_portal_account(ana, kind=AccountKind.FAMILY, consent=consent)

        with chromium_browser() as browser:
            context, page, errors = phone(browser)
            base = live_server.url
            _portal_sign_in(page, base, family.user)
            page.wait_for_url("**/portal/family/")
            text = page.locator("main").inner_text()
            assert "Family education evening" in text
            assert "attended" in text.lower()
            _accessible(page, "family home")
            page.get_by_role("link", name="Learn").click()
            page.wait_for_url("**/portal/family/learn/")
            _accessible(page, "family education")

            # The patient's own pages are not the family member's.
            for path in ("/portal/daily/", "/portal/week/", "/portal/consents/"):
                response = page.goto(f"{base}{path}")
                assert response is not None and response.status == 403, path

            # The patient revokes the consent: nothing more, at once.
            consent_revoke(world.counselor_a1, consent, method="writing")
            response = page.goto(f"{base}/portal/family/")
            assert response is not None and response.status == 403
            after = page.locator("main").inner_text()
            assert "Family education evening" not in after and "attended" not in after.lower()
            assert "revoked" in after
            context.close()
            assert errors == [] or all("status of 403" in e for e in errors), errors


def test_every_portal_page_passes_the_accessibility_check(live_server: Any, settings: Any) -> None:
    """axe-core on each page a patient or family member can open, at phone size: no serious
    or critical violation (forms, refusals and the offline page included)."""
    settings.SESSION_IDLE_TIMEOUT = timedelta(hours=12)
    with time_machine.travel(datetime.combine(WED, time(17, 45), tzinfo=NY), tick=False):
        world = build_world()
        ana = enrolled_patient(world.track_a1, first_name="Ana", last_name="Arriaga")
        _admitted(world, ana)
        tonight = group_session(track=world.track_a1, counselor=world.counselor_a1, day=WED)
        assign(tonight, ana)
        patient = make_portal_account(ana)
        consent = _family_consent(world, ana)
        family = make_portal_account(ana, kind=AccountKind.FAMILY, consent=consent)
        with chromium_browser() as browser:
            context, page, _ = phone(browser)
            base = live_server.url
            page.goto(f"{base}/portal/login/")
            _accessible(page, "/portal/login/")
            page.goto(f"{base}/portal/offline/")
            _accessible(page, "/portal/offline/")
            page.goto(f"{base}/portal/welcome/not-a-real-link/")
            _accessible(page, "an invalid invitation")
            _portal_sign_in(page, base, patient.user)
            page.wait_for_url(f"{base}/portal/")
            for path in (
                "/portal/",
                "/portal/week/",
                "/portal/check-in/",
                "/portal/daily/",
                "/portal/questionnaires/phq9/",
                "/portal/progress/",
                "/portal/consents/",
                "/portal/consents/sign/",
                f"/portal/consents/{consent.pk}/revoke/",
                "/portal/reminders/",
                "/portal/family/",  # a refusal page (403)
                "/portal/consents/999999/revoke/",  # not found (404)
            ):
                page.goto(f"{base}{path}")
                _accessible(page, path)
            # Forms sent empty: the error messages too.
            for path, button in (
                ("/portal/daily/", "Send my check-in"),
                ("/portal/consents/sign/", None),
            ):
                page.goto(f"{base}{path}")
                submit = (
                    page.get_by_role("button", name=button)
                    if button
                    else page.locator("main form button[type=submit]").last
                )
                submit.click()
                page.locator("[role=alert]").first.wait_for()
                _accessible(page, f"{path} with errors")
            context.close()

            context, page, _ = phone(browser)
            _portal_sign_in(page, base, family.user)
            page.wait_for_url("**/portal/family/")
            for path in ("/portal/family/", "/portal/family/learn/", "/portal/daily/"):
                page.goto(f"{base}{path}")
                _accessible(page, f"family {path}")
            context.close()
