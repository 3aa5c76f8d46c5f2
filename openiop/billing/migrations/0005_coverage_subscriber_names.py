"""Split the free-text subscriber name into last and first name, then drop it.

"Last, First" splits at the comma; otherwise the last word is the last name and the words
before it the first name. The reverse joins them back as "First Last".
"""

from django.db import migrations


def split_name(name: str) -> tuple[str, str]:
    """(last, first) of a free-text name."""
    name = " ".join(name.split())
    if not name:
        return "", ""
    if "," in name:
        last, _, first = name.partition(",")
        return last.strip()[:60], first.strip()[:35]
    *first, last = name.split(" ")
    return last[:60], " ".join(first)[:35]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Coverage = apps.get_model("billing", "Coverage")
    # names already entered in the new fields (after 0004) are kept
    rows = Coverage.objects.exclude(subscriber_name="").filter(
        subscriber_last_name="", subscriber_first_name=""
    )
    for c in rows.only("id", "subscriber_name"):
        last, first = split_name(c.subscriber_name)
        Coverage.objects.filter(pk=c.pk).update(
            subscriber_last_name=last, subscriber_first_name=first
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Coverage = apps.get_model("billing", "Coverage")
    for c in Coverage.objects.exclude(subscriber_last_name="", subscriber_first_name=""):
        name = f"{c.subscriber_first_name} {c.subscriber_last_name}".strip()
        Coverage.objects.filter(pk=c.pk).update(subscriber_name=name[:120])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_claim_lifecycle_payments"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="coverage", name="subscriber_name"),
    ]
