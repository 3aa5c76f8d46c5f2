"""Shared pytest fixtures: the two-organization world of personas."""

from __future__ import annotations

import pytest

from openiop.core.testing import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()
