"""`openiop week export --week MONDAY --json`: every published group and appointment of the
week with internal ids only, the appointments not placed, refusals of bad input (exit 2) and
the export in the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from openiop.appointments.export import week_events
from openiop.appointments.models import AppointmentKind, AppointmentShortfall, AppointmentStatus
from openiop.appointments.tests.test_integration import NY, at, make_appointment
from openiop.core.models import AuditEvent
from openiop.core.testing import World
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session, room_at
from openiop.scheduling.models import ScheduleWeek, SessionStatus, WeekStatus

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 9)
NOW = datetime(2026, 11, 6, 12, 0, tzinfo=NY)  # the Friday before
EVENT_KEYS = {"kind", "start", "end", "staff", "patients", "telehealth", "site"}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("week", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def week(world: World) -> dict[str, Any]:
    """A published group (Tuesday 18:00) with two patients, a virtual group, an appointment of
    one of them the same day, a family session at the group's very start, and rows that must
    stay out: a cancelled appointment, a group of a draft week, next week's appointment and
    the other organization's."""
    alma = enrolled_patient(world.track_a1, last_name="Exported")
    bruno = enrolled_patient(world.track_a1, last_name="Exported")
    tuesday = MONDAY + timedelta(days=1)
    room = room_at(world.site_a1)
    group = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=tuesday, room=room
    )
    assign(group, bruno, alma)
    virtual = group_session(
        track=world.track_a1,
        counselor=world.counselor_a1,
        day=tuesday + timedelta(days=1),
        start=time(9),
        room=room_at(world.site_a1, virtual=True),
    )
    assign(virtual, alma)
    cancelled_group = group_session(
        track=world.track_a1, counselor=world.counselor_a1, day=tuesday, start=time(9)
    )
    cancelled_group.status = SessionStatus.CANCELLED
    cancelled_group.save(update_fields=["status"])
    individual = make_appointment(
        alma, world.counselor_a1, starts_at=at(tuesday, 10), telehealth=True
    )
    family = make_appointment(
        bruno, world.counselor_a2, starts_at=group.starts_at, kind=AppointmentKind.FAMILY
    )
    make_appointment(
        alma,
        world.counselor_a1,
        starts_at=at(tuesday, 12),
        status=AppointmentStatus.CANCELLED,
    )
    make_appointment(alma, world.counselor_a1, starts_at=at(MONDAY + timedelta(days=7), 10))
    make_appointment(
        world.patient_b1, world.counselor_b1, starts_at=at(tuesday, 10)
    )  # organization B
    draft = ScheduleWeek.objects.create(
        organization=world.org_a, week_start=MONDAY, revision=2, status=WeekStatus.DRAFT
    )
    drafted = group_session(track=world.track_a1, counselor=world.counselor_a1, day=tuesday)
    drafted.week = draft
    drafted.save(update_fields=["week"])
    AppointmentShortfall.objects.create(
        organization=world.org_a,
        week_start=MONDAY,
        patient=bruno,
        kind=AppointmentKind.MEDICATION,
        code="no_staff",
        reason="No prescriber works in this patient's program.",
        created_at=NOW,
    )
    AppointmentShortfall.objects.create(
        organization=world.org_a,
        week_start=MONDAY - timedelta(days=7),
        patient=alma,
        kind=AppointmentKind.FAMILY,
        code="no_family_times",
        reason="last week's",
        created_at=NOW,
    )
    return {
        "alma": alma,
        "bruno": bruno,
        "group": group,
        "virtual": virtual,
        "individual": individual,
        "family": family,
        "room": room,
    }


