"""What a patient owes after their own payments, and the checks of a payment before it is kept.

The patient's responsibility is what the insurers said the patient owes on answered claims
(835 claim adjustment group `PR`: deductible, coinsurance, copay). The patient's payments
received at the program, less any voided, are taken off it; a negative balance is a credit.

Program policy (no published source): one payment is at most $99,999.99, in dollars and cents,
received today or in the past, and at most three years ago.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from openiop.domain.costing.money import usd

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_PAYMENT = Decimal("100000.00")
"""Program policy: a single payment is below $100,000 (a sanity bound on typing)."""
MAX_PAYMENT_AGE_YEARS = 3
"""Program policy: a payment received more than three years ago is not recorded here."""


@dataclass(frozen=True)
class Balance:
    """The patient's responsibility, the payments taken off it and what is left."""

    responsibility: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        """Positive: the patient owes it; negative: the patient has a credit; zero: nothing."""
        return self.responsibility - self.paid

    @property
    def owed(self) -> Decimal:
        return max(self.balance, ZERO)

    @property
    def credit(self) -> Decimal:
        return max(-self.balance, ZERO)

    def in_words(self, who: str = "The patient") -> str:
        """ "The patient owes $12.50", "The patient has a credit of $5.00", "Nothing is owed"."""
        if self.balance > 0:
            verb = "owe" if who.lower() == "you" else "owes"
            return f"{who} {verb} {usd(self.balance)}"
        if self.balance < 0:
            verb = "have" if who.lower() == "you" else "has"
            return f"{who} {verb} a credit of {usd(-self.balance)}"
        return "Nothing is owed"


def balance(responsibility: Decimal, payments: Iterable[Decimal]) -> Balance:
    """The balance after payments (voided payments are left out by the caller)."""
    paid = sum(payments, ZERO)
    return Balance(responsibility=responsibility + ZERO, paid=paid + ZERO)


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def parse_amount(value: object) -> Decimal | None:
    """A Decimal from user input ("1,234.50" and "$12" too), or None when it is not a finite
    number."""
    if isinstance(value, float):
        value = str(value)
    try:
        if isinstance(value, Decimal):
            amount = value
        else:
            amount = Decimal(str(value).strip().lstrip("$").replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def payment_problems(amount: object, received_on: date | None, today: date) -> dict[str, str]:
    """What is wrong with a payment before it is kept, by input (`amount`, `received_on`),
    in plain sentences; empty when it may be recorded."""
    problems: dict[str, str] = {}
    value = parse_amount(amount) if amount is not None else None
    if value is None:
        problems["amount"] = "Give the amount received, in dollars and cents."
    elif value <= 0:
        problems["amount"] = "The amount received must be more than $0.00."
    elif value >= MAX_PAYMENT:
        problems["amount"] = f"A single payment must be less than {usd(MAX_PAYMENT)}."
    elif value != value.quantize(CENT):
        problems["amount"] = "Give the amount in dollars and cents (at most two decimals)."
    if received_on is None:
        problems["received_on"] = "Give the day the payment was received."
    elif received_on > today:
        problems["received_on"] = "The payment cannot be received in the future."
    elif received_on < years_before(today, MAX_PAYMENT_AGE_YEARS):
        problems["received_on"] = (
            f"The payment cannot be more than {MAX_PAYMENT_AGE_YEARS} years old."
        )
    return problems
