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
    from openiop.scheduling.tests.helpers import WEEK, published_week

    with django_capture_on_commit_callbacks(execute=True):
        published_week(world, WEEK)
    queued = DBTaskResult.objects.filter(task_path__endswith="place_week")
    assert [r.args_kwargs["kwargs"] for r in queued] == [
        {"organization_id": world.org_a.pk, "week_start": WEEK.isoformat()}
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
