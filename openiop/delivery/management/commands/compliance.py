"""`openiop compliance --week YYYY-MM-DD [--json] [--organization ID] [--as-of ISO] [--enqueue]`
and `openiop compliance --result TASK_ID [--json]`.

Prints every enrolled patient's required, scheduled and attended hours, per-day billing
eligibility and status (on_track, at_risk, short, on_leave, met) for the week holding the
date (weeks start on Monday), computed by openiop.domain.compliance from the database
(delivery/compliance_report.py). Patients are named by internal id and record number only. A bad
date or option prints a message to stderr and exits with status 2. Each run is written to the
audit trail as an export per organization.

``--enqueue`` computes it on the task queue instead (delivery/tasks.py; a worker runs it) and
prints the task id; ``--result TASK_ID`` prints that task's stored report (ids, no record
numbers; audited as an export too), or its state and exit status 3 while it has not finished
(1 if it failed).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date, datetime
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.delivery.compliance_report import compliance_report, report_lines
from openiop.delivery.hours import monday_of
from openiop.organization.models import Organization

EXIT_BAD_INPUT = 2
EXIT_NOT_FINISHED = 3


class Command(BaseCommand):
    help = "Weekly hours compliance of every enrolled patient."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--week", help="a day of the week, YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--organization", type=str, help="only this organization id")
        parser.add_argument(
            "--as-of",
            help="projection time (ISO 8601 with offset); default now, or the week's end if past",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="compute it on the task queue (a worker runs it); prints the task id",
        )
        parser.add_argument("--result", metavar="TASK_ID", help="print an enqueued run's report")

    def _fail(self, message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
        self.stderr.write(f"compliance: {message}")
        sys.exit(code)

    def _print(self, report: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            for line in report_lines(report):
                self.stdout.write(line)

    def _result(self, task_id: str, as_json: bool) -> None:
        from openiop.delivery.tasks import compliance_week

        try:
            result = compliance_week.get_result(task_id)
        except (TaskResultDoesNotExist, TaskResultMismatch):
            self._fail(f"no compliance task {task_id!r}")
        if result.status == TaskResultStatus.FAILED:
            self._fail(f"task {task_id} failed (see its traceback in the task list)", 1)
        if result.status != TaskResultStatus.SUCCESSFUL:
            self._fail(f"task {task_id} is {result.status.label.lower()}", EXIT_NOT_FINISHED)
        report = result.return_value or {}
        per_org = Counter(int(row["organization"]) for row in report.get("patients", []))
        for organization_id, count in sorted(per_org.items()):
            audit.record(
                actor=None,
                action=AuditAction.EXPORT,
                object_type="patients.patient",
                fields=["attendance", "hours"],
                organization_id=organization_id,
                detail=f"openiop compliance --result {task_id}: {count} patients",
                part2=True,
            )
        self._print(report, as_json)

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("result"):
            self._result(options["result"], options["json"])
            return
        if not options.get("week"):
            self._fail("--week is required (or --result TASK_ID)")
        try:
            day = date.fromisoformat(options["week"])
        except ValueError:
            self._fail(f"--week must be a date as YYYY-MM-DD, got {options['week']!r}")
        week_start = monday_of(day)
        as_of: datetime = timezone.now()
        if options.get("as_of"):
            try:
                as_of = datetime.fromisoformat(options["as_of"])
            except ValueError:
                self._fail(f"--as-of must be an ISO 8601 time, got {options['as_of']!r}")
            if as_of.tzinfo is None:
                self._fail("--as-of needs a UTC offset, e.g. 2026-11-05T12:00:00-05:00")
        organizations = Organization.objects.order_by("pk")
        org_id: int | None = None
        if options.get("organization"):
            try:
                org_id = int(options["organization"])
            except ValueError:
                self._fail(f"--organization must be an id, got {options['organization']!r}")
            organizations = organizations.filter(pk=org_id)
            if not organizations.exists():
                self._fail(f"no organization with id {org_id}")
        if options["enqueue"]:
            from openiop.delivery.tasks import compliance_week

            queued = compliance_week.enqueue(
                week=week_start.isoformat(), organization_id=org_id, as_of=as_of.isoformat()
            )
            self.stdout.write(
                f"Queued as task {queued.id}; when a worker has run it: "
                f"openiop compliance --result {queued.id}"
            )
            return
        report = compliance_report(
            week_start=week_start,
            as_of=as_of,
            organizations=organizations,
            source=f"openiop compliance --week {week_start}",
        )
        self._print(report, options["json"])
