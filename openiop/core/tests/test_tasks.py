"""The task queue's additions to the library (openiop/core/tasks.py): retries with back-off and
a give-up hook, enqueueing on commit, marking a lost worker's task failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction

from openiop.core.tasks import abandon, enqueue_on_commit, retrying_task
from openiop.core.testing_tasks import TaskResultStatus, results, run_tasks, statuses

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
CALLS: dict[str, list[Any]] = {"retry": [], "give_up": [], "runs": []}
FAILURES = {"left": 0}


def _on_retry(
    kwargs: dict[str, Any], *, error: BaseException, attempt: int, run_after: Any
) -> None:
    CALLS["retry"].append((kwargs, str(error), attempt, run_after))


def _on_give_up(kwargs: dict[str, Any], *, error: BaseException, attempt: int) -> None:
    CALLS["give_up"].append((kwargs, str(error), attempt))


@retrying_task(
    max_attempts=3, backoff=timedelta(seconds=10), on_retry=_on_retry, on_give_up=_on_give_up
)
def flaky(*, key: str, attempt: int = 1) -> dict[str, Any]:
    """Fails while FAILURES["left"] > 0, then returns its attempt."""
    CALLS["runs"].append(attempt)
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise RuntimeError(f"flaky {key} attempt {attempt}")
    return {"key": key, "attempt": attempt}


@pytest.fixture(autouse=True)
def _reset() -> None:
    for calls in CALLS.values():
        calls.clear()
    FAILURES["left"] = 0


@pytest.mark.django_db
def test_a_task_that_fails_once_is_retried_after_its_back_off_and_then_succeeds() -> None:
    FAILURES["left"] = 1
    with time_machine.travel(NOW, tick=False):
        flaky.enqueue(key="a")
        run_tasks()
        assert statuses(flaky) == [TaskResultStatus.FAILED, TaskResultStatus.READY]
        first, second = results(flaky)
        assert "flaky a attempt 1" in first.traceback
        assert second.args_kwargs["kwargs"] == {"key": "a", "attempt": 2}
        assert second.run_after == NOW + timedelta(seconds=10)
        assert CALLS["retry"] == [({"key": "a"}, "flaky a attempt 1", 1, second.run_after)]
        run_tasks()  # not due yet
        assert CALLS["runs"] == [1]
    with time_machine.travel(NOW + timedelta(seconds=11), tick=False):
        run_tasks()
    assert CALLS["runs"] == [1, 2] and CALLS["give_up"] == []
    assert statuses(flaky) == [TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL]
    assert flaky.get_result(str(results(flaky)[1].id)).return_value == {"key": "a", "attempt": 2}


@pytest.mark.django_db
def test_a_task_that_keeps_failing_backs_off_twice_as_long_then_gives_up() -> None:
    FAILURES["left"] = 99
    flaky.enqueue(key="b")
    for wait in (0, 11, 31):  # attempt 2 after 10 s, attempt 3 after 20 s more
        with time_machine.travel(NOW + timedelta(seconds=wait), tick=False):
            run_tasks()
    assert CALLS["runs"] == [1, 2, 3]
    assert [c[2] for c in CALLS["retry"]] == [1, 2]
    assert CALLS["give_up"] == [({"key": "b"}, "flaky b attempt 3", 3)]
    assert statuses(flaky) == [TaskResultStatus.FAILED] * 3  # no fourth attempt queued


@pytest.mark.django_db
def test_enqueue_on_commit_sends_nothing_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                enqueue_on_commit(flaky, key="rolled back")
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert results(flaky) == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(flaky, key="committed")
        assert results(flaky) == []  # not before the commit
    for callback in callbacks:
        callback()
    assert [r.args_kwargs["kwargs"] for r in results(flaky)] == [{"key": "committed"}]


def test_a_retrying_task_takes_keyword_arguments_and_its_attempt() -> None:
    with pytest.raises(TypeError):

        @retrying_task()
        def positional(key: str, *, attempt: int = 1) -> None:
            pass

    with pytest.raises(TypeError):

        @retrying_task()
        def no_attempt(*, key: str) -> None:
            pass


@pytest.mark.django_db
def test_abandon_marks_a_lost_workers_running_task_failed() -> None:
    flaky.enqueue(key="lost")
    flaky.enqueue(key="other")
    for row in results(flaky):
        row.claim("worker-that-died")
    assert abandon(flaky, "no heartbeat", key="lost") == 1
    by_key = {r.args_kwargs["kwargs"]["key"]: r for r in results(flaky)}
    assert by_key["lost"].status == TaskResultStatus.FAILED
    assert by_key["lost"].exception_class_path == "openiop.core.tasks.WorkerLost"
    assert by_key["other"].status == TaskResultStatus.RUNNING
