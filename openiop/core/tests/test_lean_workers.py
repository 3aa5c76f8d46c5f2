"""A web worker starts without the schedule solver and without the ZIP code table: both are
loaded on first use, by the processes that need them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import openiop.config.wsgi
from django.urls import get_resolver, reverse
resolver = get_resolver()
resolver.reverse_dict  # imports every URL module and so every view
for name in ("core:home", "accounts:login", "delivery:week", "locator:directory"):
    reverse(name)
from openiop.locator import geo
print(json.dumps({
    "ortools": sorted(m for m in sys.modules if m == "ortools" or m.startswith("ortools.")),
    "cpsat": "openiop.domain.scheduling.cpsat" in sys.modules,
    "zipcodes": "zipcodes" in sys.modules,
    "zip_lookups_cached": geo._lookup.cache_info().currsize,
}))
"""


def _probe() -> dict[str, object]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openiop.config.settings_test",
        "SCHEDULE_INLINE_FALLBACK": "0",
    }
    env.pop("OPENIOP_PROCESS", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_web_worker_imports_every_view_without_the_solver_or_the_zip_table() -> None:
    loaded = _probe()
    assert loaded == {"ortools": [], "cpsat": False, "zipcodes": False, "zip_lookups_cached": 0}


def test_the_solver_is_still_there_for_those_who_ask() -> None:
    from openiop.domain import scheduling
    from openiop.domain.scheduling import cpsat

    assert scheduling.solve is cpsat.solve
