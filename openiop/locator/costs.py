"""The public cost estimate: a program's fee schedule (or the national default) fed to the pure
`openiop.domain.costing` engine. Read-only; settings are written by `services.fee_schedule_set`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openiop.domain.costing import (
    DEFAULT_FEE_SCHEDULE,
    CostEstimate,
    CostingInputError,
    EstimateRequest,
    FeeSchedule,
    Insurance,
    Per,
    PricedItem,
    estimate,
)
from openiop.domain.costing.estimate import MAX_LOCATION_INDEX, MIN_LOCATION_INDEX
from openiop.locator.models import Facility, FeeScheduleSetting

NATIONAL = Decimal("1.00")
MIN_INDEX, MAX_INDEX = MIN_LOCATION_INDEX, MAX_LOCATION_INDEX
__all__ = ["DEFAULT_FEE_SCHEDULE", "MAX_INDEX", "MIN_INDEX", "ScheduleChoice", "run_estimate"]


@dataclass(frozen=True)
class ScheduleChoice:
    """The schedule an estimate uses, and whether the visitor may set the location index."""

    schedule: FeeSchedule
    location_cost_index: Decimal
    program_set: bool  # True: the program's own schedule (its index applies, not the visitor's)
    facility: Facility | None


def _decimal(value: Any, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise CostingInputError(field, f"{value!r} is not a number") from exc


def _items(defaults: Mapping[str, PricedItem], overrides: Mapping[str, Any], kind: str) -> dict[str, PricedItem]:  # fmt: skip
    items = dict(defaults)
    for key, spec in overrides.items():
        if not isinstance(spec, Mapping):
            raise CostingInputError(f"{kind} {key}", "must be an object with label and price")
        per = str(spec.get("per", "week"))
        if per not in {p.value for p in Per}:
            raise CostingInputError(f"{kind} {key} per", "must be day, week or session")
        try:
            sessions = int(spec.get("sessions_per_week", 1))
        except (TypeError, ValueError) as exc:
            raise CostingInputError(f"{kind} {key} sessions_per_week", "must be 1-7") from exc
        items[key] = PricedItem(
            label=str(spec.get("label") or key.replace("_", " ").capitalize()),
            price=_decimal(spec.get("price", "0"), f"{kind} {key} price"),
            per=Per(per),
            sessions_per_week=sessions,
        )
    return items


def schedule_from_setting(setting: FeeScheduleSetting, *, name: str) -> FeeSchedule:
    """A domain `FeeSchedule` from a program's setting, defaults filling what it leaves out.

    Raises `CostingInputError` (with `.field`) when a figure is out of range.
    """
    populations = dict(DEFAULT_FEE_SCHEDULE.population_multipliers)
    for key, value in (setting.populations or {}).items():
        populations[key] = _decimal(value, f"population {key}")
    return FeeSchedule(
        name=name,
        daily_rate_low=Decimal(setting.daily_rate_low),
        daily_rate_high=Decimal(setting.daily_rate_high),
        daily_rate_expected=(
            Decimal(setting.daily_rate_expected)
            if setting.daily_rate_expected is not None
            else None
        ),
        services=_items(DEFAULT_FEE_SCHEDULE.services, setting.services or {}, "service"),
        population_multipliers=populations,
        amenities=_items({}, setting.amenities or {}, "amenity"),
    )


def schedule_for(facility: Facility | None) -> ScheduleChoice:
    """The program's schedule when the facility is an OpenIOP program that set one, else the
    national default (whose location index the visitor may adjust)."""
    setting: FeeScheduleSetting | None = None
    if facility is not None and facility.program_id is not None:
        setting = FeeScheduleSetting.objects.filter(program_id=facility.program_id).first()
    if setting is None:
        return ScheduleChoice(DEFAULT_FEE_SCHEDULE, NATIONAL, False, facility)
    try:
        schedule = schedule_from_setting(setting, name=f"fee schedule of {facility.name}")  # type: ignore[union-attr]
    except CostingInputError:
        # A setting saved through fee_schedule_set is valid; one edited by hand in the
        # database may not be. The visitor still gets the national figures, said so.
        return ScheduleChoice(DEFAULT_FEE_SCHEDULE, NATIONAL, False, facility)
    return ScheduleChoice(schedule, Decimal(setting.location_cost_index), True, facility)


def run_estimate(
    choice: ScheduleChoice,
    *,
    days_per_week: int,
    weeks: int,
    population: str,
    services: tuple[str, ...],
    amenities: tuple[str, ...],
    insurance: Insurance | None,
    location_cost_index: Decimal | None,
) -> CostEstimate:
    """Raises `CostingInputError` naming the bad input."""
    index = choice.location_cost_index if choice.program_set else (location_cost_index or NATIONAL)
    request = EstimateRequest(
        days_per_week=days_per_week,
        weeks=weeks,
        services=services,
        population=population,
        location_cost_index=index,
        amenities=amenities,
        insurance=insurance,
    )
    return estimate(request, choice.schedule)
