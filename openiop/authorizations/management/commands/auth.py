"""`openiop auth forecast --json`: the forecast of every open payer authorization.

Prints one JSON array of objects with exactly the keys patient, authorization,
units_authorized, units_used, forecast_exhausted_on, review_by and basis, sorted by review-by
date, and exits 0. ``patient`` is the record number, never the name (minimum necessary).
Without ``--json`` the same rows are printed as lines of text.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from openiop.authorizations import selectors
from openiop.authorizations.models import Authorization
from openiop.domain.authorization import to_json


class Command(BaseCommand):
    help = (
        "Authorization forecasts. `forecast --json` prints "
        '[{"patient", "authorization", "units_authorized", "units_used", '
        '"forecast_exhausted_on", "review_by", "basis"}] for every open authorization; '
        "patient is the record number, not the name (minimum necessary)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        fc = sub.add_parser("forecast", help="forecast every open authorization")
        fc.add_argument("--json", action="store_true", help="print one JSON array")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        auths = list(selectors.open_authorizations(Authorization.objects.all(), today))
        rows = selectors.forecasts(auths, today)
        out = []
        for row in sorted(rows, key=lambda r: (r.forecast.review_by, r.authorization.pk)):
            a = row.authorization
            values = to_json(row.forecast)
            out.append({"patient": a.patient.mrn, "authorization": a.number, **values})
        if options["json"]:
            self.stdout.write(json.dumps(out))
        else:
            for r in out:
                self.stdout.write(
                    f"{r['patient']} {r['authorization']}: review by {r['review_by']}; {r['basis']}"
                )
