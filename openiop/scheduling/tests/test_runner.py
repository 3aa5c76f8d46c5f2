"""The background solve: the worker command, claiming on SQLite and PostgreSQL, stale solves,
failures, and the web process's fallback thread."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from openiop.core.testing import World, build_world
from openiop.scheduling import runner, services
from openiop.scheduling.models import ScheduleWeek, WeekStatus, WorkerHeartbeat
from openiop.scheduling.tests.helpers import WEEK, build_sched


def _queued(world: World, week_start: Any = WEEK) -> ScheduleWeek:
    week = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=week_start)
    return services.week_solve_enqueue(actor=world.admin_a, week=week)


@pytest.mark.django_db
def test_enqueueing_marks_the_week_queued_without_solving_it(world: World) -> None:
    build_sched(world)
    week = _queued(world)
    assert week.status == WeekStatus.QUEUED and week.progress == "Waiting for the solver."
    assert week.solution == {}


@pytest.mark.django_db
def test_the_worker_once_solves_every_queued_week_and_leaves_no_heartbeat(world: World) -> None:
    build_sched(world)
    first, second = _queued(world), _queued(world, WEEK + timedelta(days=7))
    call_command("schedule-worker", "--once", "--time-limit", "5")
    for week in (first, second):
        week.refresh_from_db()
        assert week.status == WeekStatus.SOLVED
        assert week.solution["stats"]["shortfall_hours"] == 0
        assert week.progress.startswith("Done:") and week.solved_at is not None
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_the_worker_refuses_bad_options(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("schedule-worker", "--once", "--time-limit", "0")


@pytest.mark.django_db
def test_a_week_is_claimed_only_once(world: World) -> None:
    build_sched(world)
    week = _queued(world)
    claimed = runner.claim_next()
    assert claimed is not None and claimed.pk == week.pk and claimed.status == WeekStatus.SOLVING
    assert runner.claim_next() is None


@pytest.mark.django_db
def test_the_sqlite_path_claims_with_a_conditional_update(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_sched(world)
    week = _queued(world)
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", False)
    # Another worker took it between our look at the queue and our update:
    ScheduleWeek.objects.filter(pk=week.pk).update(status=WeekStatus.SOLVING)
    assert runner.claim_next() is None
    ScheduleWeek.objects.filter(pk=week.pk).update(status=WeekStatus.QUEUED)
    claimed = runner.claim_next()
    assert claimed is not None and claimed.pk == week.pk


@pytest.mark.django_db
def test_a_solve_that_stopped_beating_is_queued_again(world: World) -> None:
    build_sched(world)
    week = _queued(world)
    assert runner.claim_next() is not None
    ScheduleWeek.objects.filter(pk=week.pk).update(
        heartbeat_at=timezone.now() - runner.STALE_AFTER - timedelta(seconds=1)
    )
    claimed = runner.claim_next()  # requeued, then claimed again
    assert claimed is not None and claimed.pk == week.pk


@pytest.mark.django_db
def test_a_malformed_problem_fails_with_its_reason(world: World) -> None:
    build_sched(world)
    week = _queued(world)
    ScheduleWeek.objects.filter(pk=week.pk).update(problem={"week_start": "2026-12-08"})
    call_command("schedule-worker", "--once")
    week.refresh_from_db()
    assert week.status == WeekStatus.FAILED and "not a Monday" in week.error


@pytest.mark.django_db
def test_a_crashing_solver_falls_back_to_the_greedy_schedule(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_sched(world)
    week = _queued(world)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "solve", broken)
    call_command("schedule-worker", "--once")
    week.refresh_from_db()
    assert week.status == WeekStatus.SOLVED and week.solution["stats"]["solver"] == "greedy"
    assert "CP-SAT failed" in week.error


@pytest.mark.django_db
def test_progress_is_written_while_solving_and_ignored_afterwards(world: World) -> None:
    build_sched(world)
    week = _queued(world)
    runner.claim_next()
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
def test_kick_leaves_the_work_to_a_live_worker(
    world: World, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    build_sched(world)
    _queued(world)
    started: list[Any] = []
    monkeypatch.setattr(runner.threading, "Thread", lambda **kw: started.append(kw) or _Noop())
    WorkerHeartbeat.objects.create(name="other:1", seen_at=timezone.now())
    assert runner.kick() is False and started == []  # fallback disabled (tests' default)
    settings.SCHEDULE_INLINE_FALLBACK = True
    assert runner.kick() is False and started == []  # a live worker
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=5))
    try:
        assert runner.kick() is True and len(started) == 1
        assert runner.kick() is False  # one solving thread per process
    finally:
        runner._fallback_lock.release()
    with override_settings(SCHEDULE_INLINE_FALLBACK=False):
        assert runner.kick() is False


class _Noop:
    def start(self) -> None:
        pass


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_the_web_process_solves_in_a_background_thread(settings: Any) -> None:
    settings.SCHEDULE_INLINE_FALLBACK = True
    world = build_world()
    build_sched(world)
    week = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    with override_settings(SCHEDULE_SOLVE_SECONDS=5):
        services.week_solve_enqueue(actor=world.admin_a, week=week)  # commits: kicks a thread
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            week.refresh_from_db()
            if week.status not in (WeekStatus.QUEUED, WeekStatus.SOLVING):
                break
            time.sleep(0.2)
    assert week.status == WeekStatus.SOLVED, (week.status, week.error)
    for thread in threading.enumerate():
        if thread.name == "openiop-schedule-solver":
            thread.join(timeout=10)
    assert not runner.fallback_running()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_locked_week_is_skipped_not_waited_for() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is the PostgreSQL path")
    world = build_world()
    build_sched(world)
    first, second = _queued(world), _queued(world, WEEK + timedelta(days=7))
    got: list[int | None] = []
    with transaction.atomic():
        # Another worker holds the oldest queued week's row lock.
        ScheduleWeek.objects.select_for_update().get(pk=first.pk)

        def other_worker() -> None:
            try:
                week = runner.claim_next()
                got.append(week.pk if week else None)
            finally:
                connection.close()

        thread = threading.Thread(target=other_worker)
        began = time.monotonic()
        thread.start()
        thread.join(timeout=20)
        assert time.monotonic() - began < 10  # did not wait for our lock
    assert got == [second.pk]
    first.refresh_from_db()
    assert first.status == WeekStatus.QUEUED
