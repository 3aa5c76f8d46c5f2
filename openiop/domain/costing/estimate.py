"""The cost estimate: a total range and the patient's out-of-pocket range, with its assumptions.

Rule (published consumer cost ranges for IOP): an IOP costs about $250 to $350 a day and
$3,000 to $10,000 for 30 days, varying with services offered, intensity, duration, population
treated, location and amenities. Each factor enters the estimate once:

- intensity and duration: program days = days per week x weeks, charged at the daily rate;
- population: a multiplier on the daily rate (eating-disorder or adolescent programs may charge
  more; the program sets the figure);
- services and amenities: priced per program day, week or session, added to the total;
- location: a cost index (1.0 = national average) multiplying every price, because the default
  figures are national. A program whose schedule already holds its local prices passes 1.0.

Low, expected and high use the daily rate's low, expected and high values; every other price is
a single figure the program sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from openiop.domain.costing.insurance import Insurance, describe, patient_share
from openiop.domain.costing.money import (
    CostingInputError,
    check_decimal,
    check_int,
    to_cents,
    usd,
)
from openiop.domain.costing.schedule import DEFAULT_FEE_SCHEDULE, FeeSchedule, Per, PricedItem

# Sanity bounds to catch a mistyped index (e.g. 115 for 1.15); not a published range.
MIN_LOCATION_INDEX = Decimal("0.25")
MAX_LOCATION_INDEX = Decimal(4)


@dataclass(frozen=True)
class EstimateRequest:
    """What the person asking knows. Keys in `services`/`amenities`/`population` are the
    fee schedule's keys."""

    days_per_week: int
    weeks: int
    services: tuple[str, ...] = ()
    population: str = "adults"
    location_cost_index: Decimal = Decimal(1)
    amenities: tuple[str, ...] = ()
    insurance: Insurance | None = None

    def __post_init__(self) -> None:
        check_int("days_per_week", self.days_per_week, 1, 7)
        check_int("weeks", self.weeks, 1, 52)
        check_decimal(
            "location_cost_index",
            self.location_cost_index,
            MIN_LOCATION_INDEX,
            MAX_LOCATION_INDEX,
        )
        for name, keys in (("services", self.services), ("amenities", self.amenities)):
            if isinstance(keys, str):
                raise CostingInputError(name, "must be a list of keys, not one string")
            if len(set(keys)) != len(keys):
                raise CostingInputError(name, "lists the same key twice")

    @property
    def program_days(self) -> int:
        return self.days_per_week * self.weeks


@dataclass(frozen=True)
class MoneyRange:
    low: Decimal
    expected: Decimal
    high: Decimal


@dataclass(frozen=True)
class LineItem:
    label: str
    amount: MoneyRange


@dataclass(frozen=True)
class CostEstimate:
    program_days: int
    lines: tuple[LineItem, ...]
    total: MoneyRange
    per_day: MoneyRange  # total / program days
    out_of_pocket: MoneyRange
    assumptions: tuple[str, ...]


def _pick(
    kind: str, keys: tuple[str, ...], catalogue: Mapping[str, PricedItem]
) -> list[PricedItem]:
    unknown = [key for key in keys if key not in catalogue]
    if unknown:
        known = ", ".join(sorted(catalogue)) or "none"
        raise CostingInputError(kind, f"unknown {unknown}; this program offers: {known}")
    return [catalogue[key] for key in keys]


