"""Telehealth place of service: a day attended only by video is billed on professional claims
as 10 (telehealth in the patient's home) or 02 (other than in the patient's home, program
policy); a day with any time in person keeps the payer's usual place. The program policy's
setup page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentSource,
    AppointmentType,
    Attendance,
    Modality,
)
from openiop.billing import services, setup
from openiop.billing.models import (
    Charge,
    ChargeStatus,
    ClaimFile,
    ClaimStatus,
    Coverage,
    Payer,
    ProgramBilling,
)
from openiop.billing.tests.claims_factories import patient as billable_patient
from openiop.billing.tests.claims_factories import provider
from openiop.core.models import AuditEvent
from openiop.core.testing import login
from openiop.delivery.models import AttendanceRecord, AttendanceStatus, Note, NoteKind, NoteStatus
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session, room_at
from openiop.domain.claims import validate
from openiop.patients.models import Patient

NY = ZoneInfo("America/New_York")
MON = date(2026, 11, 2)
SUN = MON + timedelta(days=6)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a fixed moment: nothing depends on today


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _payer(world: Any, claim_type: str = "professional", pid: str = "ACME") -> Payer:
    return Payer.objects.create(
        organization=world.org_a,
        name=f"Payer {pid}",
        payer_id=pid,
        claim_type=claim_type,
        place_of_service="57",
    )


def _cover(world: Any, p: Patient, payer: Payer) -> None:
    Coverage.objects.create(
        patient=p,
        rank=1,
        payer=payer,
        member_id="W123456789",
        eligibility_checked_on=MON,
        guarantor_name="Self",
        created_by=world.admin_a,
        created_at=NOW,
    )


def _group(
    world: Any,
    p: Patient,
    *,
    status: str = AttendanceStatus.PRESENT,
    virtual: bool = False,
    day: date = MON,
    start: time = time(18),
    hours: float = 3,
) -> None:
    room = room_at(world.track_a1.program.site, virtual=virtual)
    session = group_session(
        track=world.track_a1,
        counselor=world.counselor_a1,
        day=day,
        start=start,
        hours=hours,
        room=room,
    )
    assign(session, p)
    absent = status in (AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED)
    AttendanceRecord.objects.create(
        session=session,
        patient=p,
        status=status,
        check_in_at=None if absent else session.starts_at,
        check_out_at=None if absent else session.ends_at,
        updated_at=NOW,
    )


def _type(world: Any, kind: str, *, counts: bool) -> AppointmentType:
    return AppointmentType.objects.create(
        organization=world.org_a,
        program=world.program_a1,
        kind=kind,
        minutes=60,
        counts_toward_hours=counts,
    )


def _appointment(
    world: Any,
    p: Patient,
    kind_type: AppointmentType,
    *,
    modality: str,
    day: date = MON,
    start: time = time(10),
) -> Appointment:
    starts_at = datetime.combine(day, start, tzinfo=NY)
    return Appointment.objects.create(
        organization=world.org_a,
        patient=p,
        staff=world.counselor_a1,
        type=kind_type,
        kind=kind_type.kind,
        telehealth=modality == Modality.VIDEO,
        week_start=day - timedelta(days=day.weekday()),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        source=AppointmentSource.STAFF,
        created_at=NOW,
        attendance=Attendance.PRESENT,
        modality=modality,
        check_in_at=starts_at,
    )


def _sign(world: Any, p: Patient, day: date = MON) -> None:
    Note.objects.create(
        organization=world.org_a,
        kind=NoteKind.INDIVIDUAL,
        format="dap",
        patient=p,
        service_date=day,
        author=world.counselor_a1,
        created_at=NOW,
        updated_at=NOW,
        status=NoteStatus.SIGNED,
        signed_at=NOW,
        signed_by=world.counselor_a1,
        signed_hash="0" * 64,
    )


def _generate(world: Any) -> services.GenerateResult:
    return services.generate_charges(
        actor=world.billing_a1, first_day=MON, last_day=SUN, signed_in=False
    )


def _charge(p: Patient, day: date = MON) -> Charge:
    return Charge.objects.exclude(status=ChargeStatus.VOID).get(patient=p, service_date=day)


def _patient(world: Any, payer: Payer) -> Patient:
    p = enrolled_patient(world.track_a1)
    _cover(world, p, payer)
    _sign(world, p)
    return p


# Charges.


def test_a_day_with_one_video_group_and_nothing_else_is_place_10(world: Any) -> None:
    p = _patient(world, _payer(world))
    _group(world, p, status=AttendanceStatus.TELEHEALTH)
    _generate(world)
    c = _charge(p)
    assert (c.service, c.status, c.place_of_service) == ("per_diem", "ready", "10")


def test_the_program_may_bill_video_days_as_02(world: Any) -> None:
    ProgramBilling.objects.create(program=world.program_a1, video_place_of_service="02")
    p = _patient(world, _payer(world))
    _group(world, p, status=AttendanceStatus.TELEHEALTH)
    _generate(world)
    assert _charge(p).place_of_service == "02"


def test_a_video_appointment_and_an_in_person_group_keep_the_payers_place(world: Any) -> None:
    p = _patient(world, _payer(world))
    _appointment(world, p, _type(world, AppointmentKind.INDIVIDUAL, counts=True), modality="video")
    _group(world, p, start=time(18), hours=2.5)
    _generate(world)
    c = _charge(p)
    assert c.minutes == 210  # the appointment's hour counts toward the day
    assert (c.service, c.place_of_service) == ("per_diem", "57")


def test_an_in_person_visit_that_does_not_count_leaves_a_video_day(world: Any) -> None:
    p = _patient(world, _payer(world))
    # An in-person visit of a type that does not count toward hours adds no minutes.
    _appointment(world, p, _type(world, AppointmentKind.FAMILY, counts=False), modality="in_person")
    _group(world, p, status=AttendanceStatus.TELEHEALTH)
    _generate(world)
    assert _charge(p).place_of_service == "10"


def test_a_counted_video_visit_and_a_video_group_are_a_video_day(world: Any) -> None:
    p = _patient(world, _payer(world))
    _appointment(world, p, _type(world, AppointmentKind.INDIVIDUAL, counts=True), modality="video")
    _group(world, p, status=AttendanceStatus.TELEHEALTH, hours=2)
    _generate(world)
    assert (_charge(p).minutes, _charge(p).place_of_service) == (180, "10")


def test_a_group_in_a_virtual_room_is_by_video_whatever_the_status(world: Any) -> None:
    p = _patient(world, _payer(world))
    _group(world, p, status=AttendanceStatus.LATE, virtual=True)
    _generate(world)
    assert _charge(p).place_of_service == "10"


def test_an_absence_from_an_in_person_group_is_not_time_in_person(world: Any) -> None:
    p = _patient(world, _payer(world))
    _group(world, p, status=AttendanceStatus.ABSENT_UNEXCUSED, start=time(9))
    _group(world, p, status=AttendanceStatus.TELEHEALTH)
    _generate(world)
    assert _charge(p).place_of_service == "10"


def test_institutional_charges_have_no_place_even_by_video(world: Any) -> None:
    payer = _payer(world, "institutional", pid="MCD")
    payer.revenue_codes = {"H0015": "0906"}
    payer.save()
    p = _patient(world, payer)
    _group(world, p, status=AttendanceStatus.TELEHEALTH)
    _generate(world)
    c = _charge(p)
    assert (c.place_of_service, c.revenue_code, c.status) == ("", "0906", "ready")


def test_the_next_run_changes_the_place_when_the_day_changes(world: Any) -> None:
    p = _patient(world, _payer(world))
    _group(world, p, status=AttendanceStatus.TELEHEALTH)
    _generate(world)
    assert _charge(p).place_of_service == "10"
    AttendanceRecord.objects.filter(patient=p).update(status=AttendanceStatus.PRESENT)
    result = _generate(world)
    assert result.changed == 1 and _charge(p).place_of_service == "57"


def _patients_by_video(world: Any, payer: Payer, kind: AppointmentType, n: int) -> None:
    for i in range(n):
        p = _patient(world, payer)
        _group(world, p, status=AttendanceStatus.TELEHEALTH if i % 2 else "present")
        _appointment(world, p, kind, modality="video" if i % 3 else "in_person")


def test_the_query_count_does_not_grow_with_the_patients(world: Any) -> None:
    payer = _payer(world)
    kind = _type(world, AppointmentKind.INDIVIDUAL, counts=True)
    _patients_by_video(world, payer, kind, 2)
    _generate(world)  # the first run inserts; later runs compare
    with CaptureQueriesContext(connection) as small:
        _generate(world)
    _patients_by_video(world, payer, kind, 6)
    _generate(world)
    with CaptureQueriesContext(connection) as large:
        _generate(world)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert Charge.objects.filter(place_of_service="10").exists()


# Claims: the charge's place of service reaches the 837P and the file passes the check.


def _build(world: Any) -> services.BuildResult:
    return services.build_claims(
        actor=world.billing_a1,
        first_day=MON,
        last_day=SUN,
        signed_in=False,
        check_in_background=False,
    )


def test_a_video_day_claim_says_place_10_and_validates(world: Any) -> None:
    provider(world.org_a)
    payer = _payer(world)
    p = billable_patient(world, payer)
    _sign(world, p)
    _group(world, p, status=AttendanceStatus.TELEHEALTH)
    _generate(world)
    assert _charge(p).status == ChargeStatus.READY
    result = _build(world)
    text = ClaimFile.objects.get().text
    assert result.claims == 1 and "CLM*" in text and "*10:B:1*" in text
    assert validate(text) == []
    assert ClaimFile.objects.get().status == ClaimStatus.READY


def test_a_claim_with_video_and_in_person_days_names_the_other_place_on_its_line(
    world: Any,
) -> None:
    provider(world.org_a)
    payer = _payer(world)
    p = billable_patient(world, payer)
    for offset in range(3):
        day = MON + timedelta(days=offset)
        _sign(world, p, day)
        _group(world, p, day=day, status="telehealth" if offset == 2 else "present")
    _generate(world)
    assert [_charge(p, MON + timedelta(days=i)).place_of_service for i in range(3)] == [
        "57",
        "57",
        "10",
    ]
    _build(world)
    text = ClaimFile.objects.get().text
    segments = text.split("~")
    assert any(s.startswith("CLM*") and "*57:B:1*" in s for s in segments)
    lines = [s for s in segments if s.startswith("SV1*")]
    assert lines == [
        "SV1*HC:H0015*162.5*UN*1***1",
        "SV1*HC:H0015*162.5*UN*1***1",
        "SV1*HC:H0015*162.5*UN*1*10**1",
    ]
    assert validate(text) == []


# The program policy's setup page.


def test_the_setup_page_shows_the_policy_and_saves_02(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    home = client.get(reverse("billing:home")).content.decode()
    assert reverse("billing:setup_programs") in home
    url = reverse("billing:setup_programs")
    page = client.get(url).content.decode()
    assert "Program policy: where your patients usually join video sessions from" in page
    assert "10, telehealth in the patient&#x27;s home" in page
    assert world.program_a1.name in page and world.program_b1.name not in page
    field = setup.video_place_field(world.program_a1.pk)
    other = setup.video_place_field(world.program_a2.pk)
    response = client.post(url, {field: "02", other: "10"})
    assert response.status_code == 302
    row = ProgramBilling.objects.get(program=world.program_a1)
    assert row.video_place_of_service == "02"
    assert not ProgramBilling.objects.filter(program=world.program_a2).exists()
    event = AuditEvent.objects.get(object_type="billing.programbilling")
    assert event.action == "add" and event.object_id == str(row.pk)
    assert "02 (Telehealth provided other than in patient's home)" in event.detail
    # Saving the same again writes nothing.
    assert client.post(url, {field: "02", other: "10"}).status_code == 302
    assert AuditEvent.objects.filter(object_type="billing.programbilling").count() == 1
    assert client.post(url, {field: "10", other: "10"}).status_code == 302
    row.refresh_from_db()
    assert row.video_place_of_service == "10"
    assert AuditEvent.objects.filter(object_type="billing.programbilling").count() == 2


def test_the_setup_form_refuses_11(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    before = AuditEvent.objects.count()
    field = setup.video_place_field(world.program_a1.pk)
    other = setup.video_place_field(world.program_a2.pk)
    response = client.post(reverse("billing:setup_programs"), {field: "11", other: "10"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not ProgramBilling.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_setup_service_refuses_11_and_another_organizations_program(world: Any) -> None:
    with pytest.raises(ValidationError) as bad:
        setup.program_billing_save(
            actor=world.billing_a1, places={world.program_a1.pk: "11"}, signed_in=False
        )
    assert "02, telehealth other than" in str(bad.value)
    with pytest.raises(ValidationError, match="not one of your organization"):
        setup.program_billing_save(
            actor=world.billing_a1, places={world.program_b1.pk: "02"}, signed_in=False
        )
    assert not ProgramBilling.objects.exists()


def test_a_director_reads_the_policy_but_gets_no_form(client: Client, world: Any) -> None:
    ProgramBilling.objects.create(program=world.program_a1, video_place_of_service="02")
    login(client, world.director_a)
    page = client.get(reverse("billing:setup_programs")).content.decode()
    assert "02, telehealth other than in the patient&#x27;s home" in page
    assert 'method="post" novalidate' not in page


@pytest.mark.parametrize("who", ["director_a", "counselor_a1", "frontdesk_a1"])
def test_saving_the_policy_is_refused_for_other_roles(client: Client, world: Any, who: str) -> None:
    user = getattr(world, who)
    login(client, user)
    before = AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()
    field = setup.video_place_field(world.program_a1.pk)
    response = client.post(reverse("billing:setup_programs"), {field: "02"})
    assert response.status_code == 403
    after = AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()
    assert after == before + 1
    assert not ProgramBilling.objects.exists()
