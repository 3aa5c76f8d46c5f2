"""`openiop schedule-worker`: the former name of the task worker, kept as an alias of
`openiop db_worker` (django-tasks-db), which runs every task of the one queue, schedule solves
included (docs/adr/0004-task-queue.md). Same options; `--once` is `--batch` (run what is ready,
then exit).
"""

from __future__ import annotations

from argparse import ArgumentParser

from django_tasks_db.management.commands import db_worker


class Command(db_worker.Command):
    help = "Alias of db_worker: run the task queue (schedule solves and every other task)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--once", action="store_true", dest="batch", help="the same as --batch (old name)"
        )
