"""`openiop icd10 CODE`: check a diagnosis code against the ICD-10-CM code set the app uses.

The contract other tools call: one JSON object with exactly the keys code (normalised: case and
the dot, so ``f1020`` is ``F10.20``), valid, billable and description (null when the code does
not exist) is printed. The exit status is 0 when the code is valid and billable, 2 otherwise
(a code that does not exist, a category heading, or malformed input); the reason and, for a
heading, its billable codes go to stderr. All rules live in `openiop.domain.diagnosis.icd10`.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openiop.domain.diagnosis import icd10

EXIT_NOT_BILLABLE = 2


class Command(BaseCommand):
    help = (
        f"Check an ICD-10-CM code ({icd10.CODE_SET_VERSION}, {icd10.CODE_SET_RELEASE}) and print "
        '{"code", "valid", "billable", "description"}. Exit status 0 when the code is valid and '
        "billable, 2 otherwise."
    )
    requires_system_checks: list[str] = []  # pure computation: no database, no checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="an ICD-10-CM code, e.g. F10.20 (or f1020)")

    def handle(self, *args: Any, **options: Any) -> None:
        checked = icd10.check(options["code"])
        self.stdout.write(json.dumps(checked.to_dict()))
        if not checked.ok:
            self.stderr.write(checked.error)
            raise SystemExit(EXIT_NOT_BILLABLE)
