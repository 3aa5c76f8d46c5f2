"""`openiop week export --week YYYY-MM-DD [--json] [--organization ID]`: every published event
of one week.

``--week`` is the week's Monday within five years of today; any other day, a malformed date
or one further away prints a message to stderr and exits with status 2 (so does an unknown
organization, or none named when there is more than one). With ``--json`` one JSON object is printed::

    {"events": [{"kind", "start", "end", "staff", "patients", "telehealth", "site"}, ...],
     "unplaced": [{"patient", "kind", "reason"}, ...]}

``kind`` is "group" or the appointment's kind ("individual", "family", "medication",
"psychiatric_evaluation", "case_management"); ``start`` and ``end`` are ISO 8601 with the
site's offset; staff, patients and sites are internal ids (minimum necessary: no names, no
record numbers). Events are sorted by start, then kind. Without ``--json`` the same events are
printed as lines of text. The rows come from `openiop.appointments.export.week_events`; each
run is written to the audit trail as an export, since it lists patients: every patient id,
in as many events as the length of the audit detail needs ("(part n of m)").
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from openiop.appointments.export import patient_ids, week_events
from openiop.appointments.forms import near
from openiop.core import audit
from openiop.core.models import AuditAction, AuditEvent
from openiop.organization.models import Organization

EXIT_BAD_INPUT = 2
AUDIT_DETAIL_MAX = AuditEvent._meta.get_field("detail").max_length or 500
PART_ROOM = " (part 99999 of 99999); ids: "  # the longest text around a part's ids


def _id_parts(ids: list[int], room: int) -> list[str]:
    """The ids as comma-separated parts of at most `room` characters, in order, none cut:
    one audit event each, so the trail names every patient the export lists. One (empty)
    part when there are none."""
    parts: list[str] = []
    current = ""
    for text in map(str, ids):
        if current and len(current) + 1 + len(text) > room:
            parts.append(current)
            current = ""
        current = f"{current},{text}" if current else text
    parts.append(current)
    return parts


class Command(BaseCommand):
    help = (
        "The week's events. `export --week MONDAY --json` prints "
        '{"events": [{"kind", "start", "end", "staff", "patients", "telehealth", "site"}], '
        '"unplaced": [{"patient", "kind", "reason"}]} with internal ids only.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        export = sub.add_parser("export", help="every published group and appointment of a week")
        export.add_argument("--week", required=True, help="the week's Monday, YYYY-MM-DD")
        export.add_argument("--json", action="store_true", help="print one JSON object")
        export.add_argument(
            "--organization", type=str, help="the organization's id (needed when there are several)"
        )

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"week: {message}")
        sys.exit(EXIT_BAD_INPUT)

    def _monday(self, raw: str) -> date:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            self._fail(f"--week must be a date as YYYY-MM-DD, got {raw!r}")
        today = timezone.localdate()
        if not near(day, today):
            self._fail(
                f"--week must be within five years of today ({today.isoformat()}), "
                f"got {day.isoformat()}"
            )
        if day.weekday() != 0:
            monday = day - timedelta(days=day.weekday())
            self._fail(
                f"--week must be a Monday: {day.isoformat()} is a {day:%A} "
                f"(its week starts on Monday {monday.isoformat()})"
            )
        return day

    def _organization(self, raw: str | None) -> int:
        if raw:
            try:
                org_id = int(raw)
            except ValueError:
                self._fail(f"--organization must be an id, got {raw!r}")
            if not Organization.objects.filter(pk=org_id).exists():
                self._fail(f"no organization with id {org_id}")
            return org_id
        ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True)[:2])
        if len(ids) != 1:
            self._fail("name the organization with --organization ID (there is not exactly one)")
        return int(ids[0])

    def handle(self, *args: Any, **options: Any) -> None:
        week_start = self._monday(options["week"])
        org_id = self._organization(options.get("organization"))
        export = week_events(org_id, week_start)
        named = patient_ids(export)
        head = (
            f"openiop week export --week {week_start.isoformat()}: "
            f"{len(export['events'])} events, {len(named)} patients"
        )
        parts = _id_parts(named, AUDIT_DETAIL_MAX - len(head) - len(PART_ROOM))
        with transaction.atomic():
            for n, ids in enumerate(parts, start=1):
                part = f" (part {n} of {len(parts)})" if len(parts) > 1 else ""
                audit.record(
                    actor=None,
                    action=AuditAction.EXPORT,
                    object_type="patients.patient",
                    fields=["schedule", "appointments"],
                    organization_id=org_id,
                    detail=f"{head}{part}; ids: {ids}",
                    part2=bool(named),
                )
        if options["json"]:
            self.stdout.write(json.dumps(export))
            return
        for event in export["events"]:
            self.stdout.write(
                f"{event['start']} to {event['end']} {event['kind']}: staff "
                f"{','.join(map(str, event['staff']))}; patients "
                f"{','.join(map(str, event['patients'])) or '-'}"
                + ("; video" if event["telehealth"] else "")
            )
        for row in export["unplaced"]:
            self.stdout.write(
                f"not placed: patient {row['patient']} {row['kind']}: {row['reason']}"
            )
