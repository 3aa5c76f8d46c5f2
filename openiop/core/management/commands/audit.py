"""`openiop audit verify`: check the whole hash chain; exit 0 if intact, 1 naming the
first bad event otherwise."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openiop.core import audit


class Command(BaseCommand):
    help = "Audit trail tools. `verify` checks the hash chain from the first event to the head."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="verify the hash chain")
        verify.add_argument("--json", action="store_true", help="print a JSON report")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit.verify()
        if options.get("json"):
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "checked": result.checked,
                        "first_bad_seq": result.first_bad_seq,
                        "problem": result.problem,
                    }
                )
            )
        elif result.ok:
            self.stdout.write(f"audit trail intact: {result.checked} events verified")
        else:
            self.stderr.write(
                f"audit trail BROKEN at event #{result.first_bad_seq}: {result.problem} ({result.checked} events verified before it)"
            )
        if not result.ok:
            raise SystemExit(1)
