"""The balance after a patient's payments, in words, and the checks of a payment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openiop.domain.billing.balance import (
    Balance,
    balance,
    parse_amount,
    payment_problems,
    years_before,
)

D = Decimal
TODAY = date(2026, 12, 1)


def test_balance_to_the_cent() -> None:
    b = balance(D("99.99"), [D("33.33"), D("33.33")])
    assert b.paid == D("66.66")
    assert b.balance == D("33.33") and b.owed == D("33.33") and b.credit == D("0.00")
    assert b.in_words() == "The patient owes $33.33"
    assert b.in_words("You") == "You owe $33.33"


def test_overpayment_is_a_credit() -> None:
    b = balance(D("10.00"), [D("12.50")])
    assert b.balance == D("-2.50") and b.owed == D("0.00") and b.credit == D("2.50")
    assert b.in_words() == "The patient has a credit of $2.50"
    assert b.in_words("You") == "You have a credit of $2.50"


def test_nothing_owed() -> None:
    assert balance(D("0.00"), []).in_words() == "Nothing is owed"
    assert balance(D("25.10"), [D("25.10")]).in_words() == "Nothing is owed"
    assert balance(D("0"), []).balance == D("0.00")


def test_large_amounts_keep_thousands_separators() -> None:
    assert Balance(D("2234.50"), D("1000.00")).in_words() == "The patient owes $1,234.50"


def test_tenths_add_up_exactly() -> None:
    # With floats, ten payments of 0.10 do not make 1.00; with Decimal they do.
    assert balance(D("1.00"), [D("0.10")] * 10).balance == D("0.00")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.5", D("12.5")),
        ("$1,234.50", D("1234.50")),
        (" 7 ", D("7")),
        ("abc", None),
        ("NaN", None),
        ("Infinity", None),
        ("", None),
    ],
)
def test_parse_amount(text: str, value: Decimal | None) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than $0.00"),
        ("-5", "more than $0.00"),
        ("10.005", "at most two decimals"),
        ("100000", "less than $100,000.00"),
        ("1e40", "less than $100,000.00"),
        ("ten", "dollars and cents"),
    ],
)
def test_bad_amounts(amount: str, message: str) -> None:
    assert message in payment_problems(amount, TODAY, TODAY)["amount"]


def test_good_payment_has_no_problem() -> None:
    assert payment_problems(D("99999.99"), TODAY, TODAY) == {}
    assert payment_problems("0.01", date(2023, 12, 1), TODAY) == {}


def test_dates() -> None:
    assert "future" in payment_problems("1", date(2026, 12, 2), TODAY)["received_on"]
    assert "3 years" in payment_problems("1", date(2023, 11, 30), TODAY)["received_on"]
    assert "Give the day" in payment_problems("1", None, TODAY)["received_on"]


def test_years_before_a_leap_day() -> None:
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert years_before(TODAY, 3) == date(2023, 12, 1)
