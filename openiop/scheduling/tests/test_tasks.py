"""The background solve on the task queue: enqueued on commit, run by the worker (the library's
loop, the `db_worker` command and its `schedule-worker` alias), idempotent, retried, watched
for a lost worker; the web process's fallback thread; PostgreSQL's SKIP LOCKED path."""

from __future__ import annotations

import io
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from openiop.core import tasks as core_tasks
from openiop.core.models import AuditEvent
from openiop.core.testing import World, build_world
from openiop.core.testing_tasks import TaskResultStatus, results, run_tasks, statuses
from openiop.scheduling import runner, services
from openiop.scheduling.models import ScheduleWeek, WeekStatus
from openiop.scheduling.tasks import SOLVE_ATTEMPTS, solve_week, watch_solve
from openiop.scheduling.tests.helpers import WEEK, build_sched

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Iterator[Any]:
    """Inside the test's transaction nothing commits: this runs the on-commit callbacks (the
    enqueue) of what is done under ``with on_commit():`` as if it had committed."""

    def committed() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    yield committed


def _queued(world: World, week_start: Any = WEEK, *, on_commit: Any = None) -> ScheduleWeek:
    """Build and queue a week; with ``on_commit``, its solve task is enqueued too."""
    week = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=week_start)
    if on_commit is None:  # a transactional test commits for real
        return services.week_solve_enqueue(actor=world.admin_a, week=week)
    with on_commit():
        return services.week_solve_enqueue(actor=world.admin_a, week=week)


