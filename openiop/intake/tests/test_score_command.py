"""The `openiop score INSTRUMENT --answers JSON` contract: six-key JSON and exit 0, or a
message naming the items on stderr and exit 2. No database is touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

CONTRACT_KEYS = {"instrument", "total", "band", "subscores", "flags", "complete"}
REPO = Path(__file__).resolve().parents[3]


def run(instrument: str, answers: str) -> tuple[int, str, str]:
    """Run the command in-process; return (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("score", instrument, answers=answers, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_scores_phq9_and_prints_exactly_the_six_contract_keys() -> None:
    answers = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}
    status, out, err = run("phq9", json.dumps(answers))
    assert (status, err) == (0, "")
    assert json.loads(out) == {
        "instrument": "phq9",
        "total": 7,
        "band": "mild",
        "subscores": {},
        "flags": ["suicidal_ideation"],
        "complete": True,
    }


def test_prints_subscores_and_null_total_where_the_instrument_has_them() -> None:
    audit = json.dumps({str(n): 4 for n in range(1, 9)} | {"9": 4, "10": 4})
    status, out, _ = run("audit", audit)
    result = json.loads(out)
    assert (status, set(result)) == (0, CONTRACT_KEYS)
    assert result["subscores"] == {"consumption": 12, "dependence": 12, "harm": 16}
    assert result["band"] == "possible_dependence"
    status, out, _ = run("cssrs", json.dumps({"1": True, "2": False, "6": True, "6b": True}))
    assert status == 0
    assert json.loads(out) == {
        "instrument": "cssrs",
        "total": None,
        "band": "high",
        "subscores": {},
        "flags": ["cssrs_high_risk"],
        "complete": True,
    }


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ('{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0}', ["item 9: missing"]),
        ('{"1": 0, "2": "1", "3": 4, "4": 1.0, "5": true, "6": 0, "7": 0, "8": 0, "9": 0}',
         ["item 2:", "item 3:", "item 4:", "item 5:"]),
        ('{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "9": 0, "10": 1}',
         ['unknown item "10"']),
    ],
)  # fmt: skip
def test_invalid_or_incomplete_answers_exit_2_naming_the_items(
    answers: str, named: list[str]
) -> None:
    status, out, err = run("phq9", answers)
    assert (status, out) == (2, "")
    for fragment in named:
        assert fragment in err


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        ("phq-9", "{}", "unknown instrument 'phq-9'"),
        ("phq9", '{"1": ', "not valid JSON"),
        ("phq9", "[0, 1, 2]", "must be a JSON object, got an array"),
        ("phq9", '"0,1,2"', "must be a JSON object, got a string"),
        ("phq9", '{"1": 0, "1": 3}', "names an item more than once: 1"),
    ],
)
def test_unknown_instrument_or_malformed_json_exit_2(
    instrument: str, answers: str, message: str
) -> None:
    status, out, err = run(instrument, answers)
    assert (status, out) == (2, "")
    assert message in err


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get(
        "DJANGO_SETTINGS_MODULE", "openiop.config.settings_test"
    )}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "openiop.cli", "score", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )


def test_console_entry_point_exit_statuses() -> None:
    ok = _cli("gad7", "--answers", json.dumps({str(n): 2 for n in range(1, 8)}))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {
        "instrument": "gad7",
        "total": 14,
        "band": "moderate",
        "subscores": {},
        "flags": ["gad7_positive"],
        "complete": True,
    }
    bad = _cli("gad7", "--answers", '{"1": 2}')
    assert (bad.returncode, bad.stdout) == (2, "")
    assert "item 7: missing answer" in bad.stderr
    no_answers = _cli("gad7")
    assert no_answers.returncode == 2
    assert "--answers" in no_answers.stderr
