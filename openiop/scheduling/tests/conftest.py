"""Tests start no in-process task runner unless they ask for one (settings fixture); one that
did is stopped afterwards, so it never runs a later test's tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from openiop.core import tasks


@pytest.fixture(autouse=True)
def _no_background_solver(settings: Any) -> Iterator[None]:
    settings.SCHEDULE_INLINE_FALLBACK = False
    settings.SCHEDULE_SOLVE_SECONDS = 5
    yield
    if tasks.fallback_running():
        tasks.stop_fallback()
