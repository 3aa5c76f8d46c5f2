"""Signed checkpoints catch what the chain alone cannot: a cut tail with a rewritten head,
an emptied table, and a chain cut then written again; a tampered or malformed checkpoint
file is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from openiop.core import audit
from openiop.core.models import AuditEvent, AuditHead
from openiop.core.tests.test_audit import _events, tamper

pytestmark = pytest.mark.django_db


def _checkpoint(tmp_path: Path, name: str = "checkpoint.json") -> Path:
    path = tmp_path / name
    call_command("audit", "checkpoint", "-o", str(path))
    return path


def _verify(*checkpoints: Path) -> tuple[int, str, str]:
    """Run `audit verify --checkpoint ...`; return (exit code, stdout, stderr)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    args = [a for p in checkpoints for a in ("--checkpoint", str(p))]
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _cut_tail(keep: int) -> None:
    """The attack: delete every event after `keep` and make the head name the new last one.

    Needs no key: the head only repeats the last event's stored digest."""
    last = AuditEvent.objects.get(seq=keep)
    with tamper():
        AuditEvent.objects.filter(seq__gt=keep).delete()
    AuditHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash)


def test_checkpoint_file_names_the_head_and_is_signed(tmp_path: Path) -> None:
    events = _events(5)
    data = json.loads(_checkpoint(tmp_path).read_text())
    assert set(data) == {"format", "sequence", "digest", "created_at", "signature"}
    assert data["format"] == "openiop-audit-checkpoint/1"
    assert data["sequence"] == 5 and data["digest"] == events[-1].hash
    assert data["created_at"].endswith("+00:00")
    assert audit.checkpoint_parse(json.dumps(data)).signature_ok()


def test_intact_chain_reaches_its_checkpoint(tmp_path: Path) -> None:
    _events(30)
    path = _checkpoint(tmp_path)
    _events(5)  # the chain grows after the checkpoint: still fine
    code, out, err = _verify(path)
    assert code == 0, err
    assert "35 events verified" in out and "reaches event #30 unchanged" in out


def test_cut_tail_with_rewritten_head_passes_plain_verify_but_not_the_checkpoint(
    tmp_path: Path,
) -> None:
    _events(50)
    path = _checkpoint(tmp_path)
    _cut_tail(keep=30)
    assert audit.verify().ok  # the gap this feature closes
    code, _out, err = _verify(path)
    assert code == 1
    assert (
        "the chain no longer reaches checkpoint seq 50: events deleted from the end or "
        "table emptied" in err
    )


def test_cut_tail_then_new_events_differ_from_the_checkpoint(tmp_path: Path) -> None:
    _events(50)
    path = _checkpoint(tmp_path)
    _cut_tail(keep=30)
    _events(25)  # the application goes on writing: #50 exists again, with other content
    assert audit.verify().ok
    code, _out, err = _verify(path)
    assert code == 1 and "event #50 differs from the checkpoint" in err


def test_emptied_table_and_head_fail_against_the_checkpoint(tmp_path: Path) -> None:
    _events(10)
    path = _checkpoint(tmp_path)
    with tamper():
        AuditEvent.objects.all().delete()
    AuditHead.objects.all().delete()
    assert audit.verify().ok and audit.verify().checked == 0
    code, _out, err = _verify(path)
    assert code == 1 and "no longer reaches checkpoint seq 10" in err


@pytest.mark.parametrize(
    ("field", "value"),
    [("sequence", 3), ("digest", "0" * 64), ("created_at", "2020-01-01T00:00:00+00:00")],
)
def test_tampered_checkpoint_file_is_refused(tmp_path: Path, field: str, value: object) -> None:
    _events(10)
    path = _checkpoint(tmp_path)
    data = json.loads(path.read_text())
    data[field] = value
    path.write_text(json.dumps(data))
    code, _out, err = _verify(path)
    assert code == 1 and "checkpoint signature invalid" in err


def test_checkpoint_signed_with_another_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _events(3)
    monkeypatch.setenv("AUDIT_HMAC_KEY", "a-different-key-held-by-someone-else")
    path = _checkpoint(tmp_path)
    monkeypatch.delenv("AUDIT_HMAC_KEY")
    code, _out, err = _verify(path)
    assert code == 1 and "checkpoint signature invalid" in err


