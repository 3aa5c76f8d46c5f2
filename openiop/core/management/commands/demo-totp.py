"""`openiop demo-totp USERNAME`: print the current TOTP code of a DEMO user.

Refuses unless OPENIOP_DEMO=1 is set (the README's demo command sets it) and the user
belongs to the synthetic demo organization.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.core.demo import ORG_NAME


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo user (demo databases only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if os.environ.get("OPENIOP_DEMO") != "1":
            raise CommandError("demo-totp works only with OPENIOP_DEMO=1 (the demo database).")
        device = TOTPDevice.objects.filter(
            user__username=options["username"], user__organization__name=ORG_NAME, confirmed=True
        ).first()
        if device is None:
            raise CommandError("No demo user with an authenticator by that name.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
