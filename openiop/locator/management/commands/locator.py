"""`openiop locator import FILE.csv` and `openiop locator publish`.

import: load external facilities (docs/locator-import.md); prints a summary and the rejected
rows; exit 0 when the file was read (even with rejected rows), 2 when the file itself is
malformed (nothing imported), 1 on other errors.
publish: refresh the directory entries of the organization's own programs (run it nightly,
or after changing programs or tracks, or publishing a week's schedule).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openiop.locator import importer, services
from openiop.organization.models import Organization


def _organization(name: str | None) -> Organization:
    if name:
        org = Organization.objects.filter(name=name).first()
        if org is None:
            raise CommandError(f"No organization named {name!r}.")
        return org
    orgs = list(Organization.objects.order_by("pk")[:2])
    if len(orgs) != 1:
        raise CommandError("Name the organization with --organization (there is not exactly one).")
    return orgs[0]


class Command(BaseCommand):
    help = (
        "Public directory tools: import a facility CSV file, publish the organization's programs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="import external facilities from a CSV file")
        load.add_argument("file", help="CSV file in the format of docs/locator-import.md")
        load.add_argument("--organization", help="owner of the imported entries")
        publish = sub.add_parser("publish", help="publish the organization's own programs")
        publish.add_argument("--organization")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = _organization(options.get("organization"))
        if options["action"] == "publish":
            result = services.directory_publish(actor=None, organization=organization)
            self.stdout.write(
                f"published {len(result.published)} program(s), withdrew {result.removed}, "
                f"skipped {len(result.skipped)}"
            )
            for reason in result.skipped:
                self.stdout.write(f"  skipped: {reason}")
            return
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            run = services.facility_import_csv(
                actor=None, organization=organization, data=data, file_name=path.name
            )
        except importer.ImportFileError as exc:
            raise CommandError(
                f"{path.name}: malformed file, nothing imported: {exc}", returncode=2
            ) from exc
        self.stdout.write(
            f"{path.name}: {run.rows} rows read, {run.created} created, {run.updated} updated, "
            f"{run.rejected} rejected"
        )
        for error in run.errors:
            self.stdout.write(f"  row {error['row']}, column {error['column']}: {error['message']}")
        if run.rejected > len({e["row"] for e in run.errors}):
            self.stdout.write("  (more rejections not shown)")
