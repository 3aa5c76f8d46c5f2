"""Fill the search key of the patients registered before it existed."""

from typing import Any

from django.db import migrations

from openiop.domain.names import search_key

BATCH = 2000


def fill(apps: Any, schema_editor: Any) -> None:
    Patient = apps.get_model("patients", "Patient")
    rows = Patient.objects.using(schema_editor.connection.alias).only(
        "pk", "first_name", "last_name", "preferred_name"
    )
    batch = []
    for patient in rows.order_by("pk").iterator(chunk_size=BATCH):
        patient.search_name = search_key(
            patient.last_name, patient.first_name, patient.preferred_name
        )
        batch.append(patient)
        if len(batch) == BATCH:
            Patient.objects.bulk_update(batch, ["search_name"])
            batch = []
    if batch:
        Patient.objects.bulk_update(batch, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_patient_search_name")]

    # Reversing leaves the keys in place: the previous schema drops the column anyway.
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
