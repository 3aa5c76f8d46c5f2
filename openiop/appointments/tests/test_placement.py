"""The weekly placement with the database: around published groups, primary counselor and
prescribers, slots kept when placed again, a week that is over left alone, reasons stored,
and a published week queues the placement."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from openiop.appointments import services
from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentShortfall,
    AppointmentSource,
    Credential,
)
from openiop.appointments.overdue import overdue_for
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.organization.models import StaffAvailability

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 2)
NOW = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # the Friday before


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _windows(user: Any, *rows: tuple[int, int, int]) -> None:
    StaffAvailability.objects.bulk_create(
        [
            StaffAvailability(staff=user.staff_profile, weekday=d, start=time(s), end=time(e))
            for d, s, e in rows
        ]
    )


def _types(w: Any) -> None:
    services.appointment_type_save(
        actor=w.director_a,
        program=w.program_a1,
        track=None,
        kind=AppointmentKind.INDIVIDUAL,
        minutes=60,
        credential=Credential.COUNSELOR,
        every_weeks=1,
        counts_toward_hours=True,
        signed_in=False,
    )
    services.appointment_type_save(
        actor=w.director_a,
        program=w.program_a1,
        track=None,
        kind=AppointmentKind.MEDICATION,
        minutes=30,
        credential=Credential.PRESCRIBER,
        every_weeks=2,
        counts_toward_hours=False,
        signed_in=False,
    )


@pytest.fixture
def setup(world: Any, clock: Any) -> dict[str, Any]:
    w = world
    _types(w)
    patient = enrolled_patient(w.track_a1, first_name="Ana", last_name="Arriaga")
    # Monday 09:00-12:00 the patient's group, led by the counselor.
    group = group_session(track=w.track_a1, counselor=w.counselor_a1, day=MONDAY, start=time(9))
    assign(group, patient)
    _windows(w.counselor_a1, (0, 9, 13))  # free 12:00-13:00 only, after the group
    profile = w.counselor_a2.staff_profile
    profile.prescriber = True
    profile.save()
    profile.programs.add(w.program_a1)
    _windows(w.counselor_a2, (0, 9, 12))  # the prescriber: only during the group
    services.primary_counselor_assign(
        actor=w.director_a, patient=patient, counselor=w.counselor_a1, signed_in=False
    )
    return {"w": w, "patient": patient, "group": group}


def _local(setup: dict[str, Any], hour: int) -> datetime:
    """Monday at `hour` on the patient's site's clock (inside the counselor's hours)."""
    return datetime.combine(MONDAY, time(hour), tzinfo=ZoneInfo(setup["patient"].site.timezone))


def _place() -> Any:
    return services.appointments_place_week(
        actor=None, organization_id=_org(), week_start=MONDAY, time_limit=2.0
    )


def _org() -> int:
    return int(
        Appointment._meta.apps.get_model("organization", "Organization")
        .objects.get(name="Org A")
        .pk
    )


def test_individual_placed_after_the_group_and_medication_explained(setup: dict[str, Any]) -> None:
    run = _place()
    rows = list(Appointment.objects.filter(patient=setup["patient"]))
    assert [(a.kind, a.staff_id) for a in rows] == [
        (AppointmentKind.INDIVIDUAL, setup["w"].counselor_a1.pk)
    ]
    local = rows[0].starts_at.astimezone(ZoneInfo(setup["patient"].site.timezone))
    assert (local.date(), local.time()) == (MONDAY, time(12))  # not inside the 09-12 group
    assert rows[0].source == AppointmentSource.SOLVER
    short = AppointmentShortfall.objects.get(patient=setup["patient"])
    assert short.kind == AppointmentKind.MEDICATION and short.code == "taken"
    assert run.stats["placed"] == 1 and run.stats["unplaced"] == 1


def test_placing_again_keeps_the_slot_and_adds_nothing(setup: dict[str, Any]) -> None:
    _place()
    first = Appointment.objects.get(patient=setup["patient"])
    run = _place()
    again = Appointment.objects.get(patient=setup["patient"])
    assert (again.starts_at, again.staff_id) == (first.starts_at, first.staff_id)
    assert run.stats["kept"] == 1


def test_a_hand_booking_covers_the_week(setup: dict[str, Any]) -> None:
    w = setup["w"]
    services.appointment_book(
        actor=w.director_a,
        patient=setup["patient"],
        kind=AppointmentKind.INDIVIDUAL,
        staff=w.counselor_a1,
        starts_at=_local(setup, 12),
        signed_in=False,
    )
    _place()
    kinds = list(
        Appointment.objects.filter(patient=setup["patient"]).values_list("source", flat=True)
    )
    assert kinds == [AppointmentSource.STAFF]


def test_no_primary_counselor_is_a_reason(setup: dict[str, Any], world: Any) -> None:
    other = enrolled_patient(world.track_a1, first_name="Ben", last_name="Bastos")
    _place()
    reasons = dict(AppointmentShortfall.objects.filter(patient=other).values_list("kind", "reason"))
    assert (
        reasons[AppointmentKind.INDIVIDUAL] == "No primary counselor is assigned to this patient."
    )


def test_a_week_that_is_over_is_left_alone(setup: dict[str, Any], clock: Any) -> None:
    _place()
    before = list(Appointment.objects.values_list("pk", "starts_at"))
    shortfalls = AppointmentShortfall.objects.count()
    clock.move_to(datetime(2026, 11, 9, 15, 0, tzinfo=UTC))
    _place()
    assert list(Appointment.objects.values_list("pk", "starts_at")) == before
    assert AppointmentShortfall.objects.count() == shortfalls


def test_publishing_a_week_queues_its_placement(
    world: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from openiop.scheduling.tests.helpers import WEEK, published_week

    with django_capture_on_commit_callbacks(execute=True):
        published_week(world, WEEK)  # nothing is offered yet: nothing to place
    assert not DBTaskResult.objects.filter(task_path__endswith="place_week").exists()
    _types(world)
    with django_capture_on_commit_callbacks(execute=True):
        published_week(world, WEEK + timedelta(days=7))
    queued = DBTaskResult.objects.filter(task_path__endswith="place_week")
    assert [r.args_kwargs["kwargs"] for r in queued] == [
        {"organization_id": world.org_a.pk, "week_start": (WEEK + timedelta(days=7)).isoformat()}
    ]


def test_overdue_after_two_weeks_without_individual_counselling(setup: dict[str, Any]) -> None:
    w = setup["w"]
    a = services.appointment_book(
        actor=w.director_a,
        patient=setup["patient"],
        kind=AppointmentKind.INDIVIDUAL,
        staff=w.counselor_a1,
        starts_at=_local(setup, 12),
        signed_in=False,
    )
    Appointment.objects.filter(pk=a.pk).update(attendance="present")
    org = w.org_a.pk
    assert overdue_for(org, [setup["patient"].pk], date(2026, 11, 15)) == {}
    late = overdue_for(org, [setup["patient"].pk], date(2026, 11, 17))[setup["patient"].pk]
    assert [o.text for o in late] == ["No individual counselling in 2 weeks (due weekly)"]
    Appointment.objects.filter(pk=a.pk).update(attendance="absent")
    missed = overdue_for(org, [setup["patient"].pk], date(2026, 11, 17))[setup["patient"].pk]
    assert missed[0].never


def test_sites_in_other_time_zones_never_share_a_staff_instant(setup: dict[str, Any]) -> None:
    """The counselor works 09:00-10:00 on each site's clock; a booking at 10:00 New York is
    09:00 Chicago, so the Chicago patient cannot be seen then."""
    from datetime import timedelta

    from openiop.core.testing import EnrollmentFactory, PatientFactory

    w = setup["w"]
    StaffAvailability.objects.filter(staff=w.counselor_a1.staff_profile).delete()
    _windows(w.counselor_a1, (0, 9, 10))
    w.site_a2.timezone = "America/Chicago"
    w.site_a2.save()
    w.counselor_a1.staff_profile.sites.add(w.site_a2)
    chicago = PatientFactory.create(site=w.site_a2, organization=w.org_a, last_name="Chicagoan")
    EnrollmentFactory.create(patient=chicago, track=w.track_a1, starts_on=date(2026, 1, 1))
    services.primary_counselor_assign(
        actor=w.director_a, patient=chicago, counselor=w.counselor_a1, signed_in=False
    )
    ny_ten = _local(setup, 10)
    individual = next(t for t in _types_of(w) if t.kind == AppointmentKind.INDIVIDUAL)
    Appointment.objects.create(  # booked earlier, outside today's recorded hours
        organization=w.org_a,
        patient=setup["patient"],
        staff=w.counselor_a1,
        type=individual,
        kind=individual.kind,
        week_start=MONDAY,
        starts_at=ny_ten,
        ends_at=ny_ten + timedelta(hours=1),
        source=AppointmentSource.STAFF,
        created_at=NOW,
    )
    _place()
    mine = list(Appointment.objects.filter(staff=w.counselor_a1, status="scheduled"))
    for a in mine:
        for b in mine:
            if a.pk < b.pk:
                assert not (a.starts_at < b.ends_at and b.starts_at < a.ends_at), (a, b)
    assert not Appointment.objects.filter(patient=chicago, kind="individual").exists()
    assert AppointmentShortfall.objects.get(patient=chicago, kind="individual").code == "taken"


def _types_of(w: Any) -> list[Any]:
    from openiop.appointments.models import AppointmentType

    return list(AppointmentType.objects.filter(program=w.program_a1))


def test_a_kept_appointment_keeps_its_row_and_video_link(setup: dict[str, Any]) -> None:
    _place()
    first = Appointment.objects.get(patient=setup["patient"])
    Appointment.objects.filter(pk=first.pk).update(telehealth=True, video_key="k" * 16)
    _place()
    again = Appointment.objects.get(patient=setup["patient"])
    assert (again.pk, again.video_key) == (first.pk, "k" * 16)


def test_an_attended_or_noted_appointment_is_never_placed_again(setup: dict[str, Any]) -> None:
    _place()
    first = Appointment.objects.get(patient=setup["patient"])
    Appointment.objects.filter(pk=first.pk).update(attendance="present")
    _place()
    assert list(Appointment.objects.filter(patient=setup["patient"])) == [first]


def test_a_no_show_does_not_count_as_the_visit(setup: dict[str, Any], clock: Any) -> None:
    from datetime import timedelta

    from openiop.appointments import planning

    w = setup["w"]
    medication = next(t for t in _types_of(w) if t.kind == AppointmentKind.MEDICATION)
    last_week = _local(setup, 15) - timedelta(days=7)
    row = Appointment.objects.create(
        organization=w.org_a,
        patient=setup["patient"],
        staff=w.counselor_a2,
        type=medication,
        kind=medication.kind,
        week_start=MONDAY - timedelta(days=7),
        starts_at=last_week,
        ends_at=last_week + timedelta(minutes=30),
        source=AppointmentSource.SOLVER,
        created_at=NOW,
        attendance="present",
    )

    def due() -> set[str]:
        facts = planning.week_facts(w.org_a.pk, MONDAY, first_day=MONDAY)
        return {d.kind for d in facts.problem.dues} | {t.kind for _, t, _, _ in facts.missing}

    assert AppointmentKind.MEDICATION not in due()  # every 2 weeks: seen last week
    Appointment.objects.filter(pk=row.pk).update(attendance="absent")
    assert AppointmentKind.MEDICATION in due()


def test_days_before_the_enrolment_are_not_offered(setup: dict[str, Any], world: Any) -> None:
    late = enrolled_patient(world.track_a1, starts_on=date(2026, 11, 4), last_name="Wednesday")
    services.primary_counselor_assign(
        actor=world.director_a, patient=late, counselor=world.counselor_a1, signed_in=False
    )
    StaffAvailability.objects.filter(staff=world.counselor_a1.staff_profile).delete()
    _windows(world.counselor_a1, *[(d, 9, 17) for d in range(6)])
    _place()
    placed = Appointment.objects.get(patient=late)
    assert placed.starts_at.astimezone(ZoneInfo(late.site.timezone)).date() >= date(2026, 11, 4)


def test_a_booking_a_new_group_overlaps_is_listed_to_move(setup: dict[str, Any]) -> None:
    from datetime import timedelta

    w = setup["w"]
    individual = next(t for t in _types_of(w) if t.kind == AppointmentKind.INDIVIDUAL)
    during = _local(setup, 10)  # inside Monday's 09:00-12:00 group
    Appointment.objects.create(
        organization=w.org_a,
        patient=setup["patient"],
        staff=w.counselor_a2,
        type=individual,
        kind=individual.kind,
        week_start=MONDAY,
        starts_at=during,
        ends_at=during + timedelta(hours=1),
        source=AppointmentSource.STAFF,
        created_at=NOW,
    )
    run = _place()
    clash = AppointmentShortfall.objects.get(patient=setup["patient"], code="clash")
    assert "overlaps a group" in clash.reason and run.stats["clashes"] == 1


def test_the_note_needs_attendance_and_a_prescriber_for_medication(
    setup: dict[str, Any], clock: Any
) -> None:
    from django.core.exceptions import ValidationError

    w = setup["w"]
    clock.move_to(datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    medication = next(t for t in _types_of(w) if t.kind == AppointmentKind.MEDICATION)
    visit = Appointment.objects.create(
        organization=w.org_a,
        patient=setup["patient"],
        staff=w.counselor_a2,
        type=medication,
        kind=medication.kind,
        week_start=MONDAY,
        starts_at=_local(setup, 12),
        ends_at=_local(setup, 12) + (_local(setup, 13) - _local(setup, 12)) / 2,
        source=AppointmentSource.STAFF,
        created_at=NOW,
    )
    content = {"subjective": "s", "medications": "m", "changes": "None", "plan": "p"}
    with pytest.raises(ValidationError, match="attended"):
        services.appointment_note_save(
            actor=w.counselor_a2, appointment=visit, note_format="med", content=content
        )
    Appointment.objects.filter(pk=visit.pk).update(attendance="present")
    with pytest.raises(ValidationError, match="prescriber"):
        services.appointment_note_save(
            actor=w.counselor_a1, appointment=visit, note_format="med", content=content
        )
    note = services.appointment_note_save(
        actor=w.counselor_a2, appointment=visit, note_format="med", content=content
    )
    assert note.format == "med" and note.duration_minutes == 30
