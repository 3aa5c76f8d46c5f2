"""`openiop portal-reminders [--now] [--at ISO]`: send the portal reminders that are due.

Run it every 15 minutes (cron or a systemd timer, docs/operations.md). By default it enqueues
`portal.tasks.send_due_reminders` for a worker (`openiop db_worker`) and prints the task id;
``--now`` sends in this process (for cron without a worker) and prints counts. A reminder is
sent once whatever the number of runs. Prints ids and counts only.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from openiop.portal.reminders import services
from openiop.portal.tasks import send_due_reminders

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = "Send the portal's due reminders (Web Push and e-mail)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="send here, without a worker")
        parser.add_argument("--at", help="the moment to look from (ISO 8601 with offset)")

    def handle(self, *args: Any, **options: Any) -> None:
        at = timezone.now()
        if options.get("at"):
            try:
                at = datetime.fromisoformat(options["at"])
            except ValueError:
                self.stderr.write(
                    "portal-reminders: --at must be ISO 8601, e.g. 2026-05-04T17:00+00:00"
                )
                sys.exit(EXIT_BAD_INPUT)
            if timezone.is_naive(at):
                self.stderr.write("portal-reminders: --at needs a UTC offset, e.g. +00:00")
                sys.exit(EXIT_BAD_INPUT)
        if options.get("now"):
            self.stdout.write(services.send_due(at=at).summary())
            return
        result = send_due_reminders.enqueue(at=at.isoformat())
        self.stdout.write(f"enqueued {result.id}")
