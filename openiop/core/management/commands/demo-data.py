"""`openiop demo-data --patients N --seed S`: load the synthetic demo organization and print
the demo logins with their TOTP keys."""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openiop.core import demo
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
        count = options["patients"]
        if not 1 <= count <= 100_000:
            raise CommandError("--patients must be between 1 and 100000")
        if Organization.objects.filter(name=demo.ORG_NAME).exists():
            if options["if_empty"]:
                self.stdout.write(
                    "Demo data already loaded; logins were printed when it was created."
                )
                self.stdout.write("Forgot them? Delete openiop.sqlite3 and run the demo again.")
                return
            raise CommandError("The demo organization already exists in this database.")
        result = demo.build_demo(seed=options["seed"], patients=count)
        self.stdout.write(
            f"Loaded {result.patients} synthetic patients for {result.organization.name}.\n"
        )
        self.stdout.write(
            "Demo logins (password, then the 6-digit code from an authenticator app):"
        )
        for login in result.logins:
            secret = base64.b32encode(bytes.fromhex(login.totp_key_hex)).decode()
            extra = f"  [{login.note}]" if login.note else ""
            self.stdout.write(
                f"  {login.username:<17} {login.password:<32} {login.role:<19} TOTP key {secret}{extra}"
            )
        self.stdout.write(
            "\nMFA: add the TOTP key to any authenticator app (FreeOTP, Aegis, Google Authenticator),\n"
            "or print the current code with:  make totp USER=director"
        )
