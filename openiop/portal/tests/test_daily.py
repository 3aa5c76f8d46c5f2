"""The patient's daily check-in: every item required, one a day (replaced when answered
again), "I need to talk" opens one urgent safety task and shows the crisis numbers at once,
and the clinicians' progress view shows the check-ins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openiop.care.tests.factories import enrol
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login
from openiop.domain.screening import flag_label
from openiop.intake.models import Admission, SafetyTask
from openiop.patients.models import Patient
from openiop.portal.checkins import selectors, services
from openiop.portal.models import AccountKind, DailyCheckIn, PortalAccount
from openiop.portal.tests.helpers import make_portal_account, portal_login
from openiop.privacy.models import Consent

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=NY)  # a Wednesday afternoon at the sites
URL = "/portal/daily/"
VALID = {"craving": "3", "mood": "4", "sleep": "2", "used": "no", "need_to_talk": "no"}


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def admitted(world: World, patient: Patient | None = None) -> Patient:
    """The patient enrolled in a track, with an admission naming the primary counselor."""
    patient = patient or world.patient_a1
    enrollment = enrol(world, patient, weeks_ago=1)
    admission = Admission.objects.create(
        patient=patient,
        program=patient.program,
        primary_counselor=world.counselor_a1 if patient == world.patient_a1 else world.director_a,
        starts_on=enrollment.starts_on,
        admitted_by=world.counselor_a1,
        admitted_at=timezone.now(),
    )
    admission.enrollments.set([enrollment])
    return patient


def signed_in(world: World, patient: Patient | None = None) -> tuple[Client, PortalAccount]:
    account = make_portal_account(admitted(world, patient))
    # Past the second factor also for services called directly (as `make_staff` does).
    account.user.is_verified = lambda: True  # type: ignore[method-assign]
    return portal_login(Client(), account), account


def family_consent(world: World) -> Consent:
    return Consent.objects.create(
        organization=world.org_a,
        patient=world.patient_a1,
        kind="named",
        disclosing_party=world.org_a.name,
        recipient_kind="family",
        recipient_name="Rosa Example",
        purpose="family",
        data=["attendance"],
        expires_on=NOW.date() + timedelta(days=90),
        signer_name="Pat Example",
        signer_relation="patient",
        signed_on=NOW.date() - timedelta(days=3),
        signature_method="screen",
        recorded_by=world.counselor_a1,
        recorded_at=timezone.now() - timedelta(days=3),
    )


def test_the_page_shows_the_five_questions_with_labels(world: World) -> None:
    client, _ = signed_in(world)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "program&#x27;s own short daily questions" in html or "program's own" in html
    for question in services.ITEM_NAMES.values():
        assert question.replace("'", "&#x27;") in html
    assert "0 (none)" in html and "10 (worst)" in html
    assert html.count('type="radio"') == 11 + 5 + 5 + 2 + 2


@pytest.mark.parametrize("missing", sorted(services.ITEM_NAMES))
def test_a_missing_answer_is_a_422_naming_the_item_and_saves_nothing(
    world: World, missing: str
) -> None:
    client, _ = signed_in(world)
    data = {k: v for k, v in VALID.items() if k != missing}
    response = client.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f"Answer this question: {services.ITEM_NAMES[missing]}".replace("'", "&#x27;") in html
    assert not DailyCheckIn.objects.exists()
    assert not SafetyTask.objects.exists()


def test_an_out_of_range_answer_is_a_422(world: World) -> None:
    client, _ = signed_in(world)
    response = client.post(URL, {**VALID, "craving": "11"})
    assert response.status_code == 422
    assert b"Choose one of the answers offered" in response.content
    assert not DailyCheckIn.objects.exists()


def test_the_service_names_every_missing_item_and_never_counts_it_as_zero(world: World) -> None:
    _, account = signed_in(world)
    with pytest.raises(ValidationError) as caught:
        services.daily_checkin_submit(account=account, answers={"craving": 0, "used": False})
    assert set(caught.value.message_dict) == {"mood", "sleep", "need_to_talk"}
    assert not DailyCheckIn.objects.exists()


def test_a_valid_check_in_is_saved_for_the_local_day_and_audited(world: World) -> None:
    client, account = signed_in(world)
    response = client.post(URL, VALID)
    assert response.status_code == 200
    assert b"Your check-in for today is saved" in response.content
    assert b'class="crisis"' not in response.content
    row = DailyCheckIn.objects.get()
    assert (row.patient, row.day) == (world.patient_a1, date(2026, 12, 2))
    assert (row.craving, row.mood, row.sleep, row.used, row.need_to_talk) == (3, 4, 2, False, False)
    assert row.submitted_by == account.user and row.safety_task is None
    event = AuditEvent.objects.get(object_type="portal.dailycheckin", action=AuditAction.ADD)
    assert event.part2 and event.patient_id_value == world.patient_a1.pk
    assert event.user_id_value == account.user.pk


def test_late_evening_counts_for_the_sites_local_day(world: World, clock: Any) -> None:
    _, account = signed_in(world)
    clock.move_to(datetime(2026, 12, 2, 23, 30, tzinfo=NY))  # already 3 December in UTC
    row = services.daily_checkin_submit(account=account, answers=VALID)
    assert row.day == date(2026, 12, 2)


def test_answering_again_the_same_day_replaces_the_answers(world: World) -> None:
    client, _ = signed_in(world)
    client.post(URL, VALID)
    again = client.get(URL)
    assert b"You already checked in today" in again.content
    response = client.post(URL, {**VALID, "craving": "8", "mood": "1"})
    assert response.status_code == 200
    row = DailyCheckIn.objects.get()
    assert (row.craving, row.mood) == (8, 1)
    assert AuditEvent.objects.filter(
        object_type="portal.dailycheckin", action=AuditAction.CHANGE, object_id=str(row.pk)
    ).exists()


def test_need_to_talk_opens_one_urgent_task_for_the_primary_counselor_and_shows_crisis_numbers(
    world: World,
) -> None:
    client, account = signed_in(world)
    response = client.post(URL, {**VALID, "need_to_talk": "yes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="crisis" role="alert"' in html
    assert "988 Suicide &amp; Crisis Lifeline" in html
    assert "will contact you today" in html
    task = SafetyTask.objects.get()
    assert task.urgent and task.status == "open" and task.screening is None
    assert task.flags == [services.NEED_TO_TALK_FLAG]
    assert task.assigned_to == world.counselor_a1
    assert task.created_by == account.user and task.site == world.patient_a1.site
    assert DailyCheckIn.objects.get().safety_task == task
    # The same day again: no second open task for the same reason.
    client.post(URL, {**VALID, "craving": "9", "need_to_talk": "yes"})
    assert SafetyTask.objects.count() == 1
    # The next day it is a new request.
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        services.daily_checkin_submit(account=account, answers={**VALID, "need_to_talk": "yes"})
    assert SafetyTask.objects.count() == 2


def test_clinicians_read_the_task_reason_in_words(world: World) -> None:
    client, _ = signed_in(world)
    client.post(URL, {**VALID, "need_to_talk": "yes"})
    label = "Asked in the portal&#x27;s daily check-in to talk to someone today"
    assert flag_label(services.NEED_TO_TALK_FLAG).startswith("Asked in the portal's daily")
    staff = login(Client(), world.counselor_a1)
    task = SafetyTask.objects.get()
    page = staff.get(f"/intake/safety-tasks/{task.pk}/")
    assert page.status_code == 200
    assert label in page.content.decode()
    assert "portal_need_to_talk" not in page.content.decode()


def test_reported_use_opens_no_task(world: World) -> None:
    client, _ = signed_in(world)
    assert client.post(URL, {**VALID, "used": "yes"}).status_code == 200
    assert DailyCheckIn.objects.get().used is True
    assert not SafetyTask.objects.exists()


def test_today_status_for_the_home_page(world: World) -> None:
    client, account = signed_in(world)
    done, due = selectors.today_status(account, timezone.now())
    assert done is False
    assert {row.due.instrument for row in due} == {"phq9", "gad7", "bam"}
    client.post(URL, VALID)
    done, _ = selectors.today_status(account, timezone.now())
    assert done is True


def test_the_daily_page_lists_the_questionnaires_due(world: World) -> None:
    client, _ = signed_in(world)
    html = client.get(URL).content.decode()
    assert "Questionnaires due" in html
    assert 'href="/portal/questionnaires/phq9/"' in html


def test_a_family_account_is_refused(world: World) -> None:
    admitted(world)
    family = make_portal_account(
        world.patient_a1, kind=AccountKind.FAMILY, consent=family_consent(world)
    )
    client = portal_login(Client(), family)
    assert client.get(URL).status_code == 403
    assert client.post(URL, VALID).status_code == 403
    assert not DailyCheckIn.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, user_id_value=family.user.pk
    ).exists()


def test_staff_and_anonymous_are_refused(world: World) -> None:
    admitted(world)
    staff = login(Client(), world.counselor_a1)
    assert staff.get(URL).status_code == 403
    assert staff.post(URL, VALID).status_code == 403
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/portal/login/")
    assert not DailyCheckIn.objects.exists()


# --------------------------------------------------------------------------- clinicians


def _checkins(world: World, patient: Patient, days: int) -> None:
    for n in range(days):
        DailyCheckIn.objects.create(
            patient=patient,
            day=NOW.date() - timedelta(days=n),
            craving=n % 11,
            mood=3,
            sleep=4,
            used=n == 2,
            need_to_talk=False,
            submitted_at=timezone.now(),
            submitted_by=world.counselor_a1,
        )


def test_the_clinicians_progress_view_shows_the_daily_check_ins(world: World) -> None:
    admitted(world)
    _checkins(world, world.patient_a1, 20)
    staff = login(Client(), world.counselor_a1)
    response = staff.get(f"/care/patients/{world.patient_a1.pk}/progress/")
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert "Daily check-ins (portal)" in html
    section = html[html.index("Daily check-ins (portal)") :]
    section = section[: section.index("</section>")]
    assert section.count("<tr><td>2026-") == 14  # the last 14 days only
    assert "2026-12-02" in section and "2026-11-19" in section and "2026-11-18" not in section
    assert "<strong>yes</strong>" in section  # the reported use of 30 November
    assert "<polyline" in section


def test_the_progress_view_query_count_does_not_grow_with_check_ins(world: World) -> None:
    admitted(world)
    staff = login(Client(), world.counselor_a1)
    url = f"/care/patients/{world.patient_a1.pk}/progress/"
    _checkins(world, world.patient_a1, 1)
    staff.get(url)
    with CaptureQueriesContext(connection) as few:
        staff.get(url)
    DailyCheckIn.objects.all().delete()
    _checkins(world, world.patient_a1, 14)
    with CaptureQueriesContext(connection) as many:
        staff.get(url)
    assert len(many) == len(few)


@pytest.mark.parametrize("role", ["billing_a1", "frontdesk_a1"])
def test_billing_and_front_desk_do_not_see_the_check_ins(world: World, role: str) -> None:
    admitted(world)
    _checkins(world, world.patient_a1, 3)
    staff = login(Client(), getattr(world, role))
    response = staff.get(f"/care/patients/{world.patient_a1.pk}/progress/")
    assert response.status_code in (403, 404)
    assert b"Daily check-ins" not in response.content
