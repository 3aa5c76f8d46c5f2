"""Fee schedules: what a program charges, and the national default.

Source of the default: "Cost: about $250 to $350 a day; $3,000 to $10,000 for 30 days. It varies
with services offered, intensity, duration, population treated, location and amenities"
(published consumer cost ranges for IOP). That source gives no separate price for
any service, population or amenity, so the default schedule treats every service as included in
the daily rate and every population multiplier as 1. A program sets its own figures by building
its own `FeeSchedule`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from openiop.domain.costing.money import CostingInputError, check_decimal, check_int, check_money

MAX_MULTIPLIER = Decimal(5)
V = TypeVar("V")


class Per(StrEnum):
    """The unit a priced item is charged by."""

    DAY = "day"  # each program day attended
    WEEK = "week"  # each week of the program
    SESSION = "session"  # each session; `sessions_per_week` of them a week


@dataclass(frozen=True)
class PricedItem:
    """An add-on service or amenity. A price of zero means it is included in the daily rate."""

    label: str
    price: Decimal
    per: Per = Per.WEEK
    sessions_per_week: int = 1

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise CostingInputError("label", "must not be blank")
        check_money(f"{self.label} price", self.price)
        if not isinstance(self.per, Per):
            raise CostingInputError(f"{self.label} per", f"must be one of {[p.value for p in Per]}")
        check_int(f"{self.label} sessions_per_week", self.sessions_per_week, 1, 7)

    def units(self, *, program_days: int, weeks: int) -> int:
        """How many times the price is charged over the program."""
        if self.per is Per.DAY:
            return program_days
        if self.per is Per.WEEK:
            return weeks
        return self.sessions_per_week * weeks


def _frozen(items: Mapping[str, V]) -> Mapping[str, V]:
    return MappingProxyType(dict(items))


@dataclass(frozen=True)
class FeeSchedule:
    """What one program charges. Keys of the mappings are what an estimate request names."""

    name: str
    daily_rate_low: Decimal
    daily_rate_high: Decimal
    daily_rate_expected: Decimal | None = None  # None: the midpoint of low and high
    services: Mapping[str, PricedItem] = field(default_factory=dict)
    population_multipliers: Mapping[str, Decimal] = field(default_factory=dict)
    amenities: Mapping[str, PricedItem] = field(default_factory=dict)

    def __post_init__(self) -> None:
        low = check_money("daily_rate_low", self.daily_rate_low)
        high = check_money("daily_rate_high", self.daily_rate_high)
        if low > high:
            raise CostingInputError("daily_rate_low", f"{low} is above daily_rate_high {high}")
        if self.daily_rate_expected is not None:
            expected = check_money("daily_rate_expected", self.daily_rate_expected)
            if not low <= expected <= high:
                raise CostingInputError(
                    "daily_rate_expected", f"{expected} is outside {low}..{high}"
                )
        for key, multiplier in self.population_multipliers.items():
            check_decimal(f"population {key}", multiplier, Decimal("0.01"), MAX_MULTIPLIER)
        # Freeze the mappings so a shared schedule cannot be changed under its users.
        object.__setattr__(self, "services", _frozen(self.services))
        object.__setattr__(self, "population_multipliers", _frozen(self.population_multipliers))
        object.__setattr__(self, "amenities", _frozen(self.amenities))

    @property
    def expected_rate(self) -> Decimal:
        """The expected daily rate: as set, or the midpoint of the range."""
        if self.daily_rate_expected is not None:
            return self.daily_rate_expected
        return (self.daily_rate_low + self.daily_rate_high) / 2


# Services programs add (SAMHSA TIP 47, "Substance Abuse: Clinical Issues in Intensive Outpatient Treatment" (2006)) (medication management, family and individual
# therapy for eating-disorder programs; individual counselling for substance programs) and drug
# testing (80305-80307 in the billing section). No price is sourced, so each is "included".
_DEFAULT_SERVICES = {
    "medication_management": PricedItem("Medication management", Decimal(0)),
    "individual_therapy": PricedItem("Individual therapy", Decimal(0)),
    "family_therapy": PricedItem("Family therapy", Decimal(0)),
    "drug_testing": PricedItem("Drug testing", Decimal(0)),
}

# Common IOP program types (teenagers = adolescents). No sourced adjustment.
_DEFAULT_POPULATIONS = {
    "adults": Decimal(1),
    "adolescents": Decimal(1),
    "substance_use": Decimal(1),
    "alcohol": Decimal(1),
    "mental_health": Decimal(1),
    "eating_disorders": Decimal(1),
    "co_occurring": Decimal(1),
}

DEFAULT_FEE_SCHEDULE = FeeSchedule(
    name="typical U.S. range for intensive outpatient programs",
    daily_rate_low=Decimal("250.00"),
    daily_rate_high=Decimal("350.00"),
    services=_DEFAULT_SERVICES,
    population_multipliers=_DEFAULT_POPULATIONS,
)
"""Published consumer cost ranges: "about $250 to $350 a day". Expected rate: the midpoint, $300."""
