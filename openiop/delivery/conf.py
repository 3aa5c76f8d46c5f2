"""Settings of the delivery app, read from the environment once (ARCHITECTURE.md §6).

| variable | default | meaning |
|---|---|---|
| `DELIVERY_LATE_AFTER_MINUTES` | `10` | a check-in this long after the start marks the patient late |
| `DELIVERY_EARLY_LEAVE_MINUTES` | `10` | a check-out this long before the end marks "left early" |
| `CHECKIN_OPENS_MINUTES` | `30` | the session code works from this long before the start ... |
| `CHECKIN_CLOSES_MINUTES` | `0` | ... until this long after the end |
| `CHECKIN_RATE_LIMIT` | `10` | failed public check-in attempts per IP address ... |
| `CHECKIN_RATE_WINDOW_MINUTES` | `15` | ... in this many minutes |

The late and early-leave thresholds are program choices, not published rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from openiop.config.env import env_int


@dataclass(frozen=True)
class DeliverySettings:
    late_after_minutes: int
    early_leave_minutes: int
    checkin_opens_minutes: int
    checkin_closes_minutes: int
    checkin_rate_limit: int
    checkin_rate_window_minutes: int


def load() -> DeliverySettings:
    return DeliverySettings(
        late_after_minutes=env_int("DELIVERY_LATE_AFTER_MINUTES", 10, minimum=0, maximum=120),
        early_leave_minutes=env_int("DELIVERY_EARLY_LEAVE_MINUTES", 10, minimum=0, maximum=120),
        checkin_opens_minutes=env_int("CHECKIN_OPENS_MINUTES", 30, minimum=0, maximum=240),
        checkin_closes_minutes=env_int("CHECKIN_CLOSES_MINUTES", 0, minimum=0, maximum=240),
        checkin_rate_limit=env_int("CHECKIN_RATE_LIMIT", 10, minimum=1, maximum=1000),
        checkin_rate_window_minutes=env_int(
            "CHECKIN_RATE_WINDOW_MINUTES", 15, minimum=1, maximum=1440
        ),
    )


SETTINGS = load()
