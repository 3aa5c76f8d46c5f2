"""The one task queue (ARCHITECTURE.md §13; docs/adr/0004-task-queue.md).

Background work uses Django's Tasks API through the ``django-tasks`` backport: a task is a
module-level function decorated as a task, enqueued with ``transaction.on_commit`` and run by
``openiop db_worker`` (from ``django-tasks-db``, which stores the queue in this database and
claims rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, an exclusive transaction on
SQLite), so any number of workers on any number of machines can share it.

What the library leaves out, and this module adds:

- **Retries.** :func:`retrying_task` re-enqueues a task that raised, with ``attempt + 1`` and an
  exponential back-off (``run_after``), up to ``max_attempts``; then it calls ``on_give_up`` so
  the object concerned can show a clear failed state. Each attempt is its own task result row:
  a failed attempt stays on record with its traceback.
- **Enqueue after commit.** :func:`enqueue_on_commit`: a worker never sees a task whose
  transaction rolled back, nor runs one before the rows it reads are committed.
- **The demo fallback.** With ``SCHEDULE_INLINE_FALLBACK`` on (``make demo``, DEBUG) and no worker
  running, :func:`kick` starts one daemon thread in the web process that runs the library's own
  worker loop until the queue is empty (and waits for deferred retries). It is kicked after
  each enqueue and once when the web process starts (config/wsgi.py), never by a GET. The
  request that enqueued never waits for the task.

Task arguments and results hold ids, dates and counts only, never names or other patient data:
they sit in a plain table (and the worker's logs) outside the audited access paths.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ParamSpec, Protocol, TypeVar

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_QUEUE_NAME, TaskResultStatus, task
from django_tasks.base import DEFAULT_TASK_PRIORITY, Task

logger = logging.getLogger("openiop.tasks")

P = ParamSpec("P")
T = TypeVar("T")

FALLBACK_THREAD = "openiop-task-fallback"
FALLBACK_MAX_WAIT = 60.0  # seconds between looks while only deferred tasks are left


class RetryHook(Protocol):
    def __call__(
        self, kwargs: dict[str, Any], *, error: BaseException, attempt: int, run_after: datetime
    ) -> None: ...


class GiveUpHook(Protocol):
    def __call__(self, kwargs: dict[str, Any], *, error: BaseException, attempt: int) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt ``n`` (from 1) that fails is retried after ``backoff * 2 ** (n - 1)``."""

    max_attempts: int = 3
    backoff: timedelta = timedelta(seconds=30)

    def delay(self, attempt: int) -> timedelta:
        return self.backoff * int(2 ** (attempt - 1))


