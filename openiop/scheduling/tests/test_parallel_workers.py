"""Scale-out: two task workers sharing one PostgreSQL solve two organizations' weeks at the same
time, each week exactly once, even with a duplicate task for one of them.

Each worker is the library's worker loop on its own thread and its own database connection, as
it would be on its own machine. The solve is wrapped so that each claimed solve waits (up to a
minute) at a barrier for the other one before solving: if the two solves could not run at the
same time (one worker took both tasks, or a lock serialised them), the barrier breaks and the
test fails, whatever the machine's speed.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from openiop.core import tasks as core_tasks
from openiop.core.testing import build_world
from openiop.core.testing_tasks import TaskResultStatus, results
from openiop.scheduling import runner, services
from openiop.scheduling.models import ScheduleWeek, WeekStatus
from openiop.scheduling.tasks import solve_week
from openiop.scheduling.tests.helpers import WEEK, build_sched


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_solve_two_organizations_weeks_in_parallel_without_double_work(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("several workers on one database is the PostgreSQL path (SKIP LOCKED)")
    settings.SCHEDULE_SOLVE_SECONDS = 2
    world = build_world()
    build_sched(world)
    week_a = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    week_b = services.week_build(actor=world.admin_b, organization=world.org_b, week_start=WEEK)
    services.week_solve_enqueue(actor=world.admin_a, week=week_a)
    services.week_solve_enqueue(actor=world.admin_b, week=week_b)
    solve_week.enqueue(week_id=week_a.pk)  # a duplicate, as after a lost acknowledgement

    barrier = threading.Barrier(2, timeout=60)
    solved_by: Counter[int] = Counter()
    workers_of: dict[int, str] = {}
    real_solve = runner.solve_week

    def solve_together(week: ScheduleWeek) -> Any:
        workers_of[week.pk] = threading.current_thread().name
        barrier.wait()  # both solves are under way at this moment
        solved_by[week.pk] += 1
        return real_solve(week)

    monkeypatch.setattr(runner, "solve_week", solve_together)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            core_tasks.run_worker(batch=True, worker=name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,), name=n) for n in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    assert not barrier.broken, "the two solves did not run at the same time"
    assert solved_by == Counter({week_a.pk: 1, week_b.pk: 1})  # no double work
    assert set(workers_of.values()) == {"w1", "w2"}  # one week each
    for week in (week_a, week_b):
        week.refresh_from_db()
        assert week.status == WeekStatus.SOLVED, (week.status, week.error)
    outcomes = sorted(str(r.return_value) for r in results(solve_week, week_id=week_a.pk))
    assert len(outcomes) == 2 and outcomes[0] == "skipped: not queued"
    assert all(
        r.status == TaskResultStatus.SUCCESSFUL
        for pk in (week_a.pk, week_b.pk)
        for r in results(solve_week, week_id=pk)
    )
