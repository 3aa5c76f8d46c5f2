"""`openiop support report [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--organization ID]`:
the support services figures of one organization (the same as the report page): needs found,
referred and resolved, resolution rate, median days to resolution, and the referrals sent,
accepted, declined, delivered, closed with the need resolved and overdue today, in total, by
need kind and by partner (definitions in `openiop.domain.support_report.metrics`).

The period selects needs by the day they were found; by default the 90 days ending today.
Without ``--organization`` the database's only organization is used. Counts only, no patient.
A bad date or option prints a message to stderr and exits with status 2. Each run is written
to the audit trail as an export.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.domain.support_report import Figures, to_json
from openiop.organization.models import Organization
from openiop.support.report import selectors
from openiop.support.report.forms import default_period

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Support services figures. `report --json` prints "
        '{"organization", "from", "to", "as_of", "total", "by_kind", "by_partner"}: counts of '
        "needs and referrals, no patient."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        rp = sub.add_parser("report", help="needs and referrals figures of one organization")
        rp.add_argument("--json", action="store_true", help="print one JSON object")
        rp.add_argument("--from", dest="start", help="first day needs were found, YYYY-MM-DD")
        rp.add_argument("--to", dest="end", help="last day needs were found, YYYY-MM-DD")
        rp.add_argument(
            "--organization", help="organization id (needed when there is more than one)"
        )

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"support: {message}")
        sys.exit(EXIT_BAD_INPUT)

    def _day(self, option: str, value: str | None) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self._fail(f"{option} must be a date as YYYY-MM-DD, got {value!r}")

    def _organization(self, value: str | None) -> Organization:
        if value:
            try:
                pk = int(value)
            except ValueError:
                self._fail(f"--organization must be an id, got {value!r}")
            org = Organization.objects.filter(pk=pk).first()
            if org is None:
                self._fail(f"no organization with id {pk}")
            return org
        orgs = list(Organization.objects.order_by("pk")[:2])
        if len(orgs) != 1:
            self._fail("name the organization with --organization ID (there is not exactly one)")
        return orgs[0]

    def handle(self, *args: Any, **options: Any) -> None:
        start = self._day("--from", options.get("start"))
        end = self._day("--to", options.get("end"))
        if start and end and end < start:
            self._fail("--to is before --from")
        org = self._organization(options.get("organization"))
        today = timezone.localdate()
        default_start, default_end = default_period(today)
        if end is None:
            end = max(default_end, start) if start else default_end
        if start is None:
            start = min(default_start, end)
        report = selectors.report(org.pk, start, end, as_of=today)
        audit.record(
            actor=None,
            action=AuditAction.EXPORT,
            object_type="support.need",
            organization_id=org.pk,
            detail=f"openiop support report {start.isoformat()} to {end.isoformat()}",
            part2=False,
        )
        data = {"organization": org.pk, **to_json(report)}
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(
            f"{org.name}: needs found {start.isoformat()} to {end.isoformat()}, "
            f"overdue as of {today.isoformat()}"
        )
        self.stdout.write(_line("All needs", report.total))
        for g in report.by_kind:
            self.stdout.write(_line(f"  {g.key}", g.figures))
        for g in report.by_partner:
            self.stdout.write(_line(f"  partner {g.key}", g.figures))


def _line(label: str, f: Figures) -> str:
    rate = "-" if f.resolution_rate is None else f"{f.resolution_rate * 100:.0f}%"
    median = "-" if f.median_days_to_resolution is None else f"{f.median_days_to_resolution:g}"
    return (
        f"{label}: {f.needs_found} found, {f.needs_referred} referred, {f.needs_resolved} "
        f"resolved ({rate}, median {median} days); referrals {f.referrals_sent} sent, "
        f"{f.referrals_accepted} accepted, {f.referrals_declined} declined, "
        f"{f.referrals_delivered} delivered, {f.referrals_closed_resolved} closed resolved, "
        f"{f.referrals_overdue} overdue"
    )
