"""`openiop audit verify` and `openiop audit checkpoint`.

`verify` checks the whole hash chain; exit 0 if intact, 1 naming the first bad event
otherwise. With `--checkpoint FILE` (repeatable) it also checks that each checkpoint's
signature is valid and that the chain still reaches the event it names, unchanged (exit 1
if not); an unreadable or malformed checkpoint file exits 2 before anything is checked.

`checkpoint -o FILE` writes a signed checkpoint of the chain's head to a new file (never
over an existing one: an older checkpoint is evidence) or to standard output with `-o -`.
Ship the files to write-once storage; see the operations guide.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openiop.core import audit


def _read_checkpoint(name: str) -> audit.Checkpoint:
    path = Path(name)
    try:
        with path.open("rb") as f:
            raw = f.read(audit.CHECKPOINT_MAX_BYTES + 1)
    except OSError as exc:
        raise CommandError(
            f"cannot read checkpoint {path}: {exc.strerror or exc}", returncode=2
        ) from exc
    try:
        if len(raw) > audit.CHECKPOINT_MAX_BYTES:
            raise audit.CheckpointFormatError(f"larger than {audit.CHECKPOINT_MAX_BYTES} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise audit.CheckpointFormatError("not UTF-8 text") from exc
        return audit.checkpoint_parse(text)
    except audit.CheckpointFormatError as exc:
        raise CommandError(f"malformed checkpoint {path}: {exc}", returncode=2) from exc


def _write_new_file(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, refusing to replace an existing file.

    The data goes to a temporary file in the same directory, is flushed to disk, then
    hard-linked into place: the link appears complete or not at all, and fails if the name is
    taken. File systems without hard links fall back to a rename after an existence check.
    """
    directory = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=".audit-checkpoint-", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        tmp.chmod(0o644)  # nothing secret: a sequence number, a digest and a signature
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:
            if path.exists():
                raise FileExistsError(path) from None
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    with contextlib.suppress(OSError):  # make the new name durable too (POSIX only)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Command(BaseCommand):
    help = (
        "Audit trail tools. `verify` checks the hash chain from the first event to the head "
        "(and against checkpoints); `checkpoint` writes a signed checkpoint of the head."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="verify the hash chain")
        verify.add_argument("--json", action="store_true", help="print a JSON report")
        verify.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="also check a checkpoint written earlier (repeatable)",
        )
        checkpoint = sub.add_parser("checkpoint", help="write a signed checkpoint of the head")
        checkpoint.add_argument(
            "-o",
            "--output",
            required=True,
            metavar="FILE",
            help="new file to write (an existing file is never replaced); - for standard output",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            self._checkpoint(options["output"])
        else:
            self._verify(options["checkpoint"], as_json=bool(options.get("json")))

    def _checkpoint(self, output: str) -> None:
        try:
            checkpoint = audit.checkpoint_create()
        except audit.CheckpointHeadError as exc:
            self.stderr.write(f"no checkpoint written: {exc}")
            raise SystemExit(1) from exc
        text = checkpoint.to_json()
        if output == "-":
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        try:
            _write_new_file(path, text)
        except FileExistsError as exc:
            raise CommandError(
                f"{path} exists; checkpoints are never overwritten (choose a new name)",
                returncode=2,
            ) from exc
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}", returncode=2) from exc
        self.stdout.write(f"checkpoint of event #{checkpoint.sequence} written to {path}")

    def _verify(self, checkpoint_files: list[str], *, as_json: bool) -> None:
        checkpoints = [(name, _read_checkpoint(name)) for name in checkpoint_files]
        result = audit.verify()
        reports = []
        for name, checkpoint in checkpoints:
            if not checkpoint.signature_ok():
                problem = "checkpoint signature invalid (file altered, or another key)"
            else:
                problem = audit.checkpoint_problem(checkpoint)
            reports.append({"file": name, "sequence": checkpoint.sequence, "problem": problem})
        ok = result.ok and not any(r["problem"] for r in reports)
        if as_json:
            report: dict[str, Any] = {
                "ok": ok,
                "checked": result.checked,
                "first_bad_seq": result.first_bad_seq,
                "problem": result.problem,
            }
            if reports:
                report["checkpoints"] = [{**r, "ok": not r["problem"]} for r in reports]
            self.stdout.write(json.dumps(report))
        else:
            if ok:
                self.stdout.write(f"audit trail intact: {result.checked} events verified")
            elif result.ok:
                self.stdout.write(
                    f"hash chain consistent: {result.checked} events verified, "
                    "but a checkpoint fails"
                )
            else:
                self.stderr.write(
                    f"audit trail BROKEN at event #{result.first_bad_seq}: {result.problem} "
                    f"({result.checked} events verified before it)"
                )
            for r in reports:
                if r["problem"]:
                    self.stderr.write(f"audit trail BROKEN: checkpoint {r['file']}: {r['problem']}")
                else:
                    self.stdout.write(
                        f"checkpoint {r['file']}: the chain reaches event #{r['sequence']} "
                        "unchanged"
                    )
        if not ok:
            raise SystemExit(1)
