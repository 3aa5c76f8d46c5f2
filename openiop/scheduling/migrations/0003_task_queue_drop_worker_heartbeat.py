"""The solve moved to the task queue (django-tasks; docs/adr/0004-task-queue.md).

Weeks left queued or solving by the old runner have no task on the new queue: they are marked
failed with a message saying to solve them again (one click), instead of waiting forever. The
worker heartbeat table is no longer used. Reversing keeps the failed weeks failed.
"""

from django.db import migrations
from django.utils import timezone


def fail_orphaned_solves(apps, schema_editor):
    ScheduleWeek = apps.get_model("scheduling", "ScheduleWeek")
    ScheduleWeek.objects.filter(status__in=["queued", "solving"]).update(
        status="failed",
        progress="Failed.",
        error="The solver was upgraded while this week waited: press Solve to queue it again.",
        heartbeat_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_app_layer_revisions_calendars_worker"),
    ]

    operations = [
        migrations.RunPython(fail_orphaned_solves, migrations.RunPython.noop),
        migrations.DeleteModel(name="WorkerHeartbeat"),
    ]
