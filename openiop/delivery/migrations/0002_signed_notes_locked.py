"""Signed notes are locked at the database level, not only by the services.

- A signed note's signed fields and content cannot change (co-signature fields may be
  filled); its sections cannot be inserted, changed (or, on PostgreSQL, deleted).
- Amendments are append-only; a disclosure is fixed once its digest is recorded.
SQLite keeps DELETE possible so the test runner can empty tables (as for the audit table);
PostgreSQL refuses it (TRUNCATE, which needs the table owner, is left for test teardown).
"""

from django.db import migrations

LOCKED_NOTE_CHANGE = (
    "NEW.content {ne} OLD.content OR NEW.signed_hash {ne} OLD.signed_hash "
    "OR NEW.signed_at {ne} OLD.signed_at OR NEW.signed_by_id {ne} OLD.signed_by_id "
    "OR NEW.service_date {ne} OLD.service_date OR NEW.author_id {ne} OLD.author_id "
    "OR NEW.session_id {ne} OLD.session_id OR NEW.patient_id {ne} OLD.patient_id "
    "OR NEW.kind {ne} OLD.kind OR NEW.format {ne} OLD.format "
    "OR NEW.duration_minutes {ne} OLD.duration_minutes OR NEW.status = 'draft'"
)

SQLITE_FORWARD = [
    "CREATE TRIGGER delivery_note_locked BEFORE UPDATE ON delivery_note "
    "WHEN OLD.signed_at IS NOT NULL AND ("
    + LOCKED_NOTE_CHANGE.format(ne="IS NOT")
    + ") BEGIN SELECT RAISE(ABORT, 'delivery_note: a signed note is locked'); END;",
    "CREATE TRIGGER delivery_notesection_locked_insert BEFORE INSERT ON delivery_notesection "
    "WHEN (SELECT signed_at FROM delivery_note WHERE id = NEW.note_id) IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'delivery_notesection: the note is signed and locked'); END;",
    "CREATE TRIGGER delivery_notesection_locked_update BEFORE UPDATE ON delivery_notesection "
    "WHEN (SELECT signed_at FROM delivery_note WHERE id = OLD.note_id) IS NOT NULL "
    "OR (SELECT signed_at FROM delivery_note WHERE id = NEW.note_id) IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'delivery_notesection: the note is signed and locked'); END;",
    "CREATE TRIGGER delivery_noteamendment_no_update BEFORE UPDATE ON delivery_noteamendment "
    "BEGIN SELECT RAISE(ABORT, 'delivery_noteamendment is append-only'); END;",
    "CREATE TRIGGER delivery_disclosure_fixed BEFORE UPDATE ON delivery_disclosure "
    "WHEN OLD.digest <> '' "
    "BEGIN SELECT RAISE(ABORT, 'delivery_disclosure: a recorded disclosure is fixed'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS delivery_note_locked;",
    "DROP TRIGGER IF EXISTS delivery_notesection_locked_insert;",
    "DROP TRIGGER IF EXISTS delivery_notesection_locked_update;",
    "DROP TRIGGER IF EXISTS delivery_noteamendment_no_update;",
    "DROP TRIGGER IF EXISTS delivery_disclosure_fixed;",
]

PG_FORWARD = [
    """
CREATE OR REPLACE FUNCTION openiop_delivery_note_locked() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.signed_at IS NOT NULL THEN
      RAISE EXCEPTION 'delivery_note: a signed note is locked (DELETE refused)';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.signed_at IS NOT NULL AND ("""
    + LOCKED_NOTE_CHANGE.format(ne="IS DISTINCT FROM")
    + """) THEN
    RAISE EXCEPTION 'delivery_note: a signed note is locked (UPDATE refused)';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER delivery_note_locked BEFORE UPDATE OR DELETE ON delivery_note "
    "FOR EACH ROW EXECUTE FUNCTION openiop_delivery_note_locked();",
    """
CREATE OR REPLACE FUNCTION openiop_delivery_section_locked() RETURNS trigger AS $$
BEGIN
  IF (TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM delivery_note WHERE id = OLD.note_id AND signed_at IS NOT NULL))
     OR (TG_OP <> 'DELETE' AND EXISTS (
        SELECT 1 FROM delivery_note WHERE id = NEW.note_id AND signed_at IS NOT NULL)) THEN
    RAISE EXCEPTION 'delivery_notesection: the note is signed and locked';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER delivery_notesection_locked BEFORE INSERT OR UPDATE OR DELETE "
    "ON delivery_notesection FOR EACH ROW EXECUTE FUNCTION openiop_delivery_section_locked();",
    """
CREATE OR REPLACE FUNCTION openiop_delivery_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'delivery_disclosure' AND TG_OP = 'UPDATE' AND OLD.digest = '' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER delivery_noteamendment_append_only BEFORE UPDATE OR DELETE "
    "ON delivery_noteamendment FOR EACH ROW EXECUTE FUNCTION openiop_delivery_append_only();",
    "CREATE TRIGGER delivery_disclosure_append_only BEFORE UPDATE OR DELETE "
    "ON delivery_disclosure FOR EACH ROW EXECUTE FUNCTION openiop_delivery_append_only();",
]
PG_REVERSE = [
    "DROP TRIGGER IF EXISTS delivery_note_locked ON delivery_note;",
    "DROP TRIGGER IF EXISTS delivery_notesection_locked ON delivery_notesection;",
    "DROP TRIGGER IF EXISTS delivery_noteamendment_append_only ON delivery_noteamendment;",
    "DROP TRIGGER IF EXISTS delivery_disclosure_append_only ON delivery_disclosure;",
    "DROP FUNCTION IF EXISTS openiop_delivery_note_locked();",
    "DROP FUNCTION IF EXISTS openiop_delivery_section_locked();",
    "DROP FUNCTION IF EXISTS openiop_delivery_append_only();",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_FORWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_REVERSE)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_attendance_notes_leave_disclosures")]
    operations = [migrations.RunPython(forward, reverse)]
