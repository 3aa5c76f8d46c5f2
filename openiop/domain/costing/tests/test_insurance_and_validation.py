"""Insurance arithmetic (deductible, then coinsurance and copay, then the out-of-pocket cap)
and input validation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from openiop.domain.costing import (
    CostingInputError,
    EstimateRequest,
    FeeSchedule,
    Insurance,
    PricedItem,
    estimate,
    patient_share,
)

D = Decimal


def test_self_pay_patient_pays_the_whole_range() -> None:
    result = estimate(EstimateRequest(days_per_week=3, weeks=4))
    assert result.out_of_pocket == result.total


def test_deductible_is_paid_first_then_coinsurance() -> None:
    # $3,000 over 10 days = $300 a day; $1,000 deductible, then 20% of $2,000.
    plan = Insurance(deductible_remaining=D("1000.00"), coinsurance=D("0.2"))
    assert patient_share(D("3000.00"), 10, plan) == D("1000.00") + D("400.00")


def test_deductible_larger_than_the_charge_takes_all_of_it() -> None:
    plan = Insurance(deductible_remaining=D("5000.00"), coinsurance=D("0.3"))
    assert patient_share(D("3000.00"), 10, plan) == D("3000.00")


def test_copay_applies_per_program_day_after_the_deductible() -> None:
    # $300 a day; the $600 deductible uses days 1-2, so 8 copays of $25.
    plan = Insurance(deductible_remaining=D("600.00"), copay_per_day=D("25.00"))
    assert patient_share(D("3000.00"), 10, plan) == D("600.00") + 8 * D("25.00")


def test_copay_on_the_day_the_deductible_is_met_and_coinsurance_on_the_rest() -> None:
    # $450 deductible: day 1 all deductible, day 2 $150 deductible + $150 left.
    plan = Insurance(
        deductible_remaining=D("450.00"), coinsurance=D("0.1"), copay_per_day=D("20.00")
    )
    day2_rest = D("150.00")
    expected = D("450.00") + (D("20.00") + (day2_rest - 20) * D("0.1"))
    expected += 8 * (D("20.00") + D("280.00") * D("0.1"))
    assert patient_share(D("3000.00"), 10, plan) == expected


def test_copay_never_exceeds_the_days_charge() -> None:
    plan = Insurance(copay_per_day=D("500.00"))
    assert patient_share(D("3000.00"), 10, plan) == D("3000.00")


def test_out_of_pocket_maximum_caps_deductible_copays_and_coinsurance() -> None:
    plan = Insurance(
        deductible_remaining=D("1000.00"),
        coinsurance=D("0.5"),
        copay_per_day=D("10.00"),
        out_of_pocket_max_remaining=D("1500.00"),
    )
    assert patient_share(D("3000.00"), 10, plan) == D("1500.00")
    assert patient_share(D("1200.00"), 10, plan) < D("1500.00")


def test_full_coverage_costs_nothing() -> None:
    assert patient_share(D("3000.00"), 10, Insurance()) == D("0.00")


def test_out_of_pocket_range_follows_the_total_range() -> None:
    plan = Insurance(
        deductible_remaining=D("500.00"),
        coinsurance=D("0.2"),
        copay_per_day=D("15.00"),
        out_of_pocket_max_remaining=D("4000.00"),
    )
    result = estimate(EstimateRequest(days_per_week=5, weeks=4, insurance=plan))
    oop = result.out_of_pocket
    assert oop.low < oop.expected < oop.high
    # Low: $250 a day; day 1 $250 deductible, day 2 $250 deductible, then 18 days.
    assert oop.low == D("500.00") + 18 * (D("15.00") + D("235.00") * D("0.2"))
    assert any("out-of-pocket maximum of $4,000.00" in a for a in result.assumptions)


def test_odd_cents_are_spread_so_shares_add_up_exactly() -> None:
    plan = Insurance(coinsurance=D("1"))
    assert patient_share(D("1000.01"), 3, plan) == D("1000.01")


GOOD: dict[str, Any] = {"days_per_week": 3, "weeks": 4}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"days_per_week": 0}, "days_per_week"),
        ({"days_per_week": 8}, "days_per_week"),
        ({"days_per_week": True}, "days_per_week"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": 53}, "weeks"),
        ({"weeks": 4.5}, "weeks"),
        ({"location_cost_index": D(0)}, "location_cost_index"),
        ({"location_cost_index": 1.1}, "location_cost_index"),
        ({"services": "family_therapy"}, "services"),
        ({"services": ("family_therapy", "family_therapy")}, "services"),
    ],
)
def test_bad_request_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(CostingInputError) as caught:
        EstimateRequest(**{**GOOD, **changes})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"coinsurance": D("1.5")}, "coinsurance"),
        ({"coinsurance": D("-0.1")}, "coinsurance"),
        ({"coinsurance": 0.2}, "coinsurance"),
        ({"deductible_remaining": D("-1.00")}, "deductible_remaining"),
        ({"copay_per_day": D("10.005")}, "copay_per_day"),
        ({"out_of_pocket_max_remaining": 1000.0}, "out_of_pocket_max_remaining"),
    ],
)
def test_bad_insurance_is_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(CostingInputError) as caught:
        Insurance(**changes)
    assert caught.value.field == field


def test_unknown_service_population_or_amenity_lists_what_is_offered() -> None:
    with pytest.raises(CostingInputError, match="this program offers: drug_testing"):
        estimate(EstimateRequest(**GOOD, services=("massage",)))
    with pytest.raises(CostingInputError, match="population"):
        estimate(EstimateRequest(**GOOD, population="pets"))
    with pytest.raises(CostingInputError, match=r"amenities: unknown \['pool'\]; .*none"):
        estimate(EstimateRequest(**GOOD, amenities=("pool",)))


def test_bad_fee_schedule_is_refused() -> None:
    with pytest.raises(CostingInputError, match="daily_rate_low"):
        FeeSchedule("x", daily_rate_low=D("400.00"), daily_rate_high=D("300.00"))
    with pytest.raises(CostingInputError, match="daily_rate_expected"):
        FeeSchedule("x", D("250.00"), D("350.00"), daily_rate_expected=D("400.00"))
    with pytest.raises(CostingInputError, match="population teens"):
        FeeSchedule("x", D("250.00"), D("350.00"), population_multipliers={"teens": D(0)})
    with pytest.raises(CostingInputError, match="sessions_per_week"):
        PricedItem("Drug testing", D("25.00"), sessions_per_week=0)
    with pytest.raises(CostingInputError, match="money must be a Decimal"):
        PricedItem("Drug testing", 25.0)  # type: ignore[arg-type]


def test_fee_schedule_mappings_cannot_be_changed_after_creation() -> None:
    schedule = FeeSchedule("x", D("250.00"), D("350.00"), population_multipliers={"adults": D(1)})
    with pytest.raises(TypeError):
        schedule.population_multipliers["adults"] = D(2)  # type: ignore[index]
