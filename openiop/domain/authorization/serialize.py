"""The forecast as the JSON the work list, the review packet and ``openiop auth forecast
--json`` share: ``{units_authorized, units_used, forecast_exhausted_on, review_by, basis}``.

Dates are ISO 8601 (``YYYY-MM-DD``) or null; units are JSON numbers (whole numbers as
integers). Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from openiop.domain.authorization.forecasting import (
    Authorization,
    Forecast,
    ScheduledSession,
    forecast,
)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def to_json(result: Forecast) -> dict[str, object]:
    """The issue's shape from a ``Forecast``."""
    return {
        "units_authorized": _number(result.units_authorized),
        "units_used": _number(result.units_used),
        "forecast_exhausted_on": (
            result.exhausted_on.isoformat() if result.exhausted_on is not None else None
        ),
        "review_by": result.review_by.isoformat(),
        "basis": result.basis,
    }


def forecast_json(
    auth: Authorization,
    used: Decimal | int,
    schedule: Iterable[ScheduledSession],
    attendance_rate: Decimal | float | None,
    today: date,
    *,
    schedule_through: date | None = None,
) -> dict[str, object]:
    """``forecast(...)`` in the issue's JSON shape (``json.dumps`` takes it as it is)."""
    return to_json(
        forecast(auth, used, schedule, attendance_rate, today, schedule_through=schedule_through)
    )
