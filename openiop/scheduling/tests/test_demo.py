"""Demo data: past weeks and this week published, next week solved for review."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import pytest

from openiop.core.testing import World
from openiop.scheduling.demo import extend_demo
from openiop.scheduling.models import GroupSession, ScheduleWeek, SessionAssignment, WeekStatus
from openiop.scheduling.tests.helpers import WEEK, build_sched

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_three_past_weeks_and_this_one_and_solves_the_next(
    world: World,
) -> None:
    build_sched(world)
    today = WEEK + timedelta(days=2)
    began = time.monotonic()
    extend_demo(org=world.org_a, rng=random.Random(1), today=today)
    assert time.monotonic() - began < 30
    weeks = {w.week_start: w.status for w in ScheduleWeek.objects.filter(organization=world.org_a)}
    assert weeks == {
        WEEK - timedelta(days=21): WeekStatus.PUBLISHED,
        WEEK - timedelta(days=14): WeekStatus.PUBLISHED,
        WEEK - timedelta(days=7): WeekStatus.PUBLISHED,
        WEEK: WeekStatus.PUBLISHED,
        WEEK + timedelta(days=7): WeekStatus.SOLVED,
    }
    past = GroupSession.objects.filter(week__week_start__lt=WEEK)
    assert past.count() == 3 * 6 and not past.filter(topic="").exists()
    assert SessionAssignment.objects.filter(session__in=past, patient=world.patient_a1).count() == 9


def test_the_demo_is_the_same_for_the_same_data(world: World) -> None:
    build_sched(world)
    extend_demo(org=world.org_a, rng=random.Random(1), today=date(2026, 12, 9))
    first = sorted(GroupSession.objects.values_list("block_id", "room_id", "topic"))
    GroupSession.objects.all().delete()
    ScheduleWeek.objects.all().delete()
    extend_demo(org=world.org_a, rng=random.Random(1), today=date(2026, 12, 9))
    assert sorted(GroupSession.objects.values_list("block_id", "room_id", "topic")) == first