def test_the_json_lists_groups_and_appointments_of_the_same_patient_sorted(
    world: World, week: dict[str, Any]
) -> None:
    code, out, err = run(
        "export", "--week", MONDAY.isoformat(), "--json", "--organization", str(world.org_a.pk)
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) == {"events", "unplaced"}
    events = data["events"]
    assert all(set(e) == EVENT_KEYS for e in events)
    alma, bruno = week["alma"].pk, week["bruno"].pk
    assert [(e["kind"], e["start"]) for e in events] == [
        ("individual", "2026-11-10T10:00:00-05:00"),
        ("family", "2026-11-10T18:00:00-05:00"),  # same start as the group: by kind
        ("group", "2026-11-10T18:00:00-05:00"),
        ("group", "2026-11-11T09:00:00-05:00"),
    ]
    individual, family, group, virtual = events
    assert individual == {
        "kind": "individual",
        "start": "2026-11-10T10:00:00-05:00",
        "end": "2026-11-10T11:00:00-05:00",
        "staff": [world.counselor_a1.pk],
        "patients": [alma],
        "telehealth": True,
        "site": world.site_a1.pk,
    }
    assert family["patients"] == [bruno] and family["staff"] == [world.counselor_a2.pk]
    assert group == {
        "kind": "group",
        "start": "2026-11-10T18:00:00-05:00",
        "end": "2026-11-10T21:00:00-05:00",
        "staff": [world.counselor_a1.pk],
        "patients": sorted([alma, bruno]),
        "telehealth": False,
        "site": world.site_a1.pk,
    }
    assert virtual["telehealth"] is True and virtual["site"] is None
    assert virtual["patients"] == [alma]
    assert data["unplaced"] == [
        {
            "patient": bruno,
            "kind": "medication",
            "reason": "No prescriber works in this patient's program.",
        }
    ]
    assert "Exported" not in out and world.patient_a1.mrn not in out


def test_the_export_is_audited_with_the_patients_it_names(
    world: World, week: dict[str, Any]
) -> None:
    code, _, _ = run("export", "--week", MONDAY.isoformat(), "--json")
    assert code == 2  # two organizations: it must be named
    assert not AuditEvent.objects.filter(action="export").exists()
    code, _, _ = run(
        "export", "--week", MONDAY.isoformat(), "--json", "--organization", str(world.org_a.pk)
    )
    assert code == 0
    event = AuditEvent.objects.get(action="export")
    assert event.organization_id_value == world.org_a.pk and event.part2
    assert event.detail.startswith(f"openiop week export --week {MONDAY.isoformat()}: 4 events")
    ids = sorted([week["alma"].pk, week["bruno"].pk])
    assert event.detail.endswith(f"ids: {ids[0]},{ids[1]}")


def test_text_output_without_json(world: World, week: dict[str, Any]) -> None:
    code, out, _ = run(
        "export", "--week", MONDAY.isoformat(), "--organization", str(world.org_a.pk)
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 5 and lines[0].startswith("2026-11-10T10:00:00-05:00 to ")
    assert lines[-1].startswith(f"not placed: patient {week['bruno'].pk} medication")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2026-11-10", "must be a Monday: 2026-11-10 is a Tuesday"),
        ("2026-11-15", "its week starts on Monday 2026-11-09"),
        ("2026-13-01", "must be a date as YYYY-MM-DD"),
        ("next monday", "must be a date as YYYY-MM-DD"),
        ("", "must be a date as YYYY-MM-DD"),
    ],
)
def test_a_day_other_than_monday_or_a_malformed_date_is_refused(
    world: World, value: str, says: str
) -> None:
    code, out, err = run("export", "--week", value, "--json", "--organization", str(world.org_a.pk))
    assert code == 2 and out == "" and says in err
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("organization", ["0", "nobody"])
def test_an_unknown_organization_is_refused(world: World, organization: str) -> None:
    code, out, err = run(
        "export", "--week", MONDAY.isoformat(), "--json", "--organization", organization
    )
    assert code == 2 and out == "" and "organization" in err


def test_an_empty_week_prints_empty_lists(world: World) -> None:
    code, out, _ = run(
        "export", "--week", "2027-01-04", "--json", "--organization", str(world.org_b.pk)
    )
    assert code == 0 and json.loads(out) == {"events": [], "unplaced": []}


def test_the_export_reads_a_fixed_number_of_queries(
    world: World, week: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        week_events(world.org_a.pk, MONDAY)
    for hour in range(8, 16):
        session = group_session(
            track=world.track_a1,
            counselor=world.counselor_a2,
            day=MONDAY + timedelta(days=4),
            start=time(hour),
            hours=1,
            room=room_at(world.site_a1, virtual=hour % 2 == 0),
        )
        assign(session, week["alma"], week["bruno"])
        make_appointment(
            week["bruno"],
            world.counselor_a1,
            starts_at=datetime.combine(MONDAY + timedelta(days=3), time(hour), tzinfo=UTC),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = week_events(world.org_a.pk, MONDAY)
    assert len(data["events"]) == 4 + 16
