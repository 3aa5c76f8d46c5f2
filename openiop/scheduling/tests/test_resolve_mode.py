"""The mid-week re-solve keeps patients' times before saving groups; the weekly build does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from openiop.core.testing import World
from openiop.domain.scheduling import Problem, Solution, greedy
from openiop.scheduling import runner, services
from openiop.scheduling.tests.helpers import WEEK, build_sched, published_week

pytestmark = pytest.mark.django_db


def test_only_a_resolve_revision_is_solved_stability_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    def fake_solve(problem: Problem, **options: Any) -> Solution:
        seen.append(options["stability_first"])
        return greedy(problem)

    monkeypatch.setattr(runner, "solve", fake_solve)
    build_sched(world)
    first = published_week(world)  # built and solved weekly: the format's order
    with time_machine.travel(datetime(2026, 12, 9, 8, 0, tzinfo=UTC), tick=False):
        new = services.week_resolve(actor=world.admin_a, week=first, first_day=WEEK + timedelta(2))
        runner.solve_now(new, time_limit=1.0)
    assert seen[-1] is True
    assert not any(seen[:-1])  # the weekly build, when it went through the runner
