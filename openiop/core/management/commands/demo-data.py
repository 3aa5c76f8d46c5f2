"""`openiop demo-data --patients N --seed S`: load the synthetic demo organization and print
the demo logins with their TOTP keys.

Refuses unless OPENIOP_DEMO=1 is set (`make demo` sets it), so that demo users with printed
credentials never land in a production database by mistake. The data follows the seed; the
passwords and TOTP keys are new on every run and are printed only this once. Ends with
ANALYZE, so that the planner has statistics for the rows it just loaded.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openiop.core import db, demo
from openiop.organization.models import Organization


class Command(BaseCommand):
    help = "Load a seeded, realistic demo IOP organization (synthetic people only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients", type=int, default=60, help="number of patients (10 to 100000)"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if the demo organization exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if os.environ.get("OPENIOP_DEMO") != "1":
            raise CommandError(
                "demo-data creates users whose passwords are printed on screen, so it runs only "
                "on a demo database: set OPENIOP_DEMO=1 (make demo does)."
            )
        count = options["patients"]
        if not 1 <= count <= 100_000:
            raise CommandError("--patients must be between 1 and 100000")
        if Organization.objects.filter(name=demo.ORG_NAME).exists():
            if options["if_empty"]:
                self.stdout.write(
                    "Demo data already loaded; its logins were printed when it was created "
                    "(make demo keeps them in .local/demo-logins.txt)."
                )
                self.stdout.write("Lost them? Run make clean, then make demo again.")
                return
            raise CommandError("The demo organization already exists in this database.")
        result = demo.build_demo(seed=options["seed"], patients=count)
        # Statistics for the planner now, not whenever autovacuum comes by: the first pages
        # opened on thousands of fresh rows are otherwise planned from guesses (core.db).
        db.analyze()
        self.stdout.write(
            f"Loaded {result.patients} synthetic patients for {result.organization.name}.\n"
        )
        self.stdout.write(
            "Demo logins (password, then the 6-digit code from an authenticator app).\n"
            "They were generated for this database only and are not shown again:"
        )
        for login in result.logins:
            secret = base64.b32encode(bytes.fromhex(login.totp_key_hex)).decode()
            extra = f"  [{login.note}]" if login.note else ""
            self.stdout.write(
                f"  {login.username:<17} {login.password:<36} {login.role:<19} TOTP key {secret}{extra}"
            )
        self.stdout.write(
            "\nMFA: add the TOTP key to any authenticator app (FreeOTP, Aegis, Google Authenticator),\n"
            "or print the current code with:  make totp USER=director"
        )
