"""`openiop placement recommend --input FILE.json`: JSON out and exit 0, or every problem on
stderr and exit 2 (no traceback). No database is touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parents[3]
KEYS = {
    "level",
    "withdrawal_management_first",
    "urgent_evaluation",
    "adolescent",
    "dimensions",
    "reasons",
}
AUDIT_23 = dict(zip([str(n) for n in range(1, 11)], [4, 3, 3, 2, 2, 1, 2, 2, 0, 4], strict=True))
FACTS = {
    "must_work_or_study": True,
    "supportive_home": True,
    "stable_housing": True,
    "withdrawal_seizure_history": False,
    "withdrawal_delirium_history": False,
    "prior_treatment_episodes": 0,
}
WORKING_ADULT = {
    "age": 34,
    "screenings": {
        "audit": AUDIT_23,
        "ciwa-ar": {"total": 6},
        "phq9": {"total": 8},
        "cssrs": {"1": False, "2": False, "6": False},
    },
    "facts": FACTS,
}


def run(tmp_path: Path, data: Any, *, raw: str | None = None) -> tuple[int, str, str]:
    path = tmp_path / "input.json"
    path.write_text(raw if raw is not None else json.dumps(data), encoding="utf-8")
    out, err = StringIO(), StringIO()
    try:
        call_command("placement", "recommend", "--input", str(path), stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def ok(tmp_path: Path, data: Any) -> dict[str, Any]:
    status, out, err = run(tmp_path, data)
    assert (status, err) == (0, ""), err
    result = json.loads(out)
    assert set(result) == KEYS
    return result


def test_working_adult_with_audit_23_and_ciwa_6_is_level_2_1(tmp_path: Path) -> None:
    result = ok(tmp_path, WORKING_ADULT)
    assert result["level"] == "2.1"
    assert (result["withdrawal_management_first"], result["urgent_evaluation"]) == (False, False)
    assert result["adolescent"] is False
    assert set(result["dimensions"]) == {"1", "2", "3", "4", "5", "6"}
    assert result["dimensions"]["5"]["rating"] == 2
    assert (
        "AUDIT zone IV, possible dependence (20+): score 23 (rating 2)"
        in (result["dimensions"]["5"]["evidence"])
    )
    assert result["dimensions"]["2"] == {"rating": None, "evidence": []}
    assert all(set(r) == {"text", "source"} for r in result["reasons"])
    texts = " ".join(r["text"] for r in result["reasons"])
    assert "must keep working or studying" in texts and "support at home" in texts
    assert "PL-" not in texts  # no rule codes in what people read


def test_ciwa_19_with_a_seizure_history_means_withdrawal_management_first(
    tmp_path: Path,
) -> None:
    data = {
        "age": 45,
        "screenings": {"ciwa-ar": {"total": 19}},
        "facts": FACTS | {"withdrawal_seizure_history": True},
    }
    result = ok(tmp_path, data)
    assert result["withdrawal_management_first"] is True
    assert any("History of withdrawal seizures" in r["text"] for r in result["reasons"])
    assert result["dimensions"]["1"]["rating"] == 3


def test_sixteen_year_old_with_positive_crafft_gets_the_adolescent_level(tmp_path: Path) -> None:
    crafft = {"a1": 10, "a2": 5, "a3": 0} | {f"b{n}": n <= 2 for n in range(1, 7)}
    result = ok(tmp_path, {"age": 16, "screenings": {"crafft": crafft}})
    assert (result["level"], result["adolescent"]) == ("2.1", True)
    assert any("adolescent track" in r["text"] for r in result["reasons"])


def test_high_cssrs_asks_for_urgent_evaluation(tmp_path: Path) -> None:
    cssrs = {"1": True, "2": True, "3": True, "4": True, "5": False, "6": False}
    result = ok(tmp_path, {"age": 30, "screenings": {"cssrs": cssrs}})
    assert result["urgent_evaluation"] is True
    assert any("before any outpatient level" in r["text"] for r in result["reasons"])


def test_facts_may_be_left_out_and_are_then_unknown(tmp_path: Path) -> None:
    result = ok(tmp_path, {"age": 30})
    assert all(d["rating"] is None for d in result["dimensions"].values())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"age": 34.5}, "age must be a whole number of years, got 34.5"),
        ({"age": 34.0}, "age must be a whole number of years, got 34.0"),
        ({"age": "34"}, 'age must be a whole number of years, got "34"'),
        ({"age": True}, "age must be a whole number of years, got true"),
        ({}, "age is required"),
        ({"age": 200}, "age must be 0-130 years"),
        ({"age": 34, "screenings": []}, "screenings must be an object, got an array"),
        ({"age": 34, "facts": "yes"}, "facts must be an object, got a string"),
        ({"age": 34, "screenings": {"phq10": {"total": 3}}}, "unknown instrument 'phq10'"),
        ({"age": 34, "screenings": {"audit": 23}}, "screenings.audit must be an object"),
        ({"age": 34, "screenings": {"audit": {"total": "23"}}}, "audit: total must be a whole"),
        ({"age": 34, "screenings": {"audit": {"total": 41}}}, "audit: total must be 0-40"),
        ({"age": 34, "screenings": {"cssrs": {"total": 1}}}, "cssrs has no total"),
        (
            {"age": 34, "screenings": {"audit": AUDIT_23 | {"9": 1}}},
            "audit: invalid or incomplete answers: item 9",
        ),
        ({"age": 34, "screenings": {"audit": {"1": 4}}}, "item 2: missing"),
        ({"age": 34, "facts": {"supportive_home": "yes"}}, "supportive_home must be true or false"),
        (
            {"age": 34, "facts": {"prior_treatment_episodes": 1.5}},
            "prior_treatment_episodes must be a whole number",
        ),
        ({"age": 34, "facts": {"prior_treatment_episodes": -1}}, "0 or more"),
        ({"age": 34, "facts": {"pets": True}}, "unknown fact 'pets'"),
        ({"age": 34, "extra": 1}, "unknown key 'extra'"),
        ([1, 2], "the input must be a JSON object, got an array"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path, data: Any, message: str) -> None:
    status, out, err = run(tmp_path, data)
    assert (status, out) == (2, "")
    assert message in err
    assert "Traceback" not in err


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    data = {"age": 3.5, "screenings": {"nope": {}}, "facts": {"stable_housing": 1}}
    status, _, err = run(tmp_path, data)
    assert status == 2
    assert "age" in err and "nope" in err and "stable_housing" in err


@pytest.mark.parametrize(
    ("raw", "message"),
    [("{", "is not valid JSON"), ('{"age": 30, "age": 31}', "names a key more than once: age")],
)
def test_malformed_json_exits_2(tmp_path: Path, raw: str, message: str) -> None:
    status, out, err = run(tmp_path, None, raw=raw)
    assert (status, out) == (2, "") and message in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "placement", "recommend", "--input", str(tmp_path / "no.json"), stdout=out, stderr=err
        )
    assert exc.value.code == 2 and "cannot read" in err.getvalue()


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get(
        "DJANGO_SETTINGS_MODULE", "openiop.config.settings_test"
    )}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "openiop.cli", "placement", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_console_entry_point(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(WORKING_ADULT), encoding="utf-8")
    good = _cli("recommend", "--input", str(path))
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["level"] == "2.1"
    from_stdin = _cli("recommend", "--input", "-", stdin='{"age": 34.5}')
    assert (from_stdin.returncode, from_stdin.stdout) == (2, "")
    assert "whole number of years" in from_stdin.stderr
    assert "Traceback" not in from_stdin.stderr
    no_input = _cli("recommend")
    assert no_input.returncode == 2 and "--input" in no_input.stderr


def test_a_phq9_total_of_27_without_cssrs_asks_for_a_cssrs_screen(tmp_path: Path) -> None:
    """Item 9 is unknown when only the total is given: not read as "no suicide risk"."""
    result = ok(tmp_path, {"age": 30, "screenings": {"phq9": {"total": 27}}})
    texts = " ".join(r["text"] for r in result["reasons"])
    assert "C-SSRS" in texts and "before any outpatient level" in texts
    assert result["urgent_evaluation"] is False  # required screen, no urgency claimed


def test_unknown_withdrawal_history_is_asked_not_read_as_no(tmp_path: Path) -> None:
    data = {"age": 45, "screenings": {"audit": AUDIT_23, "ciwa-ar": {"total": 12}}}
    result = ok(tmp_path, data)
    texts = " ".join(r["text"] for r in result["reasons"])
    assert "had withdrawal seizures or withdrawal delirium in the past is not recorded" in texts
    assert "without complicating factors" not in texts
    assert not any("No withdrawal" in e for e in result["dimensions"]["1"]["evidence"])
    answered = {"withdrawal_seizure_history": False, "withdrawal_delirium_history": False}
    texts = " ".join(r["text"] for r in ok(tmp_path, data | {"facts": answered})["reasons"])
    assert "in the past is not recorded" not in texts
