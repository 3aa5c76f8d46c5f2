"""The portal's tasks on the one task queue (openiop.core.tasks).

``send_due_reminders`` is enqueued every 15 minutes by ``openiop portal-reminders`` (cron or a
systemd timer, docs/operations.md). It is idempotent: each reminder is claimed once
(``ReminderSent``, unique per account, kind and key) before it is sent, so a retry or a second
run sends nothing twice. Its arguments and result hold a timestamp and counts only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from openiop.core.tasks import retrying_task
from openiop.portal.reminders import services


@retrying_task(max_attempts=3, backoff=timedelta(seconds=60))
def send_due_reminders(*, at: str, attempt: int = 1) -> str:
    """Send the reminders due at ``at`` (ISO 8601 with offset); returns counts only."""
    moment = datetime.fromisoformat(at)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_fixed_timezone(0))
    return services.send_due(at=moment).summary()
