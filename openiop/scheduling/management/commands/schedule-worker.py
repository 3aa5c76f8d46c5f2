"""`openiop schedule-worker [--once] [--time-limit S] [--workers N] [--poll S]`: solve queued
weekly schedules in the background (see openiop/scheduling/runner.py and
docs/scheduling-app.md).

Runs until stopped (Ctrl-C / SIGTERM), beating a heartbeat row every poll so the web process
knows a worker is there and does not start its own fallback thread. ``--once`` solves whatever
is queued now and exits (tests, cron).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from openiop.scheduling import runner
from openiop.scheduling.models import WorkerHeartbeat


class Command(BaseCommand):
    help = "Solve queued weekly schedules (database-backed queue; SQLite and PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="drain the queue, then exit")
        parser.add_argument(
            "--time-limit",
            type=float,
            default=None,
            help=f"CP-SAT seconds per week (default {runner.solve_seconds():g})",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=f"CP-SAT search workers (default {runner.solve_workers()})",
        )
        parser.add_argument(
            "--poll", type=float, default=2.0, help="seconds between looks at the queue"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit, workers, poll = options["time_limit"], options["workers"], options["poll"]
        if (limit is not None and limit <= 0) or (workers is not None and workers < 1):
            raise CommandError("--time-limit must be above 0 and --workers at least 1")
        if poll <= 0:
            raise CommandError("--poll must be above 0")
        name = runner.worker_name()
        try:
            while True:
                solved = runner.drain(time_limit=limit, workers=workers, name=name)
                if solved:
                    self.stdout.write(f"solved {solved} week(s)")
                if options["once"]:
                    return
                # A long-running loop: drop connections the database closed or that aged out.
                close_old_connections()
                time.sleep(poll)
        except KeyboardInterrupt:
            self.stdout.write("stopped")
        finally:
            WorkerHeartbeat.objects.filter(name=name).delete()
