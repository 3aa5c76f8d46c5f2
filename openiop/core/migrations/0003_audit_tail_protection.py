"""Protect the tail of the audit trail.

PostgreSQL: row-level triggers (0002) do not fire on TRUNCATE, so a statement-level
BEFORE TRUNCATE trigger refuses it too, even for the table owner (who would have to disable
the trigger first, a visible DDL change). SQLite: DELETE is now refused like UPDATE.

The head row is created here, by the migrating owner, so that the application's role needs
only SELECT and UPDATE on the head table (see the operations guide), never INSERT.

The test suite empties tables between transactional tests; it does so through test-only
database backends (openiop.core.testdb) that lift these triggers as the table owner for the
duration of the flush. The application's own settings use the stock backends.
"""

from django.db import migrations

PG_FORWARD = """
CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION openiop_audit_append_only();
"""
PG_REVERSE = "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;"
SQLITE_FORWARD = """
CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only (DELETE refused)'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS core_auditevent_no_delete;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def create_head(apps, schema_editor):
    apps.get_model("core", "AuditHead").objects.get_or_create(pk=1)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [
        migrations.RunPython(forward, reverse),
        # Reversing keeps the head: it may already record real events.
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
