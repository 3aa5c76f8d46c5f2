"""Peer support: the contact service (alumni contacts computed), the contact log, "My peer
contacts", alumni events and attendance; refusals on every endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, World, login, without_tokens
from openiop.patients.models import EnrollmentStatus, Patient
from openiop.support.models import AlumniAttendance, AlumniEvent, PeerContact
from openiop.support.peer import services

TODAY = date(2026, 12, 9)
NOW = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def discharge(world: World, patient: Patient, *, ended: date = date(2026, 11, 30)) -> None:
    EnrollmentFactory.create(
        patient=patient,
        track=world.track_a1,
        starts_on=date(2026, 9, 1),
        ends_on=ended,
        status=EnrollmentStatus.DISCHARGED,
    )


def enrol(world: World, patient: Patient) -> None:
    EnrollmentFactory.create(patient=patient, track=world.track_a1, starts_on=date(2026, 11, 2))


def denied() -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED).count()


def record(world: World, **kw: Any) -> PeerContact:
    args: dict[str, Any] = {
        "actor": world.peer_a1,
        "patient": world.patient_a1,
        "contacted_on": TODAY,
        "kind": "phone",
    }
    args.update(kw)
    return services.peer_contact_record(**args)


# --- the contact service ------------------------------------------------------------------


def test_a_contact_after_discharge_is_an_alumni_contact(world: World) -> None:
    discharge(world, world.patient_a1)
    after = record(world, contacted_on=date(2026, 12, 5), minutes=25, note="  Doing well ")
    during = record(world, contacted_on=date(2026, 11, 30))
    assert after.after_discharge is True and during.after_discharge is False
    assert (after.staff, after.minutes, after.note) == (world.peer_a1, 25, "Doing well")
    assert AuditEvent.objects.filter(
        action=AuditAction.ADD, object_type="support.peercontact", object_id=str(after.pk)
    ).exists()


def test_a_contact_before_any_enrolment_or_during_one_is_not_an_alumni_contact(
    world: World,
) -> None:
    assert record(world).after_discharge is False  # never enrolled
    enrol(world, world.patient_a2)
    contact = record(world, actor=world.counselor_a2, patient=world.patient_a2)
    assert contact.after_discharge is False
    discharge(world, world.patient_a1, ended=date(2026, 12, 1))
    assert record(world, contacted_on=date(2026, 8, 1)).after_discharge is False


def test_a_patient_back_in_treatment_is_not_an_alumnus(world: World) -> None:
    discharge(world, world.patient_a1)
    EnrollmentFactory.create(patient=world.patient_a1, track=world.track_a1, starts_on=TODAY)
    assert record(world).after_discharge is False
    assert record(world, contacted_on=date(2026, 12, 3)).after_discharge is True


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"contacted_on": date(2026, 12, 10)}, "contacted_on"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"kind": "pigeon"}, "kind"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_the_contact_service_refuses_bad_input_and_saves_nothing(
    world: World, kw: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        record(world, **kw)
    assert field in exc.value.message_dict
    assert not PeerContact.objects.exists()


def test_minutes_may_be_blank_or_up_to_600(world: World) -> None:
    assert record(world, minutes=None).minutes is None
    assert record(world, minutes=600).minutes == 600


def test_the_contact_service_refuses_a_role_without_support_services(world: World) -> None:
    before = denied()
    with pytest.raises(PermissionDenied):
        record(world, actor=world.frontdesk_a1)
    assert denied() == before + 1 and not PeerContact.objects.exists()


def test_the_contact_service_refuses_a_patient_outside_the_users_scope(world: World) -> None:
    with pytest.raises(PermissionDenied):
        record(world, actor=world.counselor_a2)
    assert not PeerContact.objects.exists()


# --- the contact log page -----------------------------------------------------------------


def test_peer_specialist_logs_a_contact_and_sees_it_marked_as_alumni(
    client: Client, world: World
) -> None:
    discharge(world, world.patient_a1)
    login(client, world.peer_a1)
    url = reverse("support:peer_contacts", args=[world.patient_a1.pk])
    response = client.post(
        url, {"contacted_on": "2026-12-08", "kind": "in_person", "minutes": "45", "note": "Coffee"}
    )
    assert response.status_code == 302 and response["Location"] == url
    contact = PeerContact.objects.get()
    assert contact.after_discharge and contact.staff == world.peer_a1
    page = client.get(url)
    assert page.status_code == 200
    html = without_tokens(page.content)
    assert "Alumni contact" in html and "Coffee" in html and "In person" in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, detail="peer contact log", username="peer_a1"
    ).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"contacted_on": "2026-12-10", "kind": "phone"}, b"cannot be in the future"),
        ({"contacted_on": "2026-12-08", "kind": "phone", "minutes": "900"}, b"from 1 to 600"),
        ({"contacted_on": "2026-12-08", "kind": "phone", "minutes": "ten"}, b"Enter a whole"),
        ({"contacted_on": "2026-12-08", "kind": ""}, b"This field is required"),
        ({"contacted_on": "", "kind": "phone"}, b"This field is required"),
    ],
)
def test_contact_log_with_bad_input_is_422_and_saves_nothing(
    client: Client, world: World, data: dict[str, str], message: bytes
) -> None:
    login(client, world.peer_a1)
    response = client.post(reverse("support:peer_contacts", args=[world.patient_a1.pk]), data)
    assert response.status_code == 422 and message in response.content
    assert not PeerContact.objects.exists()


# --- my peer contacts ---------------------------------------------------------------------


def _contacts(world: World, n: int) -> None:
    for i in range(n):
        patient = PatientFactory.create(site=world.site_a1, organization=world.org_a)
        record(world, patient=patient, contacted_on=date(2026, 12, 1 + i % 8), note=f"mine {i}")


def test_my_peer_contacts_lists_only_my_recent_contacts(client: Client, world: World) -> None:
    record(world, note="mine recent")
    record(world, contacted_on=date(2026, 10, 10), note="mine sixty days ago")
    record(world, contacted_on=date(2026, 10, 9), note="mine too old")
    record(world, actor=world.counselor_a1, note="someone else's")
    login(client, world.peer_a1)
    response = client.get(reverse("support:my_peer_contacts"))
    assert response.status_code == 200
    html = without_tokens(response.content)
    assert "mine recent" in html and "mine sixty days ago" in html
    assert "mine too old" not in html and "someone else" not in html
    assert "Quintero" in html
    event = AuditEvent.objects.filter(action=AuditAction.QUERY, username="peer_a1").last()
    assert event is not None and str(world.patient_a1.pk) in event.detail


def test_my_peer_contacts_leaves_out_patients_no_longer_in_my_scope(
    client: Client, world: World
) -> None:
    record(world, note="visible one")
    world.peer_a1.staff_profile.sites.clear()
    world.peer_a1.staff_profile.programs.clear()
    login(client, world.peer_a1)
    response = client.get(reverse("support:my_peer_contacts"))
    assert response.status_code == 200 and b"visible one" not in response.content


def test_my_peer_contacts_costs_the_same_queries_for_2_or_8_contacts(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    _contacts(world, 2)
    login(client, world.peer_a1)
    url = reverse("support:my_peer_contacts")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _contacts(world, 6)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.content.count(b"mine ") == 8


# --- alumni events ------------------------------------------------------------------------


def make_event(world: World, program: Any = None, title: str = "Recovery picnic") -> AlumniEvent:
    return services.alumni_event_create(
        actor=world.peer_a1 if program is None else world.director_a,
        program=program or world.program_a1,
        title=title,
        starts_at=datetime(2026, 12, 20, 17, 0, tzinfo=UTC),
        place="Elm Park",
    )


def test_peer_specialist_creates_an_alumni_event(client: Client, world: World) -> None:
    login(client, world.peer_a1)
    url = reverse("support:alumni_events")
    page = client.get(url)
    assert page.status_code == 200 and b"Evening IOP A1" in page.content
    assert b"Evening IOP A2" not in page.content  # not one of their programs
    response = client.post(
        url,
        {
            "program": str(world.program_a1.pk),
            "title": "Alumni night",
            "starts_at": "2026-12-18T18:30",
            "place": "Room 2",
            "description": "Open to all alumni",
        },
    )
    event = AlumniEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("support:alumni_event", args=[event.pk])
    assert event.created_by == world.peer_a1 and event.organization == world.org_a
    # 18:30 on the clock of the program's site (New York): 23:30 UTC.
    assert event.starts_at == datetime(2026, 12, 18, 23, 30, tzinfo=UTC)
    assert AuditEvent.objects.filter(
        action=AuditAction.ADD, object_type="support.alumnievent"
    ).exists()
    assert b"Alumni night" in client.get(url).content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "starts_at": "2026-12-18T18:30"}, b"This field is required"),
        ({"title": "Picnic", "starts_at": "soon"}, b"Enter a valid date"),
        ({"title": "Picnic", "starts_at": "2026-12-18T18:30", "program": "A2"},
         b"Select a valid choice"),
    ],
)  # fmt: skip
def test_alumni_event_with_bad_input_is_422_and_saves_nothing(
    client: Client, world: World, data: dict[str, str], message: bytes
) -> None:
    login(client, world.peer_a1)
    post = {"program": str(world.program_a1.pk), **data}
    if post["program"] == "A2":
        post["program"] = str(world.program_a2.pk)
    response = client.post(reverse("support:alumni_events"), post)
    assert response.status_code == 422 and message in response.content
    assert not AlumniEvent.objects.exists()


def test_alumni_event_service_refuses_a_program_that_is_not_the_users(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.alumni_event_create(
            actor=world.peer_a1,
            program=world.program_a2,
            title="Not mine",
            starts_at=NOW,
        )
    assert not AlumniEvent.objects.exists()


def test_event_lists_show_only_the_users_programs_and_directors_see_the_organization(
    client: Client, world: World
) -> None:
    make_event(world)
    make_event(world, world.program_a2, title="Site two gathering")
    login(client, world.peer_a1)
    html = client.get(reverse("support:alumni_events")).content
    assert b"Recovery picnic" in html and b"Site two gathering" not in html
    login(client, world.director_a)
    html = client.get(reverse("support:alumni_events")).content
    assert b"Recovery picnic" in html and b"Site two gathering" in html
    login(client, world.counselor_b1)
    response = client.get(reverse("support:alumni_events"))
    assert response.status_code == 200
    assert b"Recovery picnic" not in response.content


def test_event_list_costs_the_same_queries_for_2_or_8_events(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    for i in range(2):
        make_event(world, title=f"Event {i}")
    login(client, world.peer_a1)
    url = reverse("support:alumni_events")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(2, 8):
        make_event(world, title=f"Event {i}")
    with django_assert_num_queries(len(small)):
        assert client.get(url).content.count(b"Event ") >= 8


def test_attendance_is_recorded_for_alumni_once_and_can_be_removed(
    client: Client, world: World
) -> None:
    event = make_event(world)
    discharge(world, world.patient_a1)
    login(client, world.peer_a1)
    url = reverse("support:alumni_event", args=[event.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Quintero" in page.content
    response = client.post(url, {"patient": str(world.patient_a1.pk)})
    assert response.status_code == 302
    attendance = AlumniAttendance.objects.get()
    assert attendance.patient == world.patient_a1 and attendance.recorded_by == world.peer_a1
    added = AuditEvent.objects.filter(
        action=AuditAction.ADD, object_type="support.alumniattendance"
    ).get()
    assert added.patient_id_value == world.patient_a1.pk
    page = client.get(url).content.decode()
    assert f'value="{world.patient_a1.pk}"' not in page  # no longer offered
    again = client.post(url, {"patient": str(world.patient_a1.pk)})
    assert again.status_code == 422 and b"already on the list" in again.content
    assert AlumniAttendance.objects.count() == 1
    remove = client.post(reverse("support:alumni_attendance_remove", args=[attendance.pk]))
    assert remove.status_code == 302 and remove["Location"] == url
    assert not AlumniAttendance.objects.exists()
    removed = AuditEvent.objects.filter(
        action=AuditAction.DELETE, object_type="support.alumniattendance"
    ).get()
    assert removed.patient_id_value == world.patient_a1.pk


def test_someone_still_in_treatment_cannot_be_recorded_as_alumni(
    client: Client, world: World
) -> None:
    event = make_event(world)
    enrol(world, world.patient_a1)
    login(client, world.peer_a1)
    response = client.post(
        reverse("support:alumni_event", args=[event.pk]), {"patient": str(world.patient_a1.pk)}
    )
    assert response.status_code == 422
    assert not AlumniAttendance.objects.exists()
    with pytest.raises(ValidationError):
        services.alumni_attendance_record(
            actor=world.peer_a1, event=event, patient=world.patient_a1
        )


# --- refusals on every endpoint -----------------------------------------------------------


def _endpoints(world: World) -> dict[str, tuple[str, str, dict[str, str]]]:
    event = make_event(world)
    discharge(world, world.patient_a1)
    attendance = services.alumni_attendance_record(
        actor=world.peer_a1, event=event, patient=world.patient_a1
    )
    contacts = reverse("support:peer_contacts", args=[world.patient_a1.pk])
    event_url = reverse("support:alumni_event", args=[event.pk])
    return {
        "contact log": ("get", contacts, {}),
        "contact post": ("post", contacts, {"contacted_on": "2026-12-08", "kind": "phone"}),
        "event page": ("get", event_url, {}),
        "attendance post": ("post", event_url, {"patient": str(world.patient_a1.pk)}),
        "attendance remove": (
            "post",
            reverse("support:alumni_attendance_remove", args=[attendance.pk]),
            {},
        ),
    }


OBJECT_ENDPOINTS = ["contact log", "contact post", "event page", "attendance post",
                    "attendance remove"]  # fmt: skip


def _state() -> tuple[int, int, int]:
    return (
        PeerContact.objects.count(),
        AlumniEvent.objects.count(),
        AlumniAttendance.objects.count(),
    )


@pytest.mark.parametrize("name", OBJECT_ENDPOINTS)
def test_user_of_another_organization_gets_404_and_one_audited_denial(
    client: Client, world: World, name: str
) -> None:
    method, url, data = _endpoints(world)[name]
    before_state = _state()
    login(client, world.counselor_b1)
    before = denied()
    response = getattr(client, method)(url, data)
    assert response.status_code == 404
    assert b"Quintero" not in response.content
    assert denied() == before + 1
    last = AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("seq").last()
    assert last is not None and last.username == "counselor_b1"
    assert _state() == before_state


@pytest.mark.parametrize("name", OBJECT_ENDPOINTS)
def test_user_of_another_site_gets_404(client: Client, world: World, name: str) -> None:
    method, url, data = _endpoints(world)[name]
    before_state = _state()
    login(client, world.counselor_a2)
    before = denied()
    assert getattr(client, method)(url, data).status_code == 404
    assert denied() == before + 1
    assert _state() == before_state


@pytest.mark.parametrize("name", [*OBJECT_ENDPOINTS, "my contacts", "event list", "event create"])
def test_role_without_support_services_gets_403_and_is_audited(
    client: Client, world: World, name: str
) -> None:
    endpoints = _endpoints(world)
    endpoints["my contacts"] = ("get", reverse("support:my_peer_contacts"), {})
    endpoints["event list"] = ("get", reverse("support:alumni_events"), {})
    endpoints["event create"] = (
        "post",
        reverse("support:alumni_events"),
        {"program": str(world.program_a1.pk), "title": "X", "starts_at": "2026-12-18T18:30"},
    )
    method, url, data = endpoints[name]
    before_state = _state()
    login(client, world.frontdesk_a1)
    before = denied()
    response = getattr(client, method)(url, data)
    assert response.status_code == 403
    assert denied() == before + 1
    assert _state() == before_state


def test_lists_of_another_organization_show_nothing(client: Client, world: World) -> None:
    _endpoints(world)
    record(world, note="a note of org A")
    login(client, world.counselor_b1)
    mine = client.get(reverse("support:my_peer_contacts"))
    events = client.get(reverse("support:alumni_events"))
    assert mine.status_code == 200 and events.status_code == 200
    for response in (mine, events):
        assert b"Quintero" not in response.content and b"Recovery picnic" not in response.content
        assert b"a note of org A" not in response.content


def test_remove_attendance_answers_only_post(client: Client, world: World) -> None:
    _, url, _ = _endpoints(world)["attendance remove"]
    login(client, world.peer_a1)
    assert client.get(url).status_code == 405
    assert AlumniAttendance.objects.count() == 1
