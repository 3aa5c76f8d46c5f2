"""Tests start no background solver thread unless they ask for one (settings fixture)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_background_solver(settings: Any) -> None:
    settings.SCHEDULE_INLINE_FALLBACK = False
