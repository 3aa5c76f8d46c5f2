"""Similar-name search on PostgreSQL: the pg_trgm extension and a GIN trigram index on the
search key (PostgreSQL manual, F.35 "pg_trgm"). SQLite has neither, and skips both: its
search offers exact prefixes and names containing each word."""

from typing import Any

from django.db import migrations

INDEX = "patient_sname_trgm"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON patients_patient "
        "USING gin (search_name gin_trgm_ops)"
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other database objects may use it.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0004_fill_patient_search_name")]

    operations = [migrations.RunPython(forwards, backwards)]