@pytest.mark.django_db
def test_enqueueing_marks_the_week_queued_and_sends_one_solve_task_on_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    build_sched(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        week = _queued(world)
    assert week.status == WeekStatus.QUEUED and week.progress == "Waiting for the solver."
    assert results(solve_week) == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert statuses(solve_week, week_id=week.pk) == [TaskResultStatus.READY]
    week.refresh_from_db()
    assert week.status == WeekStatus.QUEUED and week.solution == {}


@pytest.mark.django_db
def test_the_worker_solves_every_queued_week(world: World, on_commit: Any) -> None:
    build_sched(world)
    first, second = (
        _queued(world, on_commit=on_commit),
        _queued(world, WEEK + timedelta(days=7), on_commit=on_commit),
    )
    run_tasks()
    for week in (first, second):
        week.refresh_from_db()
        assert week.status == WeekStatus.SOLVED, week.error
        assert week.solution["stats"]["shortfall_hours"] == 0
        assert week.progress.startswith("Done:") and week.solved_at is not None
        assert statuses(solve_week, week_id=week.pk) == [TaskResultStatus.SUCCESSFUL]
        # Each claim scheduled a watchdog for two minutes later.
        assert statuses(watch_solve, week_id=week.pk) == [TaskResultStatus.READY]


@pytest.mark.django_db
def test_the_db_worker_command_and_its_schedule_worker_alias_run_the_queue(
    world: World, on_commit: Any
) -> None:
    build_sched(world)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        with mock.patch.object(db_worker, "close_old_connections", lambda: None):
            first = _queued(world, on_commit=on_commit)
            call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
            second = _queued(world, WEEK + timedelta(days=7), on_commit=on_commit)
            call_command("schedule-worker", "--once", "--no-startup-delay", stdout=io.StringIO())
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    for week in (first, second):
        week.refresh_from_db()
        assert week.status == WeekStatus.SOLVED, week.error


@pytest.mark.django_db
def test_a_solve_for_a_week_no_longer_queued_does_nothing(world: World, on_commit: Any) -> None:
    build_sched(world)
    week = _queued(world, on_commit=on_commit)
    solve_week.enqueue(week_id=week.pk, attempt=1)  # a duplicate task for the same week
    run_tasks()
    week.refresh_from_db()
    assert week.status == WeekStatus.SOLVED
    returned = sorted(r.return_value for r in results(solve_week, week_id=week.pk))
    assert returned == ["skipped: not queued", f"week {week.pk}: solved"]
    solved_events = AuditEvent.objects.filter(detail__startswith="solver finished").count()
    # A late task for a week that was superseded meanwhile changes nothing either.
    ScheduleWeek.objects.filter(pk=week.pk).update(status=WeekStatus.SUPERSEDED)
    solve_week.enqueue(week_id=week.pk, attempt=1)
    run_tasks()
    week.refresh_from_db()
    assert week.status == WeekStatus.SUPERSEDED
    assert AuditEvent.objects.filter(detail__startswith="solver finished").count() == solved_events
    assert watch_solve.module_path and len(results(watch_solve, week_id=week.pk)) == 1


@pytest.mark.django_db
def test_a_failing_attempt_is_retried_and_the_week_says_so_until_it_is_solved(
    world: World, on_commit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_sched(world)
    real = runner.solve_week
    failures = {"left": 1}

    def once_broken(week: ScheduleWeek, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("database went away")
        return real(week, **kwargs)

    monkeypatch.setattr(runner, "solve_week", once_broken)
    with time_machine.travel(NOW, tick=False):
        week = _queued(world, on_commit=on_commit)
        run_tasks()
        week.refresh_from_db()
        assert week.status == WeekStatus.QUEUED
        assert week.progress == "Attempt 1 failed (ConnectionError); trying again in 30 s."
        assert statuses(solve_week) == [TaskResultStatus.FAILED, TaskResultStatus.READY]
    with time_machine.travel(NOW + timedelta(seconds=31), tick=True):
        run_tasks()
    week.refresh_from_db()
    assert week.status == WeekStatus.SOLVED, week.error
    attempts = [r.args_kwargs["kwargs"]["attempt"] for r in results(solve_week)]
    assert attempts == [1, 2]
    assert statuses(solve_week) == [TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL]
    assert results(solve_week)[1].return_value == f"week {week.pk}: solved"


@pytest.mark.django_db
def test_after_the_last_attempt_the_week_is_failed_with_the_reason(
    world: World, on_commit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_sched(world)

    def broken(week: ScheduleWeek, **kwargs: Any) -> Any:
        raise ConnectionError("database went away")

    monkeypatch.setattr(runner, "solve_week", broken)
    week = _queued(world, on_commit=on_commit)
    for wait in (0, 31, 91):  # back-off 30 s, then 60 s
        with time_machine.travel(NOW + timedelta(seconds=wait), tick=False):
            run_tasks()
    week.refresh_from_db()
    assert week.status == WeekStatus.FAILED and week.progress == "Failed."
    assert week.error == (
        f"The solver failed {SOLVE_ATTEMPTS} times; last error: ConnectionError: database went away"
    )
    assert statuses(solve_week) == [TaskResultStatus.FAILED] * SOLVE_ATTEMPTS
    assert AuditEvent.objects.filter(detail__startswith="solver gave up").count() == 1


@pytest.mark.django_db
def test_a_malformed_problem_fails_with_its_reason_without_retrying(
    world: World, on_commit: Any
) -> None:
    build_sched(world)
    week = _queued(world, on_commit=on_commit)
    ScheduleWeek.objects.filter(pk=week.pk).update(problem={"week_start": "2026-12-08"})
    run_tasks()
    week.refresh_from_db()
    assert week.status == WeekStatus.FAILED and "not a Monday" in week.error
    assert statuses(solve_week) == [TaskResultStatus.SUCCESSFUL]


@pytest.mark.django_db
def test_a_crashing_solver_falls_back_to_the_greedy_schedule(
    world: World, on_commit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_sched(world)
    week = _queued(world, on_commit=on_commit)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "solve", broken)
    run_tasks()
    week.refresh_from_db()
    assert week.status == WeekStatus.SOLVED and week.solution["stats"]["solver"] == "greedy"
    assert "CP-SAT failed" in week.error


@pytest.mark.django_db
def test_progress_is_written_while_solving_and_ignored_afterwards(world: World) -> None:
    build_sched(world)
    week = _queued(world)
    assert runner.claim(week.pk) is not None
    assert runner.claim(week.pk) is None  # claimed once
    runner.set_progress(week.pk, "CP-SAT improving it: 3 s of at most 10 s.")
    week.refresh_from_db()
    assert week.progress.startswith("CP-SAT improving")
    ScheduleWeek.objects.filter(pk=week.pk).update(status=WeekStatus.SOLVED)
    runner.set_progress(week.pk, "late")
    week.refresh_from_db()
    assert week.progress != "late"


@pytest.mark.django_db
def test_a_result_for_a_week_no_longer_solving_is_dropped(world: World) -> None:
    build_sched(world)
    week = _queued(world)
    assert services.week_solution_store(week_id=week.pk, solution={"groups": []}) is None
    week.refresh_from_db()
    assert week.status == WeekStatus.QUEUED


@pytest.mark.django_db
def test_a_solve_whose_worker_died_is_queued_again_as_the_next_attempt(
    world: World, on_commit: Any
) -> None:
    build_sched(world)
    week = _queued(world, on_commit=on_commit)
    (task,) = results(solve_week)
    task.claim("worker-that-died")  # the worker took the task, claimed the week, then died
    claimed = runner.claim(week.pk)
    assert claimed is not None and claimed.started_at is not None
    started = claimed.started_at.isoformat()
    watch = {"week_id": week.pk, "started_at": started, "solve_attempt": 1}
    assert watch_solve.call(**watch) == "alive: looking again later"  # still beating
    ScheduleWeek.objects.filter(pk=week.pk).update(
        heartbeat_at=timezone.now() - runner.STALE_AFTER - timedelta(seconds=1)
    )
    with on_commit():
        assert watch_solve.call(**watch) == "queued again"
    week.refresh_from_db()
    assert week.status == WeekStatus.QUEUED
    assert week.progress == "Queued again: the solver that had it stopped."
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED  # no longer shown as running forever
    run_tasks()
    week.refresh_from_db()
    assert week.status == WeekStatus.SOLVED
    assert [r.args_kwargs["kwargs"]["attempt"] for r in results(solve_week)] == [1, 2]
    assert watch_solve.call(**watch) == "finished"  # another solve: nothing to do


@pytest.mark.django_db
def test_a_solve_that_keeps_losing_its_worker_ends_failed(world: World, on_commit: Any) -> None:
    build_sched(world)
    week = _queued(world, on_commit=on_commit)
    claimed = runner.claim(week.pk, attempt=SOLVE_ATTEMPTS)
    assert claimed is not None and claimed.started_at is not None
    ScheduleWeek.objects.filter(pk=week.pk).update(
        heartbeat_at=timezone.now() - runner.STALE_AFTER - timedelta(seconds=1)
    )
    result = watch_solve.call(
        week_id=week.pk, started_at=claimed.started_at.isoformat(), solve_attempt=SOLVE_ATTEMPTS
    )
    assert result == "failed"
    week.refresh_from_db()
    assert week.status == WeekStatus.FAILED and "stopped 3 times" in week.error


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_the_web_process_solves_in_a_background_thread(settings: Any) -> None:
    settings.SCHEDULE_INLINE_FALLBACK = True
    world = build_world()
    build_sched(world)
    week = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    services.week_solve_enqueue(actor=world.admin_a, week=week)  # commits: starts the thread
    assert core_tasks.fallback_running()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        week.refresh_from_db()
        if week.status not in (WeekStatus.QUEUED, WeekStatus.SOLVING):
            break
        time.sleep(0.2)
    assert week.status == WeekStatus.SOLVED, (week.status, week.error)
    core_tasks.stop_fallback()  # it waits for the watchdog's turn otherwise
    assert not core_tasks.fallback_running()
    assert statuses(solve_week, week_id=week.pk) == [TaskResultStatus.SUCCESSFUL]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_locked_task_is_skipped_not_waited_for() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is the PostgreSQL path")
    world = build_world()
    build_sched(world)
    first, second = _queued(world), _queued(world, WEEK + timedelta(days=7))
    errors: list[BaseException] = []
    with transaction.atomic():
        # Another worker holds the oldest solve task's row lock.
        (locked,) = results(solve_week, week_id=first.pk)
        DBTaskResult.objects.select_for_update().get(pk=locked.pk)

        def other_worker() -> None:
            try:
                core_tasks.run_worker(batch=True, worker="other")
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        thread = threading.Thread(target=other_worker)
        began = time.monotonic()
        thread.start()
        thread.join(timeout=60)
        assert time.monotonic() - began < 30  # did not wait for our lock
    assert errors == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WeekStatus.QUEUED and second.status == WeekStatus.SOLVED
    run_tasks()
    first.refresh_from_db()
    assert first.status == WeekStatus.SOLVED
