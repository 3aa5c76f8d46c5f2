"""Privacy in the demo: consents on most patients, admission notices, and the breach log."""

from __future__ import annotations

import random
from datetime import date

from openiop.organization.models import Organization


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    from openiop.privacy import demo_consents, demo_records

    demo_consents.extend_demo(org=org, rng=rng, today=today)
    demo_records.extend_demo(org=org, rng=rng, today=today)
