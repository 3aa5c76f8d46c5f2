"""`openiop billing claims --from YYYY-MM-DD --to YYYY-MM-DD -o DIR`: build the claims of a
period and write one X12 837 file per payer and claim type into DIR.

The contract: on success one JSON object is printed,
``{"files": [{"file", "payer", "type", "status", "claims", "problems"}, ...], "claims": N,
"charges": N, "total_billed": "1234.50"}``, and the exit status is 0. Only files that can
be sent are written ("ready"): writing one is the moment its claims leave the program, so each
goes through the disclosure gate first (`claim_status.release_file`, 42 CFR Part 2: one
disclosure per claim, or the file is not written and its status is "refused" with the reason).
Files with problems are listed with status "draft", their problems counted and no "file" (fix
them on the claims page). Bad dates, a period the service refuses or a DIR that cannot
be written print a message to stderr and exit with status 2; nothing is built then.

The claims are built by `openiop.billing.services.build_claims` as each active billing user of
the organization in turn (the role and an active account are checked, not a web session). Each
file is checked against the 837 guide here, before it is written (the same check the task queue
runs for a build from the claims page, `services.claim_file_check`), so no worker is needed and
every file written has been checked.
"""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from openiop.accounts.models import User
from openiop.billing import claim_status, services
from openiop.billing.models import ClaimFile, ClaimStatus
from openiop.core import policy
from openiop.core.policy import Action
from openiop.organization.models import Organization

EXIT_BAD_INPUT = 2


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{flag} must be a date YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = "Billing tools: build a period's claims and write their 837 files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        claims = sub.add_parser("claims", help="build claims and write 837 files")
        claims.add_argument("--from", dest="first", required=True, help="first day YYYY-MM-DD")
        claims.add_argument("--to", dest="last", required=True, help="last day YYYY-MM-DD")
        claims.add_argument("-o", "--output", required=True, help="directory for the files")
        claims.add_argument("--organization", help="needed when there is more than one")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            first = _day(options["first"], "--from")
            last = _day(options["last"], "--to")
        except ValueError as exc:
            self._fail(str(exc))
        if last < first:
            self._fail("--to must not be before --from")
        out = Path(options["output"])
        if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
            self._fail(f"{out} is not a directory this command can write to")
        orgs = Organization.objects.all()
        if options["organization"]:
            orgs = orgs.filter(name=options["organization"])
        if orgs.count() != 1:
            self._fail("Name the organization with --organization (there is not exactly one).")
        org = orgs.get()
        actors = list(
            User.objects.filter(
                organization=org, is_active=True, role__in=policy.roles_for(Action.BILLING_MANAGE)
            ).order_by("pk")
        )
        if not actors:
            self._fail("The organization has no active billing user to act as.")
        files: list[ClaimFile] = []
        claims = charges = 0
        total = Decimal("0")
        try:
            for actor in actors:
                # check_in_background=False: each file is checked here before it is written.
                result = services.build_claims(
                    actor=actor,
                    first_day=first,
                    last_day=last,
                    signed_in=False,
                    check_in_background=False,
                )
                files += result.files
                claims += result.claims
                charges += result.charges
                total += result.total_billed
        except ValidationError as exc:
            self._fail("; ".join(m for m in exc.messages))
        report = []
        for f in files:
            entry: dict[str, Any] = {
                "file": None,
                "payer": f.payer.name,
                "type": f.kind,
                "status": f.status,
                "claims": f.claims.count(),
                "problems": len(f.problems),
            }
            report.append(entry)
            if f.status != ClaimStatus.READY:
                continue
            try:
                claim_status.release_file(actor=f.created_by, file_id=f.pk, signed_in=False)
            except claim_status.ClaimsNotCovered as exc:
                entry.update(status="refused", reason=str(exc))
                continue
            path = out / f.filename
            try:
                path.write_text(f.text, encoding="ascii")
            except OSError as exc:
                self._fail(f"cannot write {path}: {exc.strerror}")
            entry["file"] = str(path)
        self.stdout.write(
            json.dumps(
                {
                    "files": report,
                    "claims": claims,
                    "charges": charges,
                    "total_billed": f"{total:.2f}",
                }
            )
        )

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(EXIT_BAD_INPUT)
