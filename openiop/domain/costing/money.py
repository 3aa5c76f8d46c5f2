"""Money and input checks shared by the cost estimate.

Money is always `Decimal` in whole cents, never `float`: a float cannot hold $0.10 exactly, and
an estimate a patient reads must add up to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class CostingInputError(ValueError):
    """An input to the cost estimate is invalid; `field` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def to_cents(value: Decimal) -> Decimal:
    """Round to whole cents, half up (the usual rule for a price shown to a person)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def usd(value: Decimal) -> str:
    """Format an amount as US dollars, e.g. `$3,000.00`."""
    return f"${to_cents(value):,.2f}"


def check_money(field: str, value: object) -> Decimal:
    """Return `value` if it is a non-negative Decimal in whole cents, else raise."""
    if isinstance(value, float):
        raise CostingInputError(field, "money must be a Decimal, not a float")
    if not isinstance(value, Decimal) or not value.is_finite():
        raise CostingInputError(field, f"must be a Decimal amount, got {value!r}")
    if value < 0:
        raise CostingInputError(field, f"must not be negative, got {value}")
    if value != value.quantize(CENT):
        raise CostingInputError(field, f"must be in whole cents, got {value}")
    return value


def check_decimal(field: str, value: object, low: Decimal, high: Decimal) -> Decimal:
    """Return `value` if it is a Decimal within [low, high], else raise."""
    if isinstance(value, float):
        raise CostingInputError(field, "must be a Decimal, not a float")
    if not isinstance(value, Decimal) or not value.is_finite():
        raise CostingInputError(field, f"must be a Decimal, got {value!r}")
    if not low <= value <= high:
        raise CostingInputError(field, f"must be between {low} and {high}, got {value}")
    return value


def check_int(field: str, value: object, low: int, high: int) -> int:
    """Return `value` if it is an int within [low, high] (bool is refused), else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise CostingInputError(field, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise CostingInputError(field, f"must be between {low} and {high}, got {value}")
    return value
