"""Fixtures of the locator tests. DRF's anonymous throttle counts in the process-local cache;
clear it so one test's requests never throttle the next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
