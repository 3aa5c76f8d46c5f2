"""`openiop schedule solve|validate|generate`: the command-line contract."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from openiop.domain.scheduling import parse_problem, parse_solution, validate


def _run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("schedule", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    code, out, _ = _run(
        "generate", "--patients", "40", "--seed", "4", "--planted", str(tmp_path / "planted.json")
    )
    assert code == 0
    path = tmp_path / "instance.json"
    path.write_text(out)
    return path


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_generate_prints_a_seeded_instance_and_its_planted_schedule(instance: Path) -> None:
    problem = parse_problem(json.loads(instance.read_text()))
    assert len(problem.patients) == 40
    planted = parse_solution(json.loads((instance.parent / "planted.json").read_text()))
    assert validate(problem, planted).shortfall_hours == 0
    assert _run("generate", "--patients", "40", "--seed", "4")[1] == instance.read_text()


def test_solve_writes_a_valid_solution_with_stats(instance: Path) -> None:
    target = instance.parent / "solution.json"
    code, out, _ = _run(
        "solve", str(instance), "-o", str(target), "--time-limit", "5", "--workers", "1"
    )
    assert code == 0
    assert out.startswith(f"wrote {target}: OPTIMAL, shortfall 0 h")
    document = json.loads(target.read_text())
    assert document["format"] == "iop-week-solution/1"
    stats = document["stats"]
    assert stats["solver"] == "cp-sat" and stats["status"] == "OPTIMAL"
    assert stats["shortfall_hours"] == 0 and stats["shortfalls"] == []
    assert {"seconds", "lower_bound", "gap"} <= set(stats)
    problem = parse_problem(json.loads(instance.read_text()))
    assert validate(problem, parse_solution(document)).valid


def test_solve_prints_to_stdout_and_explains_shortfalls(tmp_path: Path) -> None:
    code, out, _ = _run("generate", "--patients", "30", "--seed", "2", "--no-plant")
    path = _write(tmp_path, "instance.json", out)
    code, out, _ = _run("solve", str(path), "--time-limit", "3")
    assert code == 0
    stats = json.loads(out)["stats"]
    assert stats["shortfall_hours"] > 0
    assert stats["shortfalls"], "patients below their minimum are listed"
    assert all(
        set(s) == {"patient", "short_hours", "reason"} and s["reason"] for s in stats["shortfalls"]
    )


def test_validate_reports_a_valid_solution_and_exits_0(instance: Path) -> None:
    code, out, _ = _run("validate", str(instance), str(instance.parent / "planted.json"))
    assert code == 0
    report = json.loads(out)
    assert set(report) == {
        "valid",
        "errors",
        "shortfall_hours",
        "patients_meeting_minimum",
        "groups",
        "counselor_hours",
    }
    assert report["valid"] is True and report["patients_meeting_minimum"] == 40


def test_validate_reports_an_invalid_solution_and_exits_1(instance: Path) -> None:
    planted = json.loads((instance.parent / "planted.json").read_text())
    planted["groups"][0]["patients"] = planted["groups"][0]["patients"][:1]
    broken = _write(instance.parent, "broken.json", planted)
    code, out, _ = _run("validate", str(instance), str(broken))
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert any(
        e.startswith(f"[2] group {planted['groups'][0]['id']}: 1 patients")
        for e in report["errors"]
    )


def test_a_missing_file_exits_2_naming_it(tmp_path: Path) -> None:
    code, out, err = _run("solve", str(tmp_path / "nowhere.json"))
    assert (code, out) == (2, "")
    assert f"cannot read {tmp_path / 'nowhere.json'}" in err


def test_malformed_json_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.json", '{"week_start": ')
    code, _, err = _run("solve", str(path))
    assert code == 2
    assert f"{path} is not valid JSON" in err


def test_a_repeated_json_key_exits_2(instance: Path) -> None:
    path = _write(
        instance.parent, "twice.json", '{"week_start": "2026-12-07", "week_start": "2026-12-14"}'
    )
    code, _, err = _run("solve", str(path))
    assert code == 2
    assert "repeats the key(s) week_start" in err


def test_unknown_ids_exit_2_naming_the_entries(instance: Path) -> None:
    data = json.loads(instance.read_text())
    data["patients"][0]["tracks"] = ["gambling"]
    data["counselors"][0]["blocks"].append("sun-ev")
    path = _write(instance.parent, "unknown.json", data)
    code, _, err = _run("solve", str(path))
    assert code == 2
    assert "patients[p0001].tracks: unknown track 'gambling'" in err
    assert "counselors[c001].blocks: unknown block 'sun-ev'" in err


def test_contradictory_data_exits_2(instance: Path) -> None:
    data = json.loads(instance.read_text())
    data["week_start"] = "2026-12-09"
    data["tracks"][0]["min_group"] = 20
    path = _write(instance.parent, "contradictory.json", data)
    code, _, err = _run("validate", str(path), str(instance.parent / "planted.json"))
    assert code == 2
    assert "week_start: 2026-12-09 is a Wednesday, not a Monday" in err
    assert f"tracks[{data['tracks'][0]['id']}]: min_group 20 > max_group" in err


def test_a_malformed_solution_exits_2(instance: Path) -> None:
    path = _write(instance.parent, "solution.json", {"groups": [{"id": "g1"}]})
    code, _, err = _run("validate", str(instance), str(path))
    assert code == 2
    assert "groups[g1].track: is required" in err


def test_bad_numbers_on_the_command_line_exit_2(instance: Path) -> None:
    assert _run("solve", str(instance), "--time-limit", "0")[0] == 2
    assert _run("generate", "--patients", "0", "--seed", "1")[0] == 2


def test_the_console_script_exits_2_on_bad_input(instance: Path) -> None:
    # The real process: `openiop` (openiop.cli) maps `schedule ...` onto this command.
    # An instance given as the solution is refused by its format, naming the file.
    command = [
        sys.executable,
        "-m",
        "openiop.cli",
        "schedule",
        "validate",
        str(instance),
        str(instance),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{instance}: format: expected 'iop-week-solution/1', got 'iop-week/1'" in done.stderr
