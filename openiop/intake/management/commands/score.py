"""`openiop score INSTRUMENT --answers JSON`: score a screening instrument from the command line.

The contract other tools call: on success one JSON object with exactly the keys
instrument, total, band, subscores, flags and complete is printed and the exit status is 0. An
unknown instrument, malformed JSON, or invalid or incomplete answers print a message naming the
items to stderr and exit with status 2. All scoring lives in `openiop.domain.screening`.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from openiop.domain.screening import INSTRUMENTS, InvalidAnswers, UnknownInstrument, score

EXIT_INVALID = 2


class _DuplicateKeys(ValueError):
    """A JSON object repeats a key: json.loads would silently keep the last answer."""


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "true/false" if isinstance(value, bool) else "a number"


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise _DuplicateKeys(", ".join(repeated))
    return dict(pairs)


class Command(BaseCommand):
    help = (
        "Score a screening instrument and print one JSON object "
        '{"instrument", "total", "band", "subscores", "flags", "complete"}. '
        "Exit status 2 on an unknown instrument, malformed JSON or invalid answers."
    )
    requires_system_checks: list[str] = []  # pure computation: no database, no checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instrument", help=f"one of: {', '.join(INSTRUMENTS)}")
        parser.add_argument(
            "--answers",
            required=True,
            help='JSON object of answers keyed by item number, e.g. \'{"1": 0, "2": 3}\'',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            answers = json.loads(options["answers"], object_pairs_hook=_refuse_duplicates)
        except json.JSONDecodeError as exc:
            self._fail(f"--answers is not valid JSON: {exc}")
        except _DuplicateKeys as exc:
            self._fail(f"--answers names an item more than once: {exc}")
        if not isinstance(answers, dict):
            self._fail(f"--answers must be a JSON object, got {_json_kind(answers)}")
        try:
            result = score(options["instrument"], answers)
        except (UnknownInstrument, InvalidAnswers) as exc:
            self._fail(str(exc))
        self.stdout.write(json.dumps(result.to_dict()))

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(EXIT_INVALID)
