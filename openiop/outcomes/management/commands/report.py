"""`openiop report teds --from YYYY-MM-DD --to YYYY-MM-DD -o FILE.csv --user USERNAME
[--state XX] [--provider-id ID]`: the state treatment episode extract (SAMHSA TEDS), one CSV
row per admission (record type A) and per discharge (D) of the period, columns in the order
of ``openiop.domain.teds.FIELDS``.

The acting user (``--user``, an administrator or clinical director) is checked against the
access policy; the organization is the user's. The state code defaults to the state of the
organization's sites (when they are all in one state) and the provider identifier to the
billing provider's NPI; the state assigns its own provider identifier, so give
``--provider-id`` when it differs.

The file is written even when some records are invalid (so the program sees the whole
extract); the validation report goes to stderr, one line per problem naming the record by
client identifier and record type (never a patient name) and the field, and the exit status
is then 2. Bad arguments (among them a state where the organization has no site) print a
message to stderr and exit with status 2, writing nothing. Only the sites of the state are
reported; the state column carries the state's numeric FIPS code. Each run records one
disclosure per patient in the file (42 CFR 2.53) and an export event; the file (mode 0600)
appears only once they are saved.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from openiop.accounts.models import User
from openiop.core.policy import Refused
from openiop.organization.models import Site
from openiop.outcomes import teds

EXIT_INVALID = 2


class Command(BaseCommand):
    help = "Reports for the state: `report teds` writes the treatment episode extract (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        tp = sub.add_parser(
            "teds", help="the state treatment episode extract (admissions, discharges)"
        )
        tp.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        tp.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        tp.add_argument(
            "-o", "--output", dest="output", required=True, help="the CSV file to write"
        )
        tp.add_argument("--user", required=True, help="username of the administrator or director")
        tp.add_argument("--state", help="state code (default: the state of the sites)")
        tp.add_argument("--provider-id", dest="provider_id", help="the state's provider identifier")

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"report teds: {message}")
        sys.exit(EXIT_INVALID)

    def _day(self, option: str, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            self._fail(f"{option} must be a date as YYYY-MM-DD, got {value!r}")

    def handle(self, *args: Any, **options: Any) -> None:
        start = self._day("--from", options["start"])
        end = self._day("--to", options["end"])
        if end < start:
            self._fail("--to is before --from")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None or user.organization_id is None:
            self._fail(f"no active staff user {options['user']!r}")
        org = user.organization
        assert org is not None
        state = (options.get("state") or "").strip().upper()
        if not state:
            states = set(Site.objects.filter(organization=org).values_list("state", flat=True))
            if len(states) != 1:
                self._fail("give the state code with --state (the sites are not in one state)")
            state = states.pop().upper()
        provider_id = (options.get("provider_id") or "").strip()
        if not provider_id:
            billing = getattr(org, "billing_provider", None)
            provider_id = billing.npi if billing is not None else ""
        if not provider_id:
            self._fail("give the state's provider identifier with --provider-id")
        try:
            teds.check_state(org.pk, state)
        except ValidationError as exc:
            self._fail(" ".join(exc.messages))
        output = Path(options["output"])
        if not output.parent.is_dir():
            self._fail(f"the folder of {output} does not exist")
        # The file holds patient records: it is written to a temporary file readable only by
        # its owner in the target's folder, and moved onto the target only once the
        # disclosures are saved; on any error it is removed, so no file exists without them.
        try:
            fd, temporary = tempfile.mkstemp(
                dir=output.parent, prefix=f".{output.name}.", suffix=".part"
            )
        except OSError as exc:
            self._fail(f"could not write {output}: {exc.strerror}")
        os.close(fd)
        os.chmod(temporary, 0o600)

        def write(text: str) -> None:
            Path(temporary).write_text(text, encoding="utf-8")

        try:
            extract = teds.export(
                actor=user,
                organization=org,
                start=start,
                end=end,
                state_code=state,
                provider_id=provider_id,
                write=write,
            )
            os.replace(temporary, output)
        except BaseException as exc:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, Refused):
                self._fail(str(exc))
            if isinstance(exc, ValidationError):
                self._fail(" ".join(exc.messages))
            if isinstance(exc, OSError):
                self._fail(f"could not write {output}: {exc.strerror}")
            raise
        admissions = sum(1 for r in extract.records if r.record_type == "A")
        self.stdout.write(
            f"{output}: {admissions} admissions and {len(extract.records) - admissions} "
            f"discharges, {start.isoformat()} to {end.isoformat()}"
        )
        if extract.problems:
            invalid = {(p.record_type, p.client_id) for p in extract.problems}
            self.stderr.write(f"{len(invalid)} records are invalid:")
            for p in extract.problems:
                self.stderr.write(f"  {p}")
            sys.exit(EXIT_INVALID)
