"""Shared pytest fixtures: the two-organization world of personas.

Imports are inside the fixture so that domain tests run without Django (`-p no:django`).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

_clock: Any = None


def pytest_configure(config: pytest.Config) -> None:
    """`OPENIOP_TEST_CLOCK=2028-02-29T15:00:00+00:00 pytest` runs the whole suite as if that
    were now (time-machine, ticking): CI runs it a year ahead and on a 29th of February so no
    test depends on the day it runs. Tests that freeze their own clock still do."""
    global _clock
    moment = os.environ.get("OPENIOP_TEST_CLOCK", "").strip()
    if moment and _clock is None:
        import time_machine

        _clock = time_machine.travel(moment, tick=True)
        _clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _clock
    if _clock is not None:
        _clock.stop()
        _clock = None


@pytest.fixture
def world(db: None) -> Any:
    from openiop.core.testing import build_world

    return build_world()
