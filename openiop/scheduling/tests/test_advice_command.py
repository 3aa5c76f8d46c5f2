"""`openiop schedule advise`: what would close a shortfall, as JSON; bad files exit 2."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from openiop.domain.scheduling import parse_problem, solution_to_dict, validate
from openiop.domain.scheduling.advise import Advice, apply
from openiop.domain.scheduling.model import Counselor, Room
from openiop.domain.scheduling.tests.factories import group, solution

BLOCKS = ["mon-am", "tue-am", "wed-am"]


def _run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("schedule", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _instance() -> dict[str, Any]:
    """Three patients need 6 h; room a1 is open on Monday only."""
    return {
        "format": "iop-week/1",
        "week_start": "2026-12-07",
        "blocks": [{"id": b, "day": b[:3], "start": "09:00", "end": "12:00"} for b in BLOCKS],
        "tracks": [{"id": "sud", "min_group": 2, "max_group": 4}],
        "rooms": [{"id": "a1", "site": "A", "capacity": 4, "blocks": ["mon-am"]}],
        "counselors": [{"id": "c1", "tracks": ["sud"], "blocks": BLOCKS, "site": "A"}],
        "patients": [
            {
                "id": f"p{i}",
                "site": "A",
                "tracks": ["sud"],
                "min_hours": 6,
                "max_hours": 9,
                "blocks": BLOCKS,
            }
            for i in (1, 2, 3)
        ],
    }


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(_instance()))
    return path


def test_advise_solves_first_and_prints_the_advice(instance: Path) -> None:
    code, out, err = _run("advise", str(instance))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["format"] == "iop-week-advice/1" and doc["schedule"] == "greedy"
    assert doc["shortfall_hours"] == 9 and doc["short_patients"] == 3 and doc["valid"]
    first = doc["advice"][0]
    assert first["rank"] == 1 and first["kind"] == "room"
    assert first["shortfall_hours_before"] == 9 and first["shortfall_hours_after"] == 0
    assert first["patients_helped"] == 3
    assert first["changes"]["rooms"][0]["id"] == "a1"
    # The printed change, applied to the instance, lets a schedule close the shortfall.
    problem = parse_problem(_instance())
    printed = first["changes"]["rooms"][0]
    changed_room = Room(**{**printed, "blocks": tuple(printed["blocks"])})
    assert set(changed_room.blocks) == {"mon-am", first["block"]}
    advice = Advice(
        kind="room", description="", block=first["block"], track="sud", place="A",
        rooms=(changed_room,), counselors=(), groups=(), shortfall_before=9,
        shortfall_after=0, short_patients=3, patients_helped=3,
        patients_reaching_minimum=3, cost=1,
    )  # fmt: skip
    changed = apply(problem, advice)
    two_days = solution(
        [
            group("g1", "sud", "mon-am", "c1", "a1", "p1", "p2", "p3"),
            group("g2", "sud", first["block"], "c1", "a1", "p1", "p2", "p3"),
        ]
    )
    assert validate(changed, two_days).valid and validate(changed, two_days).shortfall_hours == 0


def test_advise_reads_a_given_solution(instance: Path, tmp_path: Path) -> None:
    monday = solution([group("g1", "sud", "mon-am", "c1", "a1", "p1", "p2")])
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(solution_to_dict(monday)))
    code, out, _ = _run("advise", str(instance), "--solution", str(path), "--top", "1")
    doc = json.loads(out)
    assert code == 0 and doc["schedule"] == "given" and doc["shortfall_hours"] == 12
    assert len(doc["advice"]) == 1


def test_advise_says_when_there_is_nothing_to_close(tmp_path: Path) -> None:
    data = _instance()
    data["rooms"][0]["blocks"] = BLOCKS
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data))
    code, out, _ = _run("advise", str(path))
    doc = json.loads(out)
    assert code == 0 and doc["shortfall_hours"] == 0 and doc["advice"] == []


def test_advise_can_solve_with_cp_sat_first(instance: Path) -> None:
    code, out, _ = _run("advise", str(instance), "--time-limit", "5")
    doc = json.loads(out)
    assert code == 0 and doc["schedule"] == "cp-sat" and doc["advice"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"format": "iop-week/1", "week_start": "2026-12-08"}', "not a Monday"),
        ("[]", "problem"),
    ],
)
def test_bad_instances_exit_2_with_a_message(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = _run("advise", str(path))
    assert code == 2 and message in err and out == ""
    assert "Traceback" not in err


def test_a_missing_file_or_bad_solution_or_limit_exits_2(instance: Path, tmp_path: Path) -> None:
    code, _, err = _run("advise", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err
    bad = tmp_path / "solution.json"
    bad.write_text(json.dumps({"format": "iop-week-solution/1", "groups": [{"id": 1}]}))
    code, _, err = _run("advise", str(instance), "--solution", str(bad))
    assert code == 2 and "solution.json" in err
    code, _, err = _run("advise", str(instance), "--limit", "0")
    assert code == 2 and "--limit" in err
    code, _, err = _run("advise", str(instance), "--time-limit", "-1")
    assert code == 2 and "--time-limit" in err


def test_counselor_changes_print_in_the_exchange_format(tmp_path: Path) -> None:
    data = _instance()
    data["rooms"][0]["blocks"] = BLOCKS
    data["counselors"][0]["blocks"] = ["mon-am"]
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data))
    doc = json.loads(_run("advise", str(path))[1])
    first = doc["advice"][0]
    assert first["kind"] == "counselor_hours"
    (c,) = first["changes"]["counselors"]
    counselor = Counselor(**{**c, "tracks": tuple(c["tracks"]), "blocks": tuple(c["blocks"])})
    assert counselor.id == "c1" and first["block"] in counselor.blocks
