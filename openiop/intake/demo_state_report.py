"""State reporting details for the demo's admissions and discharges (to be built)."""

from __future__ import annotations

import random
from datetime import date

from openiop.organization.models import Organization


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    """Nothing yet."""
