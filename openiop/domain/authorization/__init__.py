"""Authorization forecast: when a payer authorization's units run out at the patient's
scheduled sessions and attendance rate, and the date to ask for the concurrent review by.

Program policy (method, margin and lead time) in ``forecasting``; described in
``docs/authorizations.md``. Pure Python, no Django.
"""

from openiop.domain.authorization.forecasting import (
    ATTENDANCE_MARGIN,
    DEFAULT_REVIEW_LEAD_BUSINESS_DAYS,
    Authorization,
    AuthorizationInputError,
    Forecast,
    ReviewConstraint,
    ScheduledSession,
    UnitKind,
    business_days_before,
    forecast,
)
from openiop.domain.authorization.serialize import forecast_json, to_json

__all__ = [
    "ATTENDANCE_MARGIN",
    "DEFAULT_REVIEW_LEAD_BUSINESS_DAYS",
    "Authorization",
    "AuthorizationInputError",
    "Forecast",
    "ReviewConstraint",
    "ScheduledSession",
    "UnitKind",
    "business_days_before",
    "forecast",
    "forecast_json",
    "to_json",
]
