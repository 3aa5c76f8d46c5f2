"""Test helpers for the task queue: run what is ready with the library's own worker loop."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from openiop.core import tasks


def run_tasks() -> None:
    """Run every ready task once (``db_worker --batch``), in this thread. The worker's
    ``close_old_connections`` is skipped: inside a test's transaction it would close the
    connection that holds the test's data (a worker process runs in autocommit)."""
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        tasks.run_worker(batch=True, worker="test-worker")


def results(task: Task[Any, Any], **kwargs: Any) -> list[DBTaskResult[Any, Any]]:
    """The stored results of ``task`` (by enqueue time, then attempt), optionally those with
    these kwargs."""
    rows = DBTaskResult.objects.filter(task_path=task.module_path)
    for key, value in kwargs.items():
        rows = rows.filter(**{f"args_kwargs__kwargs__{key}": value})
    return sorted(
        rows, key=lambda r: (r.enqueued_at, int(r.args_kwargs["kwargs"].get("attempt", 1)))
    )


def statuses(task: Task[Any, Any], **kwargs: Any) -> list[str]:
    return [str(row.status) for row in results(task, **kwargs)]


__all__ = ["TaskResultStatus", "results", "run_tasks", "statuses"]
