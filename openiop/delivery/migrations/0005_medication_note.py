"""The prescriber's medication management note ("med"): a format of individual notes.

SQLite changes a CHECK constraint by building the table again, which fails while triggers of
other tables name it and drops the triggers on it: the signed-note locks of notes and sections
are dropped first and created again afterwards (PostgreSQL changes the constraint in place).
"""

import importlib

from django.db import migrations, models

_LOCK = importlib.import_module("openiop.delivery.migrations.0002_signed_notes_locked")


_NOTE_TRIGGERS = (
    "delivery_note_locked",
    "delivery_notesection_locked_insert",
    "delivery_notesection_locked_update",
)


def _unlock(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in _NOTE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};", params=None)


def _relock(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _unlock(apps, schema_editor)
        for statement in _LOCK.SQLITE_FORWARD[: len(_NOTE_TRIGGERS)]:
            schema_editor.execute(statement, params=None)
        # 0004 added a one-to-one column to delivery_disclosure, which SQLite also did by
        # building that table again: its "recorded disclosure is fixed" trigger went with it.
        schema_editor.execute("DROP TRIGGER IF EXISTS delivery_disclosure_fixed;", params=None)
        schema_editor.execute(_LOCK.SQLITE_FORWARD[4], params=None)


class Migration(migrations.Migration):
    dependencies = [("delivery", "0004_letter_consent")]

    operations = [
        migrations.RunPython(_unlock, _relock),
        migrations.AlterField(
            model_name="note",
            name="format",
            field=models.CharField(
                choices=[
                    ("group", "Group (topic, interventions, summary)"),
                    ("dap", "DAP (data, assessment, plan)"),
                    ("birp", "BIRP (behaviour, intervention, response, plan)"),
                    ("soap", "SOAP (subjective, objective, assessment, plan)"),
                    ("med", "Medication management (medications, changes, plan)"),
                ],
                max_length=8,
            ),
        ),
        migrations.RemoveConstraint(model_name="note", name="note_kind_format"),
        migrations.AddConstraint(
            model_name="note",
            constraint=models.CheckConstraint(
                condition=models.Q(("format", "group"), ("kind", "group"))
                | models.Q(("format__in", ["dap", "birp", "soap", "med"]), ("kind", "individual")),
                name="note_kind_format",
            ),
        ),
        migrations.RunPython(_relock, _unlock),
    ]
