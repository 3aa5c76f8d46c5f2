"""Shared pytest fixtures: the two-organization world of personas.

Imports are inside the fixture so that domain tests run without Django (`-p no:django`).
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def world(db: None) -> Any:
    from openiop.core.testing import build_world

    return build_world()
