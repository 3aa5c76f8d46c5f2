"""The support services' program policy page: who may change it, bad input (422, nothing
saved), and its effect on the program's policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openiop.care.measures import selectors as measures
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import EnrollmentFactory, World, login
from openiop.domain.screening import INSTRUMENTS
from openiop.intake.models import ScreeningResponse
from openiop.patients.models import Enrollment
from openiop.support.models import SupportSettings
from openiop.support.program_settings import DEFAULT, policy_for
from openiop.support.settings_services import support_settings_set

pytestmark = [pytest.mark.django_db]

VALID = {"link_days": "21", "follow_up_days": "5", "rescreen_days": "120"}


def _url(world: World) -> str:
    return f"/support/programs/{world.program_a1.pk}/settings/"


def test_defaults_are_shown_labelled_as_program_policy(world: World) -> None:
    client = login(Client(), world.director_a)
    response = client.get(_url(world))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Program policy: no national standard sets these; your program does." in body
    assert 'name="rescreen_days" value="90"' in body and 'value="14"' in body
    assert policy_for(world.program_a1.pk) == DEFAULT


@pytest.mark.parametrize("who", ["director_a", "admin_a"])
def test_the_director_or_administrator_saves_the_policy(world: World, who: str) -> None:
    client = login(Client(), getattr(world, who))
    response = client.post(_url(world), VALID)
    assert response.status_code == 302
    row = SupportSettings.objects.get(program=world.program_a1)
    assert (row.link_days, row.follow_up_days, row.rescreen_days) == (21, 5, 120)
    assert row.updated_by == getattr(world, who)
    policy = policy_for(world.program_a1.pk)
    assert (policy.link_days, policy.follow_up_days, policy.rescreen_days) == (21, 5, 120)
    event = AuditEvent.objects.filter(detail="support services program policy changed").get()
    assert event.action == AuditAction.ADD
    client.post(_url(world), {**VALID, "rescreen_days": "60"})
    event = AuditEvent.objects.filter(detail="support services program policy changed").latest("id")
    assert event.action == AuditAction.CHANGE and event.fields == ["rescreen_days"]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("link_days", "0", "between 1 and 90"),
        ("link_days", "91", "between 1 and 90"),
        ("follow_up_days", "0", "between 1 and 90"),
        ("follow_up_days", "120", "between 1 and 90"),
        ("rescreen_days", "6", "between 7 and 730"),
        ("rescreen_days", "731", "between 7 and 730"),
        ("rescreen_days", "soon", "whole number"),
        ("link_days", "", "Say how many days"),
    ],
)
def test_bad_input_is_422_and_nothing_is_saved(
    world: World, field: str, value: str, says: str
) -> None:
    client = login(Client(), world.director_a)
    response = client.post(_url(world), {**VALID, field: value})
    assert response.status_code == 422
    assert says in response.content.decode()
    assert not SupportSettings.objects.exists()


def test_the_service_refuses_out_of_range_values_on_their_fields(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        support_settings_set(
            actor=world.director_a,
            program=world.program_a1,
            data={"link_days": 100, "follow_up_days": 5, "rescreen_days": 3},
        )
    assert set(exc.value.message_dict) == {"link_days", "rescreen_days"}
    assert not SupportSettings.objects.exists()


def test_the_service_refuses_a_role_without_care_settings(world: World) -> None:
    with pytest.raises(PermissionDenied):
        support_settings_set(actor=world.counselor_a1, program=world.program_a1, data=VALID)
    assert not SupportSettings.objects.exists()


def test_another_organization_is_a_404_and_a_counselor_a_403_both_audited(
    world: World,
) -> None:
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    assert login(Client(), world.director_b).get(_url(world)).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
    assert login(Client(), world.counselor_a2).get(_url(world)).status_code == 404  # other site
    before += 1
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
    assert login(Client(), world.admin_b).post(_url(world), VALID).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 2
    assert login(Client(), world.counselor_a1).get(_url(world)).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 3
    refused = login(Client(), world.counselor_a1).post(_url(world), VALID)
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 4
    assert not SupportSettings.objects.exists()


# The needs screen: due at admission and again every `rescreen_days` ----------------------


def _screened(world: World, on: date) -> None:
    ScreeningResponse.objects.create(
        patient=world.patient_a1,
        instrument="ahc_hrsn",
        instrument_version="1.0.0",
        response={},
        administered_by=world.counselor_a1,
        administered_at=datetime.combine(on, time(12), tzinfo=timezone.get_current_timezone()),
    )


def _hrsn_due(world: World, today: date) -> list[date]:
    enrollments = list(Enrollment.objects.filter(patient=world.patient_a1).select_related("track"))
    return [
        r.due.due_on
        for r in measures.due_rows(enrollments, today=today)
        if r.due.instrument == "ahc_hrsn"
    ]


@pytest.fixture
def admitted(world: World) -> Iterator[date]:
    with time_machine.travel(datetime(2027, 6, 16, 15, 0, tzinfo=UTC), tick=False):
        starts = date(2027, 6, 1)
        EnrollmentFactory.create(
            patient=world.patient_a1,
            track=world.track_a1,
            starts_on=starts,
            required_weekly_hours=Decimal("9"),
        )
        yield starts


def test_the_needs_screen_is_an_instrument_the_staff_screening_page_records(
    world: World, admitted: date
) -> None:
    assert "ahc_hrsn" in INSTRUMENTS
    client = login(Client(), world.counselor_a1)
    response = client.get(reverse("intake:screening_new", args=[world.patient_a1.pk, "ahc_hrsn"]))
    assert response.status_code == 200


def test_the_needs_screen_is_due_at_admission(world: World, admitted: date) -> None:
    assert _hrsn_due(world, date(2027, 6, 16)) == [admitted]


def test_a_screen_at_intake_counts_and_the_next_is_due_after_rescreen_days(
    world: World, admitted: date
) -> None:
    _screened(world, admitted - timedelta(days=5))  # at intake, before admission
    assert _hrsn_due(world, date(2027, 6, 16)) == []
    next_due = admitted - timedelta(days=5) + timedelta(days=90)
    assert _hrsn_due(world, next_due - timedelta(days=1)) == []
    assert _hrsn_due(world, next_due) == [next_due]
    # The program's own interval.
    support_settings_set(
        actor=world.director_a, program=world.program_a1, data={**VALID, "rescreen_days": "30"}
    )
    assert _hrsn_due(world, date(2027, 6, 26)) == [date(2027, 6, 26)]


def test_a_screen_older_than_the_interval_does_not_count_for_admission(
    world: World, admitted: date
) -> None:
    _screened(world, admitted - timedelta(days=200))
    assert _hrsn_due(world, date(2027, 6, 16)) == [admitted]


def test_the_care_dashboard_lists_the_needs_screen_due(world: World, admitted: date) -> None:
    client = login(Client(), world.counselor_a1)
    body = client.get(reverse("care:dashboard")).content.decode()
    assert measures.instrument_name("ahc_hrsn") in body
    assert "never (baseline)" in body


def test_a_caller_may_leave_the_needs_screen_out(world: World, admitted: date) -> None:
    enrollments = list(Enrollment.objects.filter(patient=world.patient_a1).select_related("track"))
    rows = measures.due_rows(enrollments, today=date(2027, 6, 16), needs_screen=False)
    assert rows and all(r.due.instrument != "ahc_hrsn" for r in rows)