def test_every_checkpoint_given_is_checked(tmp_path: Path) -> None:
    _events(10)
    early = _checkpoint(tmp_path, "early.json")
    _events(10)
    late = _checkpoint(tmp_path, "late.json")
    assert _verify(early, late)[0] == 0
    _cut_tail(keep=15)
    code, _out, err = _verify(early, late)
    assert code == 1 and "late.json" in err and "early.json" not in err


def test_json_report_includes_the_checkpoints(tmp_path: Path) -> None:
    from io import StringIO

    _events(4)
    path = _checkpoint(tmp_path)
    _cut_tail(keep=2)
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("audit", "verify", "--json", "--checkpoint", str(path), stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is False and report["problem"] == ""
    assert report["checkpoints"][0]["sequence"] == 4 and not report["checkpoints"][0]["ok"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not JSON"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"format": "openiop-audit-checkpoint/1"}', "missing"),
        (b"\xff\xfe", "not UTF-8"),
        (b" " * 5000, "larger than"),
    ],
)
def test_malformed_checkpoint_file_exits_2(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--checkpoint", str(path))
    assert exc.value.returncode == 2
    assert "malformed checkpoint" in str(exc.value) and reason in str(exc.value)


def test_checkpoint_fields_of_the_wrong_shape_exit_2(tmp_path: Path) -> None:
    _events(2)
    good = json.loads(_checkpoint(tmp_path).read_text())
    for i, (field, value) in enumerate(
        [
            ("format", "openiop-audit-checkpoint/9"),
            ("sequence", -1),
            ("sequence", "2"),
            ("sequence", True),
            ("digest", "XYZ"),
            ("signature", 42),
            ("created_at", "yesterday"),
            ("created_at", "2026-11-27T10:00:00"),  # no UTC offset
        ]
    ):
        path = tmp_path / f"bad-{i}.json"
        path.write_text(json.dumps({**good, field: value}))
        with pytest.raises(CommandError) as exc:
            call_command("audit", "verify", "--checkpoint", str(path))
        assert exc.value.returncode == 2, (field, value)


def test_missing_checkpoint_file_exits_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--checkpoint", str(tmp_path / "nowhere.json"))
    assert exc.value.returncode == 2 and "cannot read checkpoint" in str(exc.value)


def test_malformed_checkpoint_from_the_command_line_is_one_clear_line(tmp_path: Path) -> None:
    """As an operator sees it: exit status 2 and a message, no traceback (no database needed:
    the file is read before anything else)."""
    path = tmp_path / "bad.json"
    path.write_text("{oops")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openiop.config.settings_test"}
    result = subprocess.run(
        [sys.executable, "-m", "openiop.cli", "audit", "verify", "--checkpoint", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "malformed checkpoint" in result.stderr and "Traceback" not in result.stderr


def test_checkpoint_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    _events(2)
    path = _checkpoint(tmp_path)
    before = path.read_text()
    _events(2)
    with pytest.raises(CommandError) as exc:
        call_command("audit", "checkpoint", "-o", str(path))
    assert exc.value.returncode == 2 and "never overwritten" in str(exc.value)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json"]  # no temp left


def test_checkpoint_to_standard_output(tmp_path: Path) -> None:
    from io import StringIO

    _events(3)
    out = StringIO()
    call_command("audit", "checkpoint", "-o", "-", stdout=out)
    path = tmp_path / "piped.json"
    path.write_text(out.getvalue())
    assert json.loads(out.getvalue())["sequence"] == 3
    assert _verify(path)[0] == 0


def test_checkpoint_of_an_empty_trail_is_valid(tmp_path: Path) -> None:
    path = _checkpoint(tmp_path)
    assert json.loads(path.read_text())["sequence"] == 0
    assert _verify(path)[0] == 0


def test_no_checkpoint_when_the_head_names_a_missing_event(tmp_path: Path) -> None:
    _events(3)
    AuditHead.objects.filter(pk=1).update(seq=9)
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "checkpoint", "-o", str(tmp_path / "c.json"))
    assert exc.value.code == 1
    assert not (tmp_path / "c.json").exists()
