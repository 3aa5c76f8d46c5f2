"""The authorization number a billed day is claimed under."""

from __future__ import annotations

from datetime import date

from openiop.domain.billing.prior_auth import AuthFacts, authorization_number

FIRST = AuthFacts("A-100", "H0015", date(2026, 3, 2), date(2026, 3, 31))
RENEWAL = AuthFacts("A-200", "H0015", date(2026, 3, 23), date(2026, 4, 30))
PSYCH = AuthFacts("P-1", "S9480", date(2026, 3, 1), date(2026, 3, 31))


def test_the_covering_authorization_of_the_same_service() -> None:
    auths = [FIRST, PSYCH]
    assert authorization_number(auths, "H0015", date(2026, 3, 2)) == "A-100"
    assert authorization_number(auths, "h0015 ", date(2026, 3, 31)) == "A-100"
    assert authorization_number(auths, "S9480", date(2026, 3, 10)) == "P-1"


def test_no_authorization_outside_its_dates_or_for_another_service() -> None:
    assert authorization_number([FIRST], "H0015", date(2026, 3, 1)) == ""
    assert authorization_number([FIRST], "H0015", date(2026, 4, 1)) == ""
    assert authorization_number([FIRST], "90853", date(2026, 3, 10)) == ""
    assert authorization_number([], "H0015", date(2026, 3, 10)) == ""


def test_a_renewal_supersedes_where_they_overlap() -> None:
    auths = [FIRST, RENEWAL]
    assert authorization_number(auths, "H0015", date(2026, 3, 20)) == "A-100"
    assert authorization_number(auths, "H0015", date(2026, 3, 23)) == "A-200"
    assert authorization_number(auths, "H0015", date(2026, 4, 2)) == "A-200"


def test_an_authorization_without_a_number_is_not_quoted() -> None:
    blank = AuthFacts("  ", "H0015", date(2026, 3, 1), date(2026, 3, 31))
    assert authorization_number([blank], "H0015", date(2026, 3, 10)) == ""
