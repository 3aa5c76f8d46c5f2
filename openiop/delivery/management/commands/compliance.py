"""`openiop compliance --week YYYY-MM-DD [--json] [--organization ID] [--as-of ISO]`.

Prints every enrolled patient's required, scheduled and attended hours, per-day billing
eligibility and status (on_track, at_risk, short, on_leave, met) for the week holding the
date (weeks start on Monday), computed by openiop.domain.compliance from the database.
Patients are named by internal id and record number only. A bad date or option prints a
message to stderr and exits with status 2. Each run is written to the audit trail as an
export per organization.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.delivery.hours import monday_of, week_compliance
from openiop.organization.models import Organization
from openiop.patients.models import Patient

EXIT_BAD_INPUT = 2


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


class Command(BaseCommand):
    help = "Weekly hours compliance of every enrolled patient (issue #5)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--week", required=True, help="a day of the week, YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--organization", type=str, help="only this organization id")
        parser.add_argument(
            "--as-of",
            help="projection time (ISO 8601 with offset); default now, or the week's end if past",
        )

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"compliance: {message}")
        sys.exit(EXIT_BAD_INPUT)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = date.fromisoformat(options["week"])
        except ValueError:
            self._fail(f"--week must be a date as YYYY-MM-DD, got {options['week']!r}")
        week_start = monday_of(day)
        as_of: datetime | None = timezone.now()
        if options.get("as_of"):
            try:
                as_of = datetime.fromisoformat(options["as_of"])
            except ValueError:
                self._fail(f"--as-of must be an ISO 8601 time, got {options['as_of']!r}")
            if as_of.tzinfo is None:
                self._fail("--as-of needs a UTC offset, e.g. 2026-11-05T12:00:00-05:00")
        organizations = Organization.objects.order_by("pk")
        if options.get("organization"):
            try:
                org_id = int(options["organization"])
            except ValueError:
                self._fail(f"--organization must be an id, got {options['organization']!r}")
            organizations = organizations.filter(pk=org_id)
            if not organizations.exists():
                self._fail(f"no organization with id {org_id}")
        rows: list[dict[str, Any]] = []
        for organization in organizations:
            computed = week_compliance(
                organization_id=organization.pk, week_start=week_start, as_of=as_of
            )
            mrns = dict(
                Patient.objects.filter(pk__in=list(computed.results)).values_list("pk", "mrn")
            )
            for pid, week in sorted(computed.results.items()):
                rows.append(
                    {
                        "organization": organization.pk,
                        "patient": pid,
                        "mrn": mrns.get(pid, ""),
                        "status": str(week.status),
                        "cannot_reach": week.cannot_reach,
                        "required_hours": _hours(week.required_minutes),
                        "scheduled_hours": _hours(week.scheduled_minutes),
                        "attended_hours": _hours(week.attended_minutes),
                        "remaining_hours": _hours(week.remaining_minutes),
                        "per_diem_week": week.per_diem_week,
                        "days": [
                            {
                                "day": d.day.isoformat(),
                                "hours": _hours(d.minutes),
                                "meets_daily_minimum": d.meets_daily_minimum,
                                "billing": str(d.billing),
                            }
                            for d in week.days
                        ],
                        "suggested_sessions": [int(s.session_id) for s in week.suggestions],
                    }
                )
            audit.record(
                actor=None,
                action=AuditAction.EXPORT,
                object_type="patients.patient",
                fields=["attendance", "hours"],
                organization_id=organization.pk,
                detail=f"openiop compliance --week {week_start}: {len(computed.results)} patients",
                part2=bool(computed.results),
            )
        if options["json"]:
            payload = {
                "week_start": week_start.isoformat(),
                "week_end": (week_start + timedelta(days=6)).isoformat(),
                "as_of": as_of.isoformat() if as_of else None,
                "patients": rows,
            }
            self.stdout.write(json.dumps(payload, indent=2))
            return
        self.stdout.write(f"Week of {week_start} (as of {as_of:%Y-%m-%d %H:%M %Z})")
        header = f"{'org':>4} {'patient':>8} {'status':<9} {'req h':>6} {'sched h':>7} {'att h':>6}  days (h, P=per diem, D=discrete)"
        self.stdout.write(header)
        for row in rows:
            days = " ".join(
                f"{d['hours']:.1f}{'P' if d['billing'] == 'per_diem' else 'D' if d['billing'] == 'discrete' else '-'}"
                for d in row["days"]
            )
            self.stdout.write(
                f"{row['organization']:>4} {row['patient']:>8} {row['status']:<9} "
                f"{row['required_hours']:>6.1f} {row['scheduled_hours']:>7.1f} "
                f"{row['attended_hours']:>6.1f}  {days}"
            )
        self.stdout.write(f"{len(rows)} patient(s).")
