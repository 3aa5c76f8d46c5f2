"""The patient's share of a charge under a health plan.

The inputs (deductible remaining, coinsurance, copay, out-of-pocket maximum) are the usual plan terms.
The order they apply in follows the HealthCare.gov glossary definitions: the deductible is
what the patient pays before the plan starts to pay; a copayment is a fixed amount per covered
service after the deductible; coinsurance is the patient's percentage of the cost after the
deductible; the out-of-pocket maximum caps what the patient pays for deductibles, copayments and
coinsurance in the plan year, after which the plan pays 100%.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openiop.domain.costing.money import (
    CostingInputError,
    check_decimal,
    check_money,
    to_cents,
    usd,
)

MAX_PLAN_YEAR_AMOUNT = Decimal("100000.00")
"""The largest deductible or out-of-pocket maximum accepted: an input sanity bound chosen by
OpenIOP, not a published limit (a plan-year amount above $100,000 is a typing error, not a
plan term)."""

MAX_COPAY_PER_DAY = Decimal("10000.00")
"""The largest copay per program day accepted: an input sanity bound, not a published limit."""


def check_bounded(field: str, value: object, high: Decimal) -> Decimal:
    """`value` as money (`check_money`) that is at most `high`, else raise."""
    amount = check_money(field, value)
    if amount > high:
        raise CostingInputError(field, f"must be at most {usd(high)}, got {usd(amount)}")
    return amount


@dataclass(frozen=True)
class Insurance:
    """What is left of the patient's plan-year cost sharing.

    `out_of_pocket_max_remaining` None means no maximum was given, so no cap is applied.
    `coinsurance` is a fraction: 0.2 means the patient pays 20%.
    """

    deductible_remaining: Decimal = Decimal(0)
    coinsurance: Decimal = Decimal(0)
    copay_per_day: Decimal = Decimal(0)
    out_of_pocket_max_remaining: Decimal | None = None

    def __post_init__(self) -> None:
        check_bounded("deductible_remaining", self.deductible_remaining, MAX_PLAN_YEAR_AMOUNT)
        check_decimal("coinsurance", self.coinsurance, Decimal(0), Decimal(1))
        check_bounded("copay_per_day", self.copay_per_day, MAX_COPAY_PER_DAY)
        if self.out_of_pocket_max_remaining is not None:
            check_bounded(
                "out_of_pocket_max_remaining",
                self.out_of_pocket_max_remaining,
                MAX_PLAN_YEAR_AMOUNT,
            )


def split_evenly(total: Decimal, days: int) -> list[Decimal]:
    """Spread `total` over `days` in whole cents that add up exactly (early days take the odd cents)."""
    cents = int(to_cents(total) * 100)
    base, extra = divmod(cents, days)
    return [Decimal(base + (1 if day < extra else 0)) / 100 for day in range(days)]


def patient_share(total: Decimal, program_days: int, insurance: Insurance | None) -> Decimal:
    """What the patient pays of `total` charged evenly over `program_days` days.

    With no insurance (self-pay) the patient pays everything. Otherwise, day by day: the day's
    charge goes first to the remaining deductible; of what is left of that day's charge the
    patient pays the copay (never more than what is left) and the coinsurance fraction of the
    rest; once the remaining out-of-pocket maximum is reached the plan pays the rest
    (HealthCare.gov glossary, see the module docstring). The result never exceeds `total`.
    """
    if insurance is None:
        return to_cents(total)
    deductible = insurance.deductible_remaining
    cap = insurance.out_of_pocket_max_remaining
    paid = Decimal(0)
    for charge in split_evenly(total, program_days):
        to_deductible = min(deductible, charge)
        deductible -= to_deductible
        rest = charge - to_deductible
        copay = min(insurance.copay_per_day, rest) if rest > 0 else Decimal(0)
        coinsurance = to_cents((rest - copay) * insurance.coinsurance)
        paid += to_deductible + copay + coinsurance
        if cap is not None and paid >= cap:
            return cap
    return paid


def describe(insurance: Insurance | None) -> list[str]:
    """The insurance assumptions, as sentences for the patient."""
    if insurance is None:
        return ["No insurance was given: the patient pays the whole estimate (self-pay)."]
    pct = (insurance.coinsurance * 100).normalize()
    cap = (
        f"the patient's total is capped at the remaining out-of-pocket maximum of "
        f"{usd(insurance.out_of_pocket_max_remaining)}, after which the plan pays in full"
        if insurance.out_of_pocket_max_remaining is not None
        else "no out-of-pocket maximum was given, so no cap is applied"
    )
    return [
        f"Charges go first to the remaining deductible of {usd(insurance.deductible_remaining)}.",
        f"After the deductible, the patient pays a copay of {usd(insurance.copay_per_day)} "
        f"per program day and {pct:f}% coinsurance on the rest of each day's charge.",
        f"Deductible, copays and coinsurance count toward the out-of-pocket maximum; {cap}.",
        "Charges are spread evenly over program days to apply the deductible and copays.",
        "The plan is assumed to cover the program and allow the full charge; in-network rates, "
        "authorization limits and exclusions can change what the plan pays.",
    ]
