"""`openiop compliance --week YYYY-MM-DD --json`."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core.management import call_command

from openiop.core.models import AuditEvent
from openiop.delivery.models import AttendanceRecord, AttendanceStatus
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session

WEEK = date(2026, 11, 2)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("compliance", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def week(world: Any) -> Any:
    met = enrolled_patient(world.track_a1, last_name="Met")
    short = enrolled_patient(world.track_a1, last_name="Short")
    for offset in (0, 2, 4):
        s = group_session(
            track=world.track_a1, counselor=world.counselor_a1, day=date(2026, 11, 2 + offset)
        )
        assign(s, met, short)
        AttendanceRecord.objects.create(
            session=s, patient=met, status=AttendanceStatus.PRESENT, updated_at=datetime.now(tz=UTC)
        )
        AttendanceRecord.objects.create(
            session=s,
            patient=short,
            status=AttendanceStatus.ABSENT_UNEXCUSED if offset else AttendanceStatus.PRESENT,
            updated_at=datetime.now(tz=UTC),
        )
    return {"met": met, "short": short}


def test_json_lists_every_enrolled_patient_with_hours_days_and_status(
    world: Any, week: Any
) -> None:
    data = json.loads(run("--week", "2026-11-04", "--json", "--as-of", "2026-11-10T00:00:00+00:00"))
    assert data["week_start"] == "2026-11-02"
    rows = {row["patient"]: row for row in data["patients"]}
    met, short = rows[week["met"].pk], rows[week["short"].pk]
    assert (
        met["status"],
        met["required_hours"],
        met["scheduled_hours"],
        met["attended_hours"],
    ) == (
        "met",
        9.0,
        9.0,
        9.0,
    )
    assert [d["billing"] for d in met["days"]][:3] == ["per_diem", "none", "per_diem"]
    assert short["status"] == "short" and short["attended_hours"] == 3.0
    assert short["days"][0] == {
        "day": "2026-11-02",
        "hours": 3.0,
        "meets_daily_minimum": True,
        "billing": "per_diem",  # HCPCS H0015/S9480: a 3-hour day, whatever the week
    }
    assert (short["program_days"], short["program_days_required"]) == (1, 3)
    assert short["per_diem_rule"]["payer"] == ""
    assert "Short" not in json.dumps(data)  # internal ids and record numbers only, no names
    assert AuditEvent.objects.filter(action="export", organization_id_value=world.org_a.pk).exists()


def test_mid_week_projection_says_who_cannot_reach(world: Any, week: Any) -> None:
    data = json.loads(run("--week", "2026-11-02", "--json", "--as-of", "2026-11-05T12:00:00-05:00"))
    rows = {row["patient"]: row for row in data["patients"]}
    assert rows[week["short"].pk]["status"] == "short"
    assert rows[week["short"].pk]["cannot_reach"] is True
    assert rows[week["met"].pk]["status"] == "on_track"


def test_on_leave_status_appears(world: Any, week: Any) -> None:
    from openiop.delivery import services

    services.leave_create(
        actor=world.counselor_a1,
        patient=week["met"],
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 9),
        reason="Hospital stay",
    )
    data = json.loads(run("--week", "2026-11-02", "--json"))
    rows = {row["patient"]: row for row in data["patients"]}
    assert rows[week["met"].pk]["status"] == "on_leave"


def test_table_output_has_a_line_per_patient(world: Any, week: Any) -> None:
    out = run("--week", "2026-11-02", "--organization", str(world.org_a.pk))
    assert "Week of 2026-11-02" in out and "2 patient(s)." in out


@pytest.mark.parametrize(
    "args",
    [
        ["--week", "2026-13-01"],
        ["--week", "next week"],
        ["--week", "2026-11-02", "--as-of", "yesterday"],
        ["--week", "2026-11-02", "--as-of", "2026-11-05T12:00:00"],
        ["--week", "2026-11-02", "--organization", "999999"],
    ],
)
def test_bad_input_exits_2_with_a_message(db: None, args: list[str], capsys: Any) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("compliance", *args, stdout=io.StringIO(), stderr=err)
    assert exc.value.code == 2
    assert err.getvalue().startswith("compliance: ")


def test_the_openiop_console_command_exits_2_on_a_bad_date() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openiop.config.settings_test"}
    result = subprocess.run(
        [sys.executable, "-m", "openiop.cli", "compliance", "--week", "2026-02-30", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--week must be a date" in result.stderr


def test_enqueue_computes_the_report_on_the_task_queue_and_result_prints_it(
    world: Any, week: Any
) -> None:
    from openiop.core.testing_tasks import run_tasks
    from openiop.delivery.tasks import compliance_week

    as_of = "2026-11-10T00:00:00+00:00"
    direct = json.loads(run("--week", "2026-11-04", "--json", "--as-of", as_of))
    out = run("--week", "2026-11-04", "--as-of", as_of, "--enqueue")
    task_id = out.split("Queued as task ")[1].split(";")[0]
    exports = AuditEvent.objects.filter(action="export").count()
    with pytest.raises(SystemExit) as not_yet:
        call_command("compliance", "--result", task_id, stdout=io.StringIO(), stderr=io.StringIO())
    assert not_yet.value.code == 3  # no worker has run it yet
    run_tasks()
    stored = compliance_week.get_result(task_id).return_value
    assert stored is not None and stored["attempt"] == 1
    printed = json.loads(run("--result", task_id, "--json"))
    assert printed == stored
    # The same figures as the command computes itself, without record numbers.
    assert [{k: v for k, v in row.items() if k != "mrn"} for row in direct["patients"]] == (
        printed["patients"]
    )
    assert all("mrn" not in row for row in printed["patients"])
    by_task = AuditEvent.objects.filter(
        action="export", detail__startswith="compliance task for the week of 2026-11-02"
    )
    assert by_task.count() == 2  # one export event per organization, as the command writes
    # ... and reading the stored report is an export too (organization A's patients only).
    # Counted by this task's own events: another test's leftover task on the same worker
    # process may also run in `run_tasks()` and write its own export.
    assert (
        AuditEvent.objects.filter(action="export", detail__contains=task_id).count()
        + by_task.count()
        == 2 + 1
    )
    assert AuditEvent.objects.filter(action="export").count() >= exports + 2 + 1
    assert "2 patient(s)." in run("--result", task_id)
    assert (
        AuditEvent.objects.filter(
            action="export", detail=f"openiop compliance --result {task_id}: 2 patients"
        ).count()
        == 2
    )  # each reading of the stored report is an export too


def test_result_of_an_unknown_task_exits_2(db: None) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "compliance",
            "--result",
            "00000000-0000-0000-0000-000000000000",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert exc.value.code == 2 and "no compliance task" in err.getvalue()
