"""Cost estimate ranges for a course of IOP, and the assumptions behind them.

Defaults (published consumer cost ranges for IOP): about $250 to $350 a day, $3,000 to $10,000 for 30 days,
varying with services offered, intensity, duration, population treated, location and amenities.
Each program can set its own `FeeSchedule`. Money is `Decimal` in cents, never float.
"""

from openiop.domain.costing.estimate import (
    CostEstimate,
    EstimateRequest,
    LineItem,
    MoneyRange,
    estimate,
)
from openiop.domain.costing.insurance import Insurance, patient_share
from openiop.domain.costing.money import CostingInputError
from openiop.domain.costing.schedule import DEFAULT_FEE_SCHEDULE, FeeSchedule, Per, PricedItem

__all__ = [
    "DEFAULT_FEE_SCHEDULE",
    "CostEstimate",
    "CostingInputError",
    "EstimateRequest",
    "FeeSchedule",
    "Insurance",
    "LineItem",
    "MoneyRange",
    "Per",
    "PricedItem",
    "estimate",
    "patient_share",
]