def _item_line(item: PricedItem, request: EstimateRequest) -> tuple[LineItem, str]:
    if item.price == 0:
        zero = MoneyRange(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
        return LineItem(item.label, zero), f"{item.label} is included in the daily rate."
    units = item.units(program_days=request.program_days, weeks=request.weeks)
    amount = to_cents(item.price * units * request.location_cost_index)
    if item.per is Per.SESSION:
        basis = (
            f"{usd(item.price)} per session, {item.sessions_per_week} a week "
            f"for {request.weeks} weeks"
        )
    elif item.per is Per.WEEK:
        basis = f"{usd(item.price)} a week for {request.weeks} weeks"
    else:
        basis = f"{usd(item.price)} per program day for {request.program_days} days"
    return LineItem(item.label, MoneyRange(amount, amount, amount)), f"{item.label}: {basis}."


def _sum(ranges: list[MoneyRange]) -> MoneyRange:
    return MoneyRange(
        sum((r.low for r in ranges), Decimal("0.00")),
        sum((r.expected for r in ranges), Decimal("0.00")),
        sum((r.high for r in ranges), Decimal("0.00")),
    )


def estimate(
    request: EstimateRequest, schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE
) -> CostEstimate:
    """Estimate the cost of a course of IOP under `schedule` (see the module docstring)."""
    services = _pick("services", request.services, schedule.services)
    amenities = _pick("amenities", request.amenities, schedule.amenities)
    multiplier = _population_multiplier(request, schedule)
    days = request.program_days
    lines = [LineItem(f"{days} program days", _program_days(request, schedule, multiplier))]
    assumptions = _program_days_assumptions(request, schedule, multiplier)
    for item in (*services, *amenities):
        line, sentence = _item_line(item, request)
        if line.amount.high:
            lines.append(line)
        assumptions.append(sentence)
    if not services:
        assumptions.append("No add-on services were chosen.")
    index = request.location_cost_index
    assumptions.append(
        "Prices are the national figures (location cost index 1.0)."
        if index == 1
        else f"Every price is multiplied by the location cost index {index.normalize():f} "
        "(1.0 = national average)."
    )
    total = _sum([line.amount for line in lines])
    per_day = MoneyRange(
        to_cents(total.low / days), to_cents(total.expected / days), to_cents(total.high / days)
    )
    out_of_pocket = MoneyRange(
        patient_share(total.low, days, request.insurance),
        patient_share(total.expected, days, request.insurance),
        patient_share(total.high, days, request.insurance),
    )
    assumptions.extend(describe(request.insurance))
    assumptions.append(
        "This is an estimate, not a quote: the program confirms its charges at intake."
    )
    return CostEstimate(
        program_days=days,
        lines=tuple(lines),
        total=total,
        per_day=per_day,
        out_of_pocket=out_of_pocket,
        assumptions=tuple(assumptions),
    )


def _population_multiplier(request: EstimateRequest, schedule: FeeSchedule) -> Decimal:
    """The schedule's daily-rate multiplier for the population; refuses one it does not serve."""
    if request.population not in schedule.population_multipliers:
        known = ", ".join(sorted(schedule.population_multipliers)) or "none"
        raise CostingInputError(
            "population", f"unknown {request.population!r}; this program serves: {known}"
        )
    return schedule.population_multipliers[request.population]


def _program_days(
    request: EstimateRequest, schedule: FeeSchedule, multiplier: Decimal
) -> MoneyRange:
    """The program days at the schedule's low, expected and high daily rates, adjusted for
    the population and the location cost index."""
    index, days = request.location_cost_index, request.program_days

    def daily(rate: Decimal) -> Decimal:
        return to_cents(rate * multiplier * index * days)

    return MoneyRange(
        daily(schedule.daily_rate_low),
        daily(schedule.expected_rate),
        daily(schedule.daily_rate_high),
    )


def _program_days_assumptions(
    request: EstimateRequest, schedule: FeeSchedule, multiplier: Decimal
) -> list[str]:
    """What the program-days line assumed: the days, the daily rates and the population."""
    return [
        f"{request.weeks} weeks at {request.days_per_week} program days a week: "
        f"{request.program_days} program days.",
        f"Daily program rate {usd(schedule.daily_rate_low)} to {usd(schedule.daily_rate_high)}, "
        f"expected {usd(schedule.expected_rate)} ({schedule.name}).",
        f"Population {request.population.replace('_', ' ')}: "
        + (
            "no adjustment to the daily rate."
            if multiplier == 1
            else f"daily rate multiplied by {multiplier.normalize():f}."
        ),
    ]
