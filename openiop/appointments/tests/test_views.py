"""Appointments pages: each works for the right people, refuses (and audits) the others without
showing a name, answers bad input with 422 and saves nothing, and keeps a fixed number of
queries as appointments grow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from openiop.appointments import services
from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentRun,
    AppointmentShortfall,
    AppointmentStatus,
    AppointmentType,
    Attendance,
    PrimaryCounselor,
    TelehealthConsent,
    VideoService,
)
from openiop.appointments.tests.conftest import DAY, NAME, Setup, at, book, client_for
from openiop.core.models import AuditEvent
from openiop.core.testing import without_tokens
from openiop.delivery.models import Note, NoteStatus
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session

# --- every endpoint with an id: refusals --------------------------------------------------

Url = Callable[[Setup], str]
ID_ENDPOINTS: list[tuple[str, Url, Callable[[Setup], dict[str, Any]]]] = [
    ("get", lambda s: f"/appointments/{s.individual.pk}/", lambda s: {}),
    (
        "post",
        lambda s: f"/appointments/{s.individual.pk}/check-in/",
        lambda s: {"modality": "in_person"},
    ),
    ("post", lambda s: f"/appointments/{s.individual.pk}/check-out/", lambda s: {}),
    ("get", lambda s: f"/appointments/{s.individual.pk}/attendance/", lambda s: {}),
    (
        "post",
        lambda s: f"/appointments/{s.individual.pk}/attendance/",
        lambda s: {"attendance": "present", "check_in": "10:00", "modality": "in_person"},
    ),
    ("get", lambda s: f"/appointments/{s.individual.pk}/note/", lambda s: {}),
    (
        "post",
        lambda s: f"/appointments/{s.individual.pk}/note/",
        lambda s: {"format": "dap", "data": "Talked."},
    ),
    (
        "post",
        lambda s: f"/appointments/{s.individual.pk}/move/",
        lambda s: {"day": "2026-11-04", "time": "15:00", "staff": s.world.counselor_a1.pk},
    ),
    (
        "post",
        lambda s: f"/appointments/{s.individual.pk}/cancel/",
        lambda s: {"reason": "Sick"},
    ),
    ("get", lambda s: f"/appointments/patients/{s.patient.pk}/book/", lambda s: {}),
    (
        "post",
        lambda s: f"/appointments/patients/{s.patient.pk}/book/",
        lambda s: {
            "kind": "case_management",
            "staff": s.world.counselor_a1.pk,
            "day": "2026-11-04",
            "time": "15:00",
        },
    ),
    ("get", lambda s: f"/appointments/patients/{s.patient.pk}/primary/", lambda s: {}),
    (
        "post",
        lambda s: f"/appointments/patients/{s.patient.pk}/primary/",
        lambda s: {"counselor": s.world.counselor_a1.pk, "reason": "x"},
    ),
    ("get", lambda s: f"/appointments/patients/{s.patient.pk}/telehealth/", lambda s: {}),
    (
        "post",
        lambda s: f"/appointments/patients/{s.patient.pk}/telehealth/",
        lambda s: {"method": "verbal"},
    ),
    ("post", lambda s: f"/appointments/patients/{s.patient.pk}/telehealth/revoke/", lambda s: {}),
    ("get", lambda s: f"/patients/{s.patient.pk}/appointments/", lambda s: {}),
    (
        "get",
        lambda s: f"/appointments/setup/types/{s.types['individual'].pk}/",
        lambda s: {},
    ),
    (
        "post",
        lambda s: f"/appointments/setup/types/{s.types['individual'].pk}/",
        lambda s: {"program": s.world.program_a1.pk, "kind": "individual", "minutes": 30},
    ),
]


def _call(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    return client.get(url) if method == "get" else client.post(url, data)


def _denials(user: Any) -> int:
    return AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()


def _nothing_written(s: Setup) -> None:
    individual = Appointment.objects.get(pk=s.individual.pk)
    assert individual.status == AppointmentStatus.SCHEDULED and individual.attendance == ""
    assert individual.starts_at == at(10)
    assert not Note.objects.exists()
    assert not TelehealthConsent.objects.exists()
    assert not PrimaryCounselor.objects.exists()
    assert AppointmentType.objects.get(pk=s.types["individual"].pk).minutes == 60
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize(("method", "url", "data"), ID_ENDPOINTS)
def test_a_user_of_another_organization_gets_404_with_one_audited_denial(
    setup: Setup, method: str, url: Url, data: Callable[[Setup], dict[str, Any]]
) -> None:
    # The clinical director of the other organization holds every action used here and sees
    # their whole organization: only the object's scope refuses.
    outsider = setup.world.director_b
    before = _denials(outsider)
    response = _call(client_for(outsider), method, url(setup), data(setup))
    assert response.status_code == 404
    assert _denials(outsider) == before + 1
    assert NAME.encode() not in response.content
    _nothing_written(setup)


@pytest.mark.parametrize(("method", "url", "data"), ID_ENDPOINTS)
def test_a_counselor_of_another_organization_is_refused_and_audited(
    setup: Setup, method: str, url: Url, data: Callable[[Setup], dict[str, Any]]
) -> None:
    outsider = setup.world.counselor_b1
    before = _denials(outsider)
    response = _call(client_for(outsider), method, url(setup), data(setup))
    assert response.status_code in (403, 404)
    assert _denials(outsider) == before + 1
    assert NAME.encode() not in response.content
    _nothing_written(setup)


ROLE_REFUSALS = [
    ("billing_a1", "post", lambda s: f"/appointments/{s.individual.pk}/check-in/"),
    ("billing_a1", "post", lambda s: f"/appointments/{s.individual.pk}/check-out/"),
    ("billing_a1", "get", lambda s: f"/appointments/{s.individual.pk}/attendance/"),
    ("frontdesk_a1", "get", lambda s: f"/appointments/{s.individual.pk}/note/"),
    ("frontdesk_a1", "post", lambda s: f"/appointments/{s.individual.pk}/note/"),
    ("billing_a1", "post", lambda s: f"/appointments/{s.individual.pk}/move/"),
    ("billing_a1", "post", lambda s: f"/appointments/{s.individual.pk}/cancel/"),
    ("billing_a1", "get", lambda s: f"/appointments/patients/{s.patient.pk}/book/"),
    ("billing_a1", "post", lambda s: f"/appointments/patients/{s.patient.pk}/book/"),
    ("counselor_a1", "get", lambda s: f"/appointments/patients/{s.patient.pk}/primary/"),
    ("counselor_a1", "post", lambda s: f"/appointments/patients/{s.patient.pk}/primary/"),
    ("billing_a1", "post", lambda s: f"/appointments/patients/{s.patient.pk}/telehealth/"),
    (
        "billing_a1",
        "post",
        lambda s: f"/appointments/patients/{s.patient.pk}/telehealth/revoke/",
    ),
    ("counselor_a1", "get", lambda s: "/appointments/week/"),
    ("counselor_a1", "post", lambda s: "/appointments/week/place/"),
    ("counselor_a1", "get", lambda s: "/appointments/setup/"),
    ("counselor_a1", "get", lambda s: "/appointments/setup/types/new/"),
    ("counselor_a1", "post", lambda s: f"/appointments/setup/types/{s.types['family'].pk}/"),
    ("counselor_a1", "post", lambda s: "/appointments/setup/video/"),
]


@pytest.mark.parametrize(("who", "method", "url"), ROLE_REFUSALS)
def test_a_role_without_the_action_gets_403_with_one_audited_denial(
    setup: Setup, who: str, method: str, url: Url
) -> None:
    user = getattr(setup.world, who)
    before = _denials(user)
    response = _call(client_for(user), method, url(setup), {"reason": "x", "method": "verbal"})
    assert response.status_code == 403
    assert _denials(user) == before + 1
    _nothing_written(setup)
    assert not DBTaskResult.objects.exists()


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/appointments/{HUGE}/"),
        ("post", f"/appointments/{HUGE}/check-in/"),
        ("post", f"/appointments/{HUGE}/check-out/"),
        ("get", f"/appointments/{HUGE}/attendance/"),
        ("get", f"/appointments/{HUGE}/note/"),
        ("post", f"/appointments/{HUGE}/move/"),
        ("post", f"/appointments/{HUGE}/cancel/"),
        ("get", f"/appointments/patients/{HUGE}/book/"),
        ("get", f"/appointments/patients/{HUGE}/primary/"),
        ("get", f"/appointments/patients/{HUGE}/telehealth/"),
        ("post", f"/appointments/patients/{HUGE}/telehealth/revoke/"),
        ("get", f"/appointments/setup/types/{HUGE}/"),
    ],
)
def test_ids_too_large_answer_an_audited_404(setup: Setup, method: str, path: str) -> None:
    user = setup.world.director_a
    before = _denials(user)
    response = getattr(client_for(user), method)(path)
    assert response.status_code == 404
    assert _denials(user) == before + 1


def test_pages_need_a_session_past_mfa(setup: Setup) -> None:
    assert Client().get("/appointments/").status_code == 302
    assert Client().get(f"/appointments/{setup.individual.pk}/").status_code == 302


# --- the day ------------------------------------------------------------------------------


def test_the_day_shows_my_appointments_by_default_and_everyone_on_the_toggle(
    setup: Setup,
) -> None:
    w = setup.world
    c = client_for(w.counselor_a1)
    page = c.get("/appointments/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "10:00\N{EN DASH}11:00 Apptzname, Ada" in body
    assert f'href="/appointments/{setup.individual.pk}/"' in body
    assert "Individual counselling" in body and "in person" in body
    assert "Medication management" not in body  # the prescriber's, not mine
    everyone = c.get("/appointments/?who=all").content.decode()
    assert "13:00\N{EN DASH}13:30 Apptzname, Ada" in everyone and "Priya Prescott" in everyone
    assert AuditEvent.objects.filter(action="query", detail__startswith="appointments of").exists()
    # Another day, and the day of another organization's staff.
    assert NAME not in c.get("/appointments/?date=2026-11-05").content.decode()
    assert NAME not in client_for(w.director_b).get("/appointments/?who=all").content.decode()
    # A date that is not one is today.
    assert "10:00\N{EN DASH}11:00" in c.get("/appointments/?date=nonsense").content.decode()


def test_the_front_desk_starts_with_everyone_and_sees_attendance(setup: Setup) -> None:
    services.appointment_check_in(
        actor=setup.world.frontdesk_a1, appointment=setup.individual, at=at(10, 2)
    )
    body = client_for(setup.world.frontdesk_a1).get("/appointments/").content.decode()
    assert "Apptzname, Ada" in body and "Attended" in body


def test_the_day_keeps_a_fixed_number_of_queries(
    setup: Setup, django_assert_num_queries: Any
) -> None:
    w = setup.world
    c = client_for(w.counselor_a1)
    c.get("/appointments/?who=all")  # warm the session
    with CaptureQueriesContext(connection) as two:
        assert c.get("/appointments/?who=all").status_code == 200
    for hour in (14, 15, 16, 17):
        patient = enrolled_patient(w.track_a1, last_name=f"{NAME}{hour}")
        book(w.counselor_a1, patient, AppointmentKind.INDIVIDUAL, w.counselor_a1, at(hour))
    assert Appointment.objects.count() == 6
    with django_assert_num_queries(len(two.captured_queries)):
        page = c.get("/appointments/?who=all")
    assert page.content.decode().count("Apptzname") == 6


# --- one appointment ----------------------------------------------------------------------


def test_the_appointment_page_shows_who_when_how_and_the_video_link(setup: Setup) -> None:
    w = setup.world
    services.telehealth_consent_record(actor=w.counselor_a1, patient=setup.other, method="verbal")
    video = book(
        w.counselor_a1,
        setup.other,
        AppointmentKind.FAMILY,
        w.counselor_a1,
        at(15),
        telehealth=True,
        family_attendees="Carla (mother)",
    )
    page = client_for(w.counselor_a1).get(f"/appointments/{video.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Family therapy" in body and "Apptzname" in body and "Carla (mother)" in body
    link = f"https://meet.example.org/x-{video.video_key}"
    assert f'href="{link}" target="_blank" rel="noopener noreferrer"' in body
    assert "Check in (video)" in body
    assert AuditEvent.objects.filter(
        action="view", object_type="appointments.appointment", object_id=str(video.pk)
    ).exists()


def test_the_staff_member_sees_their_appointment_with_a_patient_outside_their_sites(
    setup: Setup,
) -> None:
    w = setup.world
    # patient_a2 is registered at site A2, outside counselor_a1's sites and programs.
    theirs = Appointment.objects.create(
        organization=w.org_a,
        patient=w.patient_a2,
        staff=w.counselor_a1,
        type=setup.types["individual"],
        kind="individual",
        site=w.site_a2,
        week_start=DAY - timedelta(days=DAY.weekday()),
        starts_at=at(16),
        ends_at=at(17),
        source="staff",
        created_at=at(8),
    )
    body = client_for(w.counselor_a1).get(f"/appointments/{theirs.pk}/").content.decode()
    assert "Okafor" not in body
    assert f'href="/patients/{w.patient_a2.pk}/' not in body  # no chart link they would lose
    assert "Check in" not in body and "Move" not in body


def test_one_tap_check_in_returns_the_attendance_fragment(setup: Setup, clock: Any) -> None:
    clock.move_to(at(9, 55))
    c = client_for(setup.world.frontdesk_a1)
    url = f"/appointments/{setup.individual.pk}/check-in/"
    fragment = c.post(url, {"modality": "in_person"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and 'id="attendance"' in body
    assert "Attended" in body and "in 09:55" in body and "Check out" in body
    a = Appointment.objects.get(pk=setup.individual.pk)
    assert a.attendance == Attendance.PRESENT and a.modality == "in_person"


def test_check_in_and_out_work_without_javascript(setup: Setup, clock: Any) -> None:
    clock.move_to(at(10, 5))
    c = client_for(setup.world.counselor_a1)
    url = f"/appointments/{setup.individual.pk}/"
    assert c.post(url + "check-in/", {"modality": "in_person"}).status_code == 302
    clock.move_to(at(10, 59))
    c = client_for(setup.world.counselor_a1)  # a new session: the first one timed out
    answer = c.post(url + "check-out/")
    assert answer.status_code == 302 and answer["Location"] == url
    a = Appointment.objects.get(pk=setup.individual.pk)
    assert a.check_out_at == at(10, 59) and a.attendance == Attendance.PRESENT


def test_check_in_by_video_needs_the_state_and_the_consent(setup: Setup, clock: Any) -> None:
    clock.move_to(at(10))
    c = client_for(setup.world.counselor_a1)
    url = f"/appointments/{setup.individual.pk}/check-in/"
    no_state = c.post(url, {"modality": "video", "patient_state": ""}, HTTP_HX_REQUEST="true")
    assert no_state.status_code == 422
    body = no_state.content.decode()
    assert "Say which state the patient is in" in body and "no telehealth consent" in body
    no_js = c.post(url, {"modality": "video", "patient_state": "C"})
    assert no_js.status_code == 422 and b"<html" in no_js.content
    assert Appointment.objects.get(pk=setup.individual.pk).attendance == ""
    services.telehealth_consent_record(
        actor=setup.world.counselor_a1, patient=setup.patient, method="written"
    )
    ok = c.post(url, {"modality": "video", "patient_state": "ct"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "the patient was in CT" in ok.content.decode()


def test_check_out_before_check_in_is_refused_with_422(setup: Setup) -> None:
    c = client_for(setup.world.counselor_a1)
    answer = c.post(f"/appointments/{setup.individual.pk}/check-out/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 422 and "Check the patient in first." in answer.content.decode()
    assert Appointment.objects.get(pk=setup.individual.pk).check_out_at is None


def test_edit_attendance_records_a_video_visit_and_refuses_bad_input(setup: Setup) -> None:
    c = client_for(setup.world.counselor_a1)
    url = f"/appointments/{setup.individual.pk}/attendance/"
    assert c.get(url).status_code == 200
    bad = c.post(url, {"attendance": "late", "check_in": "", "modality": "in_person"})
    assert bad.status_code == 422 and b"id_check_in-errors" in bad.content
    no_state = c.post(url, {"attendance": "present", "check_in": "08:55", "modality": "video"})
    assert no_state.status_code == 422 and b"id_patient_state-errors" in no_state.content
    assert Appointment.objects.get(pk=setup.individual.pk).attendance == ""
    ok = c.post(
        url,
        {"attendance": "present", "check_in": "08:55", "modality": "video", "patient_state": "MA"},
    )
    assert ok.status_code == 302
    a = Appointment.objects.get(pk=setup.individual.pk)
    assert (a.attendance, a.modality, a.patient_state) == ("present", "video", "MA")
    assert a.check_in_at == at(8, 55)


def test_the_note_is_written_in_a_chosen_format_then_signed_on_the_note_page(
    setup: Setup,
) -> None:
    Appointment.objects.filter(pk=setup.individual.pk).update(attendance="present")
    c = client_for(setup.world.counselor_a1)
    page = c.get(f"/appointments/{setup.individual.pk}/")
    assert b'name="format"' in page.content and b"Write the note" in page.content
    form = c.get(f"/appointments/{setup.individual.pk}/note/?format=birp")
    assert form.status_code == 200 and b"Behaviour" in form.content
    too_long = c.post(
        f"/appointments/{setup.individual.pk}/note/", {"format": "birp", "behavior": "x" * 4001}
    )
    assert too_long.status_code == 422 and not Note.objects.exists()
    saved = c.post(
        f"/appointments/{setup.individual.pk}/note/",
        {"format": "birp", "behavior": "Calm", "plan": "Next week"},
    )
    note = Note.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/delivery/notes/{note.pk}/"
    assert (note.format, note.status, note.duration_minutes) == ("birp", NoteStatus.DRAFT, 60)
    assert Appointment.objects.get(pk=setup.individual.pk).note_id == note.pk
    # The draft is edited in its own format; the page links to the note to sign it.
    assert b"Calm" in c.get(f"/appointments/{setup.individual.pk}/note/?format=dap").content
    detail = c.get(f"/appointments/{setup.individual.pk}/").content.decode()
    assert "Continue the draft" in detail and f"/delivery/notes/{note.pk}/" in detail


def test_a_medication_visit_always_uses_the_medication_note(setup: Setup) -> None:
    Appointment.objects.filter(pk=setup.medication.pk).update(attendance="present")
    c = client_for(setup.prescriber)
    url = f"/appointments/{setup.medication.pk}/note/"
    form = c.get(url + "?format=dap").content.decode()
    assert "Current medications" in form and "Medication changes" in form
    assert "Format:" not in form
    assert c.post(url, {"format": "dap", "changes": "Start naltrexone 50 mg"}).status_code == 302
    assert Note.objects.get().format == "med"


def test_move_keeps_the_checks_and_moves(setup: Setup) -> None:
    w = setup.world
    c = client_for(w.counselor_a1)
    url = f"/appointments/{setup.individual.pk}/move/"
    clash = c.post(url, {"day": "2026-11-04", "time": "13:15", "staff": setup.prescriber.pk})
    assert clash.status_code == 422
    assert "The patient has a group or another appointment then." in clash.content.decode()
    empty = c.post(url, {"day": "", "time": "", "staff": w.counselor_a1.pk})
    assert empty.status_code == 422 and b"id_day-errors" in empty.content
    assert Appointment.objects.get(pk=setup.individual.pk).starts_at == at(10)
    ok = c.post(url, {"day": "2026-11-05", "time": "11:30", "staff": w.counselor_a2.pk})
    assert ok.status_code == 302
    a = Appointment.objects.get(pk=setup.individual.pk)
    assert a.starts_at == at(11, 30, day=DAY + timedelta(days=1))
    assert a.staff_id == w.counselor_a2.pk


def test_cancel_needs_a_reason(setup: Setup) -> None:
    c = client_for(setup.world.frontdesk_a1)
    url = f"/appointments/{setup.individual.pk}/cancel/"
    blank = c.post(url, {"reason": "  "})
    assert blank.status_code == 422 and b"id_reason-errors" in blank.content
    assert Appointment.objects.get(pk=setup.individual.pk).status == AppointmentStatus.SCHEDULED
    assert c.post(url, {"reason": "Patient is ill"}).status_code == 302
    a = Appointment.objects.get(pk=setup.individual.pk)
    assert (a.status, a.cancel_reason) == (AppointmentStatus.CANCELLED, "Patient is ill")
    page = c.get(f"/appointments/{a.pk}/").content.decode()
    assert "This appointment is cancelled: Patient is ill." in page and "Check in" not in page


# --- booking by hand ----------------------------------------------------------------------


def test_booking_by_hand_offers_the_programs_types_and_converts_local_time(
    setup: Setup,
) -> None:
    w = setup.world
    services.primary_counselor_assign(
        actor=w.intake_a1, patient=setup.other, counselor=w.counselor_a2
    )
    c = client_for(w.intake_a1)
    form = c.get(f"/appointments/patients/{setup.other.pk}/book/").content.decode()
    assert f'<option value="{w.counselor_a2.pk}" selected>' in form  # the primary counselor
    assert "Case management (60 minutes)" in form and "Psychiatric evaluation" not in form
    assert "Priya Prescott (prescriber)" in form
    answer = c.post(
        f"/appointments/patients/{setup.other.pk}/book/",
        {
            "kind": "family",
            "staff": w.counselor_a1.pk,
            "day": "2026-11-06",
            "time": "17:30",
            "family_attendees": "Carla (mother)",
        },
    )
    a = Appointment.objects.get(patient=setup.other)
    assert answer.status_code == 302 and answer["Location"] == f"/appointments/{a.pk}/"
    assert a.starts_at == at(17, 30, day=DAY + timedelta(days=2))  # 22:30 UTC
    assert a.family_attendees == "Carla (mother)" and a.created_by_id == w.intake_a1.pk


def test_booking_errors_come_back_on_the_form_with_422_and_nothing_saved(
    setup: Setup,
) -> None:
    w = setup.world
    c = client_for(w.counselor_a1)
    url = f"/appointments/patients/{setup.patient.pk}/book/"
    group = group_session(track=w.track_a1, counselor=w.counselor_a2, day=DAY, start=at(18).time())
    assign(group, setup.patient)
    cases = [
        # Overlaps the patient's published group.
        (
            {"kind": "case_management", "staff": w.counselor_a1.pk, "time": "18:30"},
            "The patient has a group or another appointment then.",
        ),
        # Medication management with a counselor who does not prescribe.
        (
            {"kind": "medication", "staff": w.counselor_a1.pk, "time": "15:00"},
            "Medication management needs a prescriber.",
        ),
        # By video without the patient's telehealth consent.
        (
            {
                "kind": "case_management",
                "staff": w.counselor_a1.pk,
                "time": "15:00",
                "telehealth": "on",
            },
            "Record the patient&#x27;s telehealth consent first.",
        ),
        # A kind the program does not offer, and no time.
        (
            {"kind": "psychiatric_evaluation", "staff": w.counselor_a1.pk, "time": ""},
            "id_time-errors",
        ),
    ]
    for data, words in cases:
        answer = c.post(url, {"day": "2026-11-04", **data})
        assert answer.status_code == 422, data
        assert words in answer.content.decode(), data
    assert Appointment.objects.count() == 2


# --- the chart tab and its forms ----------------------------------------------------------


def test_the_chart_tab_shows_counselor_consent_appointments_and_medication_changes(
    setup: Setup,
) -> None:
    w = setup.world
    services.primary_counselor_assign(
        actor=w.director_a, patient=setup.patient, counselor=w.counselor_a1
    )
    services.telehealth_consent_record(actor=w.counselor_a1, patient=setup.patient, method="verbal")
    Appointment.objects.filter(pk=setup.medication.pk).update(attendance="present")
    note = services.appointment_note_save(
        actor=setup.prescriber,
        appointment=setup.medication,
        note_format="med",
        content={
            "subjective": "Cravings in the evening",
            "objective": "Calm",
            "medications": "buprenorphine/naloxone 8/2 mg daily",
            "changes": "Increase buprenorphine/naloxone to 12/3 mg daily",
            "plan": "Two weeks",
        },
    )
    Note.objects.filter(pk=note.pk).update(
        status=NoteStatus.SIGNED, signed_at=at(13, 40), signed_by=setup.prescriber, signed_hash="x"
    )
    c = client_for(w.counselor_a1)
    body = c.get(f"/patients/{setup.patient.pk}/appointments/").content.decode()
    assert "Counselor_A1" in body and "since 4 November 2026" in body
    assert "On record since 4 November 2026 (verbal, documented)" in body
    assert "Individual counselling" in body and "Medication management" in body
    assert "Increase buprenorphine/naloxone to 12/3 mg daily" in body and "Priya Prescott" in body
    assert f'href="/appointments/patients/{setup.patient.pk}/book/"' in body
    assert f'action="/appointments/patients/{setup.patient.pk}/primary/"' not in body
    front = client_for(w.frontdesk_a1).get(f"/patients/{setup.patient.pk}/appointments/")
    assert front.status_code == 200
    assert b"Medication changes" not in front.content and b"12/3 mg" not in front.content
    billing = client_for(w.billing_a1).get(f"/patients/{setup.patient.pk}/appointments/")
    assert b"Book an appointment" not in billing.content and b"Revoke" not in billing.content
    director = client_for(w.director_a).get(f"/patients/{setup.patient.pk}/appointments/")
    assert f'action="/appointments/patients/{setup.patient.pk}/primary/"'.encode() in (
        director.content
    )


def test_changing_the_primary_counselor_needs_a_reason_and_keeps_the_history(
    setup: Setup,
) -> None:
    w = setup.world
    c = client_for(w.intake_a1)
    url = f"/appointments/patients/{setup.patient.pk}/primary/"
    assert c.get(url).status_code == 200
    assert c.post(url, {"counselor": ""}).status_code == 422
    assert not PrimaryCounselor.objects.exists()
    assert c.post(url, {"counselor": w.counselor_a1.pk}).status_code == 302
    no_reason = c.post(url, {"counselor": w.counselor_a2.pk, "reason": ""})
    assert no_reason.status_code == 422 and b"id_reason-errors" in no_reason.content
    same = c.post(url, {"counselor": w.counselor_a1.pk, "reason": "again"})
    assert same.status_code == 422
    changed = c.post(url, {"counselor": w.counselor_a2.pk, "reason": "Schedule fits better"})
    assert changed["Location"] == f"/patients/{setup.patient.pk}/appointments/"
    rows = list(PrimaryCounselor.objects.order_by("assigned_at", "pk"))
    assert [r.counselor_id for r in rows] == [w.counselor_a1.pk, w.counselor_a2.pk]
    assert rows[0].ended_at is not None and rows[1].ended_at is None


def test_telehealth_consent_is_recorded_and_revoked(setup: Setup) -> None:
    c = client_for(setup.world.frontdesk_a1)
    url = f"/appointments/patients/{setup.patient.pk}/telehealth/"
    assert c.post(url, {"method": "carrier pigeon"}).status_code == 422
    assert c.post(url + "revoke/").status_code == 422
    assert not TelehealthConsent.objects.exists()
    assert c.post(url, {"method": "written"}).status_code == 302
    assert c.post(url, {"method": "written"}).status_code == 422  # already on record
    assert c.post(url + "revoke/").status_code == 302
    assert TelehealthConsent.objects.get().revoked_at is not None


# --- the week's placement -----------------------------------------------------------------


def test_the_week_page_shows_the_last_run_and_the_not_placed_25_a_page(setup: Setup) -> None:
    w = setup.world
    monday = DAY - timedelta(days=DAY.weekday())
    AppointmentRun.objects.create(
        organization=w.org_a,
        week_start=monday,
        ran_at=at(6),
        stats={"placed": 12, "unplaced": 31, "kept": 9, "seconds": 1.25},
    )
    patients = [enrolled_patient(w.track_a1, last_name=f"{NAME}{i:02d}") for i in range(30)]
    AppointmentShortfall.objects.bulk_create(
        [
            AppointmentShortfall(
                organization=w.org_a,
                week_start=monday,
                patient=p,
                kind="individual",
                code="no_primary",
                reason="No primary counselor is assigned to this patient.",
                created_at=at(6),
            )
            for p in [*patients, w.patient_a2]
        ]
    )
    admin = client_for(w.admin_a).get("/appointments/week/").content.decode()
    assert "Kept at last week's time" in admin and "1.25 seconds" in admin
    assert "Page 1 of 2" in admin and admin.count("No primary counselor") == 25
    page2 = client_for(w.admin_a).get("/appointments/week/?page=2").content.decode()
    assert page2.count("No primary counselor") == 6  # admin_a sees sites A1 and A2
    director = client_for(w.director_a).get(f"/appointments/week/?week={DAY}&page=2")
    assert b"Okafor" in director.content
    other = client_for(w.director_b).get("/appointments/week/").content.decode()
    assert NAME not in without_tokens(other) and "not been placed yet" in other


def test_place_again_is_queued_after_the_request_commits(
    setup: Setup, django_capture_on_commit_callbacks: Any
) -> None:
    c = client_for(setup.world.director_a)
    assert c.post("/appointments/week/place/", {"week": "not a day"}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        answer = c.post("/appointments/week/place/", {"week": "2026-11-05"}, follow=True)
    assert "is queued" in answer.content.decode()
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["kwargs"]["week_start"] == "2026-11-02"
    assert task.args_kwargs["kwargs"]["organization_id"] == setup.world.org_a.pk


# --- setup --------------------------------------------------------------------------------


def test_setup_lists_the_types_with_their_program_policy_and_adds_one(setup: Setup) -> None:
    w = setup.world
    c = client_for(w.admin_a)
    AppointmentType.objects.filter(pk=setup.types["individual"].pk).update(
        counts_toward_hours=True, payer_rule="State Medicaid manual, section 4.2"
    )
    page = c.get("/appointments/setup/").content.decode()
    assert "Program policy" in page and "State Medicaid manual, section 4.2" in page
    assert "Evening IOP A1" in page and "Every track of the program" in page
    data = {
        "program": w.program_a1.pk,
        "track": w.track_a1.pk,
        "kind": "individual",
        "minutes": "45",
        "credential": "counselor",
        "every_weeks": "2",
        "counts_toward_hours": "on",
        "payer_rule": "Our payer counts it",
        "video_allowed": "on",
        "active": "on",
    }
    assert c.post("/appointments/setup/types/new/", {**data, "minutes": "5"}).status_code == 422
    duplicate = c.post("/appointments/setup/types/new/", {**data, "track": ""})
    assert duplicate.status_code == 422
    assert "already has that kind" in duplicate.content.decode()
    assert c.post("/appointments/setup/types/new/", data).status_code == 302
    added = AppointmentType.objects.get(track=w.track_a1)
    assert (added.minutes, added.every_weeks, added.counts_toward_hours) == (45, 2, True)
    edit = c.post(f"/appointments/setup/types/{added.pk}/", {**data, "minutes": "50"})
    assert edit.status_code == 302
    assert AppointmentType.objects.get(pk=added.pk).minutes == 50


def test_the_video_service_needs_an_https_link_with_the_key(setup: Setup) -> None:
    c = client_for(setup.world.director_a)
    for bad in ("http://meet.example.org/{key}", "https://meet.example.org/room"):
        answer = c.post("/appointments/setup/video/", {"name": "V", "url_template": bad})
        assert answer.status_code == 422 and b"id_url_template-errors" in answer.content
    assert VideoService.objects.get().url_template == "https://meet.example.org/x-{key}"
    ok = c.post(
        "/appointments/setup/video/",
        {"name": "Clinic", "url_template": "https://video.example.org/{key}"},
    )
    assert ok.status_code == 302
    assert VideoService.objects.get().url_template == "https://video.example.org/{key}"