def retrying_task(
    *,
    max_attempts: int = 3,
    backoff: timedelta = timedelta(seconds=30),
    retry_on: tuple[type[BaseException], ...] = (Exception,),
    on_retry: RetryHook | None = None,
    on_give_up: GiveUpHook | None = None,
    priority: int = DEFAULT_TASK_PRIORITY,
    queue_name: str = DEFAULT_TASK_QUEUE_NAME,
) -> Callable[[Callable[P, T]], Task[P, T]]:
    """Declare a task that is retried when it raises one of ``retry_on``.

    The function takes keyword arguments only (JSON values: ids, ISO dates) and an
    ``attempt: int = 1`` keyword, which the retry sets; it must be idempotent, because an attempt
    may have done part of its work. A failed attempt re-enqueues the task with ``attempt + 1``,
    ``run_after`` = now + back-off, calls ``on_retry``, and re-raises (its task result is marked
    failed with the traceback). The last attempt calls ``on_give_up`` and re-raises.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    policy = RetryPolicy(max_attempts=max_attempts, backoff=backoff)

    def decorate(func: Callable[P, T]) -> Task[P, T]:
        params = inspect.signature(func).parameters
        if "attempt" not in params or any(
            p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params.values()
        ):
            raise TypeError(f"{func.__qualname__}: keyword-only arguments and an `attempt` one")

        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            attempt = int(kwargs.get("attempt", 1))  # type: ignore[call-overload]
            try:
                return func(*args, **kwargs)
            except retry_on as exc:
                given = {k: v for k, v in kwargs.items() if k != "attempt"}
                name = func.__qualname__
                if attempt >= policy.max_attempts:
                    logger.error("task %s gave up after %s attempts: %r", name, attempt, exc)
                    if on_give_up is not None:
                        on_give_up(given, error=exc, attempt=attempt)
                    raise
                run_after = timezone.now() + policy.delay(attempt)
                # Directly, not on commit: a worker runs tasks outside any transaction.
                again: dict[str, Any] = {**given, "attempt": attempt + 1}
                this.using(run_after=run_after).enqueue(*args, **again)
                logger.warning(
                    "task %s attempt %s failed (%r); attempt %s at %s",
                    name,
                    attempt,
                    exc,
                    attempt + 1,
                    run_after.isoformat(timespec="seconds"),
                )
                if on_retry is not None:
                    on_retry(given, error=exc, attempt=attempt, run_after=run_after)
                raise

        this: Task[P, T] = task(priority=priority, queue_name=queue_name)(run)
        return this

    return decorate


def enqueue_on_commit(task_: Task[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
    """Enqueue once the current transaction commits (at once outside one); then let the demo
    fallback run it if that is on. A failure to enqueue is logged, never raised into the request
    that already committed."""

    def send() -> None:
        task_.enqueue(*args, **kwargs)
        kick()

    transaction.on_commit(send, robust=True)


def abandon(task_: Task[Any, Any], reason: str, **match: Any) -> int:
    """Mark as failed the running results of ``task_`` whose keyword arguments include
    ``match``: their worker stopped (killed, machine lost) and will never finish them. The
    library leaves such rows running forever. Returns how many rows changed."""
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path=task_.module_path)
    for key, value in match.items():
        rows = rows.filter(**{f"args_kwargs__kwargs__{key}": value})
    return rows.update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="openiop.core.tasks.WorkerLost",
        traceback=f"WorkerLost: {reason}",
    )


class WorkerLost(Exception):
    """The exception class recorded by :func:`abandon` (never raised)."""


# --- the in-process fallback (demo, development) ---------------------------------------------

_lock = threading.Lock()  # held by the one fallback thread of this process
_wake = threading.Event()  # a new task was enqueued while the thread waited or ran
_stop = threading.Event()  # tests and shutdown: leave the loop
_current: dict[str, Any] = {}


def worker_id(kind: str) -> str:
    """Unique across the pool (the library asks for at most 64 characters)."""
    return f"{kind}:{socket.gethostname()[:30]}:{os.getpid()}:{get_random_string(8)}"[:64]


def run_worker(*, batch: bool = True, worker: str | None = None) -> None:
    """The library's worker loop in this thread, over every queue of the default backend;
    ``batch`` returns once nothing is ready. No signal handlers (threads cannot set them)."""
    from django_tasks_db.management.commands.db_worker import Worker

    loop = Worker(
        queue_names=["*"],
        interval=0.5,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker or worker_id("inline"),
        excluded_queue_names=[],
    )
    _current["worker"] = loop
    try:
        loop.run()
    finally:
        _current.pop("worker", None)


def _ready_exists() -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().exists()


def _seconds_to_next_deferred() -> float | None:
    from django_tasks_db.models import DBTaskResult, get_date_max

    first = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .exclude(run_after=get_date_max())
        .order_by("run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    if first is None:
        return None
    return max(0.0, (first - timezone.now()).total_seconds())


def _drain_until_idle() -> None:
    while not _stop.is_set():
        _wake.clear()
        run_worker(worker=worker_id("web"))
        wait = _seconds_to_next_deferred()
        if wait is None and not _wake.is_set():
            return
        # A deferred retry (or nothing, when woken): sleep until it is due or a kick comes.
        _wake.wait(timeout=min(wait if wait is not None else 0.0, FALLBACK_MAX_WAIT))


def _fallback_loop() -> None:
    try:
        while True:
            try:
                _drain_until_idle()
            finally:
                _lock.release()
            # A task enqueued between the last look and the release would wait otherwise.
            if _stop.is_set() or not _ready_exists() or not _lock.acquire(blocking=False):
                return
    except Exception:
        logger.exception("the in-process task runner stopped")
    finally:
        connections.close_all()


def kick() -> bool:
    """Start the fallback thread if the setting asks for it and none runs; True if started."""
    if not getattr(settings, "SCHEDULE_INLINE_FALLBACK", False) or _stop.is_set():
        return False
    if not _lock.acquire(blocking=False):
        _wake.set()  # the running thread looks again before it sleeps or stops
        return False
    try:
        threading.Thread(target=_fallback_loop, daemon=True, name=FALLBACK_THREAD).start()
    except Exception:
        _lock.release()
        raise
    return True


def fallback_running() -> bool:
    return _lock.locked()


def stop_fallback(timeout: float = 30.0) -> None:
    """Stop this process's fallback thread after its current task (tests)."""
    _stop.set()
    _wake.set()
    loop = _current.get("worker")
    if loop is not None:
        loop.running = False
    for thread in threading.enumerate():
        if thread.name == FALLBACK_THREAD:
            thread.join(timeout=timeout)
    _stop.clear()
    _wake.clear()
