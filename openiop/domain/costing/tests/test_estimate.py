"""The default ranges (consumer cost guides) and the effect of each factor on the estimate."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from itertools import pairwise

import pytest

from openiop.domain.costing import (
    DEFAULT_FEE_SCHEDULE,
    EstimateRequest,
    FeeSchedule,
    Per,
    PricedItem,
    estimate,
)

D = Decimal

PROGRAM = FeeSchedule(
    name="Sunrise IOP 2026 fee schedule",
    daily_rate_low=D("250.00"),
    daily_rate_high=D("350.00"),
    services={
        "medication_management": PricedItem("Medication management", D("120.00"), Per.WEEK),
        "family_therapy": PricedItem("Family therapy", D("150.00"), Per.SESSION, 1),
        "drug_testing": PricedItem("Drug testing", D("25.00"), Per.SESSION, 2),
        "individual_therapy": PricedItem("Individual therapy", D("0.00")),
    },
    population_multipliers={
        "adults": D(1),
        "adolescents": D("1.10"),
        "eating_disorders": D("1.25"),
    },
    amenities={"meals": PricedItem("Meals", D("12.50"), Per.DAY)},
)


def test_default_per_day_range_is_250_to_350_with_expected_midpoint() -> None:
    result = estimate(EstimateRequest(days_per_week=5, weeks=2))
    assert result.per_day.low == D("250.00")
    assert result.per_day.expected == D("300.00")
    assert result.per_day.high == D("350.00")


@pytest.mark.parametrize("days_per_week", [3, 4, 5])
@pytest.mark.parametrize("weeks", [4, 5])
def test_typical_30_day_program_lands_inside_3000_to_10000(days_per_week: int, weeks: int) -> None:
    # 30 days is 4 to 5 weeks; consumer guides: $3,000 to $10,000 for a course of IOP.
    result = estimate(EstimateRequest(days_per_week=days_per_week, weeks=weeks))
    assert D(3000) <= result.total.low <= result.total.expected <= result.total.high <= D(10000)


def test_bounds_of_the_30_day_range_are_reproduced() -> None:
    lightest = estimate(EstimateRequest(days_per_week=3, weeks=4))
    heaviest = estimate(EstimateRequest(days_per_week=7, weeks=4))
    assert lightest.total.low == D("3000.00")  # 12 days x $250
    assert heaviest.total.high == D("9800.00")  # 28 days x $350, just under $10,000


def test_default_services_are_included_in_the_daily_rate() -> None:
    plain = estimate(EstimateRequest(days_per_week=3, weeks=4))
    with_all = estimate(
        EstimateRequest(days_per_week=3, weeks=4, services=tuple(DEFAULT_FEE_SCHEDULE.services))
    )
    assert with_all.total == plain.total
    assert "Family therapy is included in the daily rate." in with_all.assumptions


def test_intensity_scales_linearly_with_days_per_week() -> None:
    totals = [estimate(EstimateRequest(days_per_week=d, weeks=4)).total for d in range(1, 8)]
    assert [t.expected for t in totals] == [D(300 * 4 * d) for d in range(1, 8)]
    assert all(a.high < b.high for a, b in pairwise(totals))


def test_duration_scales_linearly_with_weeks() -> None:
    one = estimate(EstimateRequest(days_per_week=3, weeks=1)).total
    twelve = estimate(EstimateRequest(days_per_week=3, weeks=12)).total
    assert twelve.low == one.low * 12
    assert twelve.high == one.high * 12


def test_weekly_service_adds_price_times_weeks() -> None:
    base = estimate(EstimateRequest(days_per_week=3, weeks=6), PROGRAM).total
    med = estimate(
        EstimateRequest(days_per_week=3, weeks=6, services=("medication_management",)), PROGRAM
    ).total
    assert med.expected - base.expected == D("720.00")  # $120 x 6 weeks
    assert med.low - base.low == med.high - base.high == D("720.00")


def test_per_session_service_adds_price_times_sessions_times_weeks() -> None:
    base = estimate(EstimateRequest(days_per_week=3, weeks=4), PROGRAM).total
    tested = estimate(
        EstimateRequest(days_per_week=3, weeks=4, services=("drug_testing", "family_therapy")),
        PROGRAM,
    ).total
    assert tested.expected - base.expected == D("25.00") * 2 * 4 + D("150.00") * 4


def test_population_multiplies_the_daily_rate_only() -> None:
    request = EstimateRequest(days_per_week=3, weeks=4, services=("medication_management",))
    adults = estimate(request, PROGRAM).total
    eating = estimate(replace(request, population="eating_disorders"), PROGRAM).total
    days_cost_low = D("250.00") * 12
    assert eating.low - adults.low == days_cost_low * D("0.25")  # services not multiplied
    assert adults.low < eating.low and adults.high < eating.high


def test_population_order_follows_its_multiplier() -> None:
    totals = [
        estimate(EstimateRequest(days_per_week=5, weeks=4, population=p), PROGRAM).total.expected
        for p in ("adults", "adolescents", "eating_disorders")
    ]
    assert totals == sorted(totals)
    assert totals[1] == D("6600.00")  # 20 days x $300 x 1.10


def test_location_index_multiplies_every_price() -> None:
    request = EstimateRequest(days_per_week=3, weeks=4, services=("family_therapy",))
    national = estimate(request, PROGRAM)
    dearer = estimate(replace(request, location_cost_index=D("1.2")), PROGRAM)
    cheaper = estimate(replace(request, location_cost_index=D("0.9")), PROGRAM)
    assert dearer.total.expected == national.total.expected * D("1.2")
    assert cheaper.total.low == national.total.low * D("0.9")
    assert cheaper.total.high < national.total.high < dearer.total.high
    assert any("location cost index 1.2" in a for a in dearer.assumptions)


def test_amenity_priced_per_program_day_adds_price_times_days() -> None:
    base = estimate(EstimateRequest(days_per_week=4, weeks=3), PROGRAM).total
    meals = estimate(EstimateRequest(days_per_week=4, weeks=3, amenities=("meals",)), PROGRAM)
    assert meals.total.expected - base.expected == D("12.50") * 12
    assert "Meals: $12.50 per program day for 12 days." in meals.assumptions


def test_every_assumption_is_listed_as_a_sentence() -> None:
    result = estimate(
        EstimateRequest(
            days_per_week=3,
            weeks=4,
            services=("family_therapy", "individual_therapy"),
            population="adolescents",
            location_cost_index=D("1.05"),
            amenities=("meals",),
        ),
        PROGRAM,
    )
    text = "\n".join(result.assumptions)
    for expected in (
        "12 program days",
        "$250.00 to $350.00, expected $300.00 (Sunrise IOP 2026 fee schedule)",
        "Population adolescents: daily rate multiplied by 1.1",
        "Family therapy: $150.00 per session, 1 a week for 4 weeks.",
        "Individual therapy is included in the daily rate.",
        "Meals:",
        "location cost index 1.05",
        "self-pay",
        "not a quote",
    ):
        assert expected in text
    assert all(a.endswith(".") for a in result.assumptions)


def test_lines_add_up_to_the_total() -> None:
    result = estimate(
        EstimateRequest(
            days_per_week=3, weeks=4, services=("family_therapy",), amenities=("meals",)
        ),
        PROGRAM,
    )
    assert [line.label for line in result.lines] == ["12 program days", "Family therapy", "Meals"]
    assert sum(line.amount.expected for line in result.lines) == result.total.expected


def test_money_is_decimal_cents() -> None:
    result = estimate(
        EstimateRequest(days_per_week=3, weeks=7, location_cost_index=D("1.07")), PROGRAM
    )
    for amount in (result.total.low, result.per_day.expected, result.out_of_pocket.high):
        assert isinstance(amount, Decimal)
        assert amount == amount.quantize(D("0.01"))
