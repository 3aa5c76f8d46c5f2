"""Outcomes demo: months of past admissions and discharges for the dashboard (to be built)."""

from __future__ import annotations

import random
from datetime import date

from openiop.organization.models import Organization


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    """Nothing yet."""
