"""Appointments services: a booking by hand is refused where the weekly placement would refuse
it (the patient's or the staff member's published groups, other appointments, the credential,
the telehealth consent); attendance, moves and cancellations keep their rules; primary
counselor changes are audited and keep their history; the caseload balance is even."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openiop.accounts.models import Role
from openiop.appointments import services
from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Attendance,
    PrimaryCounselor,
)
from openiop.appointments.tests.conftest import DAY, Setup, at, book
from openiop.core.models import AuditEvent
from openiop.core.testing import make_staff
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.scheduling.models import WeekStatus


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_booking_over_the_patients_published_group_is_refused(setup: Setup) -> None:
    w = setup.world
    group = group_session(track=w.track_a1, counselor=w.counselor_a2, day=DAY, start=time(15))
    assign(group, setup.other)
    with pytest.raises(ValidationError) as refused:
        book(w.counselor_a1, setup.other, AppointmentKind.INDIVIDUAL, w.counselor_a1, at(17, 30))
    assert _errors(refused) == {
        "starts_at": ["The patient has a group or another appointment then."]
    }
    # Right after the group it fits.
    assert book(w.counselor_a1, setup.other, AppointmentKind.INDIVIDUAL, w.counselor_a1, at(18))


def test_a_group_of_a_week_not_yet_published_does_not_count(setup: Setup) -> None:
    w = setup.world
    group = group_session(track=w.track_a1, counselor=w.counselor_a1, day=DAY, start=time(15))
    group.week.status = WeekStatus.DRAFT
    group.week.save(update_fields=["status"])
    assign(group, setup.other)
    assert book(w.counselor_a1, setup.other, AppointmentKind.INDIVIDUAL, w.counselor_a1, at(16))


def test_booking_over_the_staff_members_group_is_refused(setup: Setup) -> None:
    w = setup.world
    group_session(track=w.track_a1, counselor=w.counselor_a1, day=DAY, start=time(15))
    with pytest.raises(ValidationError) as refused:
        book(w.counselor_a1, setup.other, AppointmentKind.INDIVIDUAL, w.counselor_a1, at(14, 30))
    assert _errors(refused) == {
        "starts_at": ["The staff member has a group or another appointment then."]
    }


def test_booking_over_another_appointment_is_refused_for_either_person(setup: Setup) -> None:
    w = setup.world
    # counselor_a1 sees the patient 10:00-11:00.
    with pytest.raises(ValidationError) as staff_busy:
        book(w.counselor_a1, setup.other, AppointmentKind.INDIVIDUAL, w.counselor_a1, at(10, 30))
    assert "The staff member has" in _errors(staff_busy)["starts_at"][0]
    with pytest.raises(ValidationError) as patient_busy:
        book(
            w.counselor_a1,
            setup.patient,
            AppointmentKind.CASE_MANAGEMENT,
            w.counselor_a2,
            at(10, 59),
        )
    assert "The patient has" in _errors(patient_busy)["starts_at"][0]
    # A cancelled appointment frees the time.
    services.appointment_cancel(actor=w.counselor_a1, appointment=setup.individual, reason="Ill")
    assert book(w.counselor_a1, setup.other, AppointmentKind.INDIVIDUAL, w.counselor_a1, at(10, 30))
    assert Appointment.objects.filter(status=AppointmentStatus.SCHEDULED).count() == 2


def test_medication_management_needs_a_prescriber(setup: Setup) -> None:
    w = setup.world
    with pytest.raises(ValidationError) as refused:
        book(w.counselor_a1, setup.other, AppointmentKind.MEDICATION, w.counselor_a1, at(15))
    assert _errors(refused) == {
        "staff": ["Medication management needs a prescriber (MD, DO, NP, PA)."]
    }
    booked = book(w.counselor_a1, setup.other, AppointmentKind.MEDICATION, setup.prescriber, at(15))
    assert booked.minutes == 30 and booked.staff_id == setup.prescriber.pk


def test_a_video_visit_needs_the_patients_telehealth_consent(setup: Setup) -> None:
    w = setup.world
    with pytest.raises(ValidationError) as refused:
        book(
            w.counselor_a1,
            setup.other,
            AppointmentKind.INDIVIDUAL,
            w.counselor_a1,
            at(15),
            telehealth=True,
        )
    assert _errors(refused) == {"telehealth": ["Record the patient's telehealth consent first."]}
    services.telehealth_consent_record(actor=w.counselor_a1, patient=setup.other, method="verbal")
    video = book(
        w.counselor_a1,
        setup.other,
        AppointmentKind.INDIVIDUAL,
        w.counselor_a1,
        at(15),
        telehealth=True,
    )
    assert video.telehealth and len(video.video_key) >= 16
    services.telehealth_consent_revoke(actor=w.counselor_a1, patient=setup.other)
    with pytest.raises(ValidationError):
        book(
            w.counselor_a1,
            setup.other,
            AppointmentKind.CASE_MANAGEMENT,
            w.counselor_a1,
            at(17),
            telehealth=True,
        )


def test_a_role_that_does_not_book_is_refused_and_audited(setup: Setup) -> None:
    w = setup.world
    with pytest.raises(PermissionDenied):
        book(w.billing_a1, setup.other, AppointmentKind.INDIVIDUAL, w.counselor_a1, at(15))
    assert AuditEvent.objects.filter(action="denied", username="billing_a1").count() == 1
    assert Appointment.objects.count() == 2


def test_check_in_by_video_needs_a_state(setup: Setup) -> None:
    w = setup.world
    services.telehealth_consent_record(
        actor=w.counselor_a1, patient=setup.patient, method="written"
    )
    with pytest.raises(ValidationError) as refused:
        services.appointment_check_in(
            actor=w.frontdesk_a1, appointment=setup.individual, modality="video", at=at(10)
        )
    assert list(_errors(refused)) == ["patient_state"]
    with pytest.raises(ValidationError):
        services.appointment_check_in(
            actor=w.frontdesk_a1,
            appointment=setup.individual,
            modality="video",
            patient_state="ZZ",
            at=at(10),
        )
    a = services.appointment_check_in(
        actor=w.frontdesk_a1,
        appointment=setup.individual,
        modality="video",
        patient_state="ri",
        at=at(10, 12),
    )
    assert (a.attendance, a.modality, a.patient_state) == (Attendance.LATE, "video", "RI")


def test_check_in_opens_half_an_hour_before_the_start(setup: Setup) -> None:
    with pytest.raises(ValidationError) as refused:
        services.appointment_check_in(
            actor=setup.world.frontdesk_a1, appointment=setup.individual, at=at(9, 29)
        )
    assert list(_errors(refused)) == ["check_in"]
    a = services.appointment_check_in(
        actor=setup.world.frontdesk_a1, appointment=setup.individual, at=at(9, 30)
    )
    assert a.attendance == Attendance.PRESENT and a.modality == "in_person"


def test_a_move_is_validated_like_a_booking(setup: Setup) -> None:
    w = setup.world
    with pytest.raises(ValidationError) as refused:
        services.appointment_move(
            actor=w.counselor_a1, appointment=setup.individual, starts_at=at(13, 10)
        )
    assert "The patient has" in _errors(refused)["starts_at"][0]
    with pytest.raises(ValidationError):
        services.appointment_move(
            actor=w.counselor_a1,
            appointment=setup.individual,
            starts_at=at(15),
            telehealth=True,
        )
    assert Appointment.objects.get(pk=setup.individual.pk).starts_at == at(10)
    moved = services.appointment_move(
        actor=w.counselor_a1, appointment=setup.individual, starts_at=at(14), staff=w.counselor_a2
    )
    assert moved.starts_at == at(14) and moved.ends_at == at(15)
    assert moved.staff_id == w.counselor_a2.pk
    # Once attended it stays where it was.
    services.appointment_check_in(actor=w.counselor_a1, appointment=moved, at=at(14))
    with pytest.raises(ValidationError):
        services.appointment_move(actor=w.counselor_a1, appointment=moved, starts_at=at(16))


def test_cancel_needs_a_reason(setup: Setup) -> None:
    w = setup.world
    with pytest.raises(ValidationError) as refused:
        services.appointment_cancel(actor=w.counselor_a1, appointment=setup.individual, reason=" ")
    assert list(_errors(refused)) == ["reason"]
    assert Appointment.objects.get(pk=setup.individual.pk).status == AppointmentStatus.SCHEDULED
    cancelled = services.appointment_cancel(
        actor=w.counselor_a1, appointment=setup.individual, reason="Patient in hospital"
    )
    assert cancelled.status == AppointmentStatus.CANCELLED
    with pytest.raises(ValidationError):  # no check-in on a cancelled appointment
        services.appointment_check_in(actor=w.counselor_a1, appointment=cancelled, at=at(10))


def test_a_primary_counselor_change_is_audited_and_keeps_the_history(setup: Setup) -> None:
    w = setup.world
    first = services.primary_counselor_assign(
        actor=w.intake_a1, patient=setup.patient, counselor=w.counselor_a1
    )
    second = services.primary_counselor_assign(
        actor=w.director_a,
        patient=setup.patient,
        counselor=w.counselor_a2,
        reason="Evening schedule",
    )
    first.refresh_from_db()
    assert first.ended_at is not None and second.ended_at is None
    assert second.assigned_by_id == w.director_a.pk and second.reason == "Evening schedule"
    assert PrimaryCounselor.objects.filter(patient=setup.patient).count() == 2
    events = AuditEvent.objects.filter(
        object_type="appointments.primarycounselor", patient_id_value=setup.patient.pk
    ).order_by("seq")
    assert [e.action for e in events] == ["add", "change"]
    assert f"{w.counselor_a1.pk} -> {w.counselor_a2.pk}" in events[1].detail
    # Not a clinician, and a role that does not assign.
    with pytest.raises(ValidationError):
        services.primary_counselor_assign(
            actor=w.director_a, patient=setup.patient, counselor=w.frontdesk_a1, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.primary_counselor_assign(
            actor=w.counselor_a1, patient=setup.patient, counselor=w.counselor_a1, reason="x"
        )
    assert PrimaryCounselor.objects.filter(patient=setup.patient).count() == 2


def test_the_caseload_balance_shares_a_tracks_patients_between_its_two_counselors(
    setup: Setup,
) -> None:
    w = setup.world
    second = make_staff(
        "counselor_a3", Role.COUNSELOR, w.org_a, sites=[w.site_a1], programs=[w.program_a1]
    )
    for counselor in (w.counselor_a1, second):
        counselor.staff_profile.tracks.set([w.track_a1])
    more = [enrolled_patient(w.track_a1, last_name=f"Balance{i}") for i in range(4)]
    rows = services.primary_counselors_balance(actor=w.director_a)
    assert len(rows) == 6  # the setup's two patients and these four
    loads: dict[int, int] = {}
    for row in rows:
        loads[row.counselor_id] = loads.get(row.counselor_id, 0) + 1
    assert loads == {w.counselor_a1.pk: 3, second.pk: 3}
    assert {r.patient_id for r in rows} >= {p.pk for p in more}
    assert (
        AuditEvent.objects.filter(
            object_type="appointments.primarycounselor", detail="assigned by caseload balance"
        ).count()
        == 6
    )
    # A second run has nobody left to assign.
    assert services.primary_counselors_balance(actor=w.director_a) == []


def test_the_note_of_an_appointment_is_dated_on_its_day_and_kept_on_it(setup: Setup) -> None:
    Appointment.objects.filter(pk=setup.medication.pk).update(attendance="present")
    note = services.appointment_note_save(
        actor=setup.prescriber,
        appointment=setup.medication,
        note_format="med",
        content={"changes": "None", "medications": "naltrexone 50 mg daily"},
    )
    assert (note.service_date, note.duration_minutes, note.format) == (DAY, 30, "med")
    assert Appointment.objects.get(pk=setup.medication.pk).note_id == note.pk
    with pytest.raises(ValidationError):
        services.appointment_note_save(
            actor=setup.prescriber,
            appointment=setup.medication,
            note_format="dap",
            content={"data": "x"},
        )


def test_placing_again_is_queued_only_for_a_monday(setup: Setup) -> None:
    with pytest.raises(ValidationError):
        services.appointments_place_week_queue(actor=setup.world.director_a, week_start=DAY)
    with pytest.raises(PermissionDenied):
        services.appointments_place_week_queue(
            actor=setup.world.counselor_a1, week_start=DAY.replace(day=2)
        )
