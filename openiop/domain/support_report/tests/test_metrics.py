"""The support report's figures on a small hand-made data set whose answers are worked out
by hand in the comments."""

from __future__ import annotations

from datetime import date

import pytest

from openiop.domain.support_report import (
    NeedFact,
    PeriodError,
    ReferralFact,
    SupportReport,
    compute,
    figures,
    in_period,
    median_days,
    to_json,
)

D = date
START, END, AS_OF = D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 10)

NEEDS = [
    NeedFact(1, "housing", "resolved", D(2026, 1, 5), D(2026, 1, 15)),  # 10 days
    NeedFact(2, "housing", "resolved", D(2026, 1, 10), D(2026, 1, 30)),  # 20 days
    NeedFact(3, "housing", "open", D(2026, 2, 1)),
    NeedFact(4, "food", "resolved", D(2026, 2, 10), D(2026, 2, 13)),  # 3 days
    NeedFact(5, "food", "unresolved", D(2026, 3, 1), D(2026, 3, 20)),
    NeedFact(6, "food", "resolved", D(2026, 3, 5), D(2026, 3, 12)),  # 7 days
    NeedFact(7, "food", "resolved", D(2026, 3, 10), D(2026, 3, 25)),  # 15 days
    NeedFact(8, "transportation", "open", D(2026, 3, 15)),
    NeedFact(9, "housing", "resolved", D(2025, 12, 20), D(2025, 12, 25)),  # before the period
    NeedFact(10, "legal", "open", D(2026, 4, 5)),  # after the period
]


def _r(
    need: int, partner: str, status: str, sent: date, follow: date, **kw: object
) -> ReferralFact:
    reached = frozenset(kw.pop("reached", ()))  # type: ignore[call-overload]
    return ReferralFact(need, partner, status, sent, follow, reached=reached, **kw)  # type: ignore[arg-type]


HA, LA, FB, TV = "Housing Authority", "Legal Aid", "Food Bank", "Transit Vouchers"
REFERRALS = [
    # a: closed, need resolved
    _r(
        1,
        HA,
        "closed",
        D(2026, 1, 6),
        D(2026, 1, 13),
        outcome="resolved",
        closed_on=D(2026, 1, 15),
        reached={"sent", "received", "accepted", "delivered"},
    ),
    # b: declined by the partner
    _r(
        2,
        HA,
        "declined",
        D(2026, 1, 11),
        D(2026, 1, 18),
        closed_on=D(2026, 1, 12),
        reached={"sent"},
    ),
    # c: the second referral of need 2, closed resolved
    _r(
        2,
        LA,
        "closed",
        D(2026, 1, 13),
        D(2026, 1, 20),
        outcome="resolved",
        closed_on=D(2026, 1, 30),
        reached={"sent", "accepted", "delivered"},
    ),
    # d: accepted, still open, follow-up long past: overdue
    _r(3, HA, "accepted", D(2026, 2, 2), D(2026, 2, 9), reached={"sent"}),
    # e: delivered straight from sent (counts as accepted), still open: overdue
    _r(4, FB, "delivered", D(2026, 2, 10), D(2026, 2, 17), reached={"sent"}),
    # f: closed not resolved on 20 March (overdue on 15 March, not on 10 April)
    _r(
        5,
        FB,
        "closed",
        D(2026, 3, 2),
        D(2026, 3, 9),
        outcome="not_resolved",
        closed_on=D(2026, 3, 20),
        reached={"sent", "received"},
    ),
    # g: sent, follow-up after the as-of day: not overdue
    _r(8, TV, "sent", D(2026, 4, 5), D(2026, 4, 12)),
    # h: withdrawn
    _r(8, TV, "withdrawn", D(2026, 3, 16), D(2026, 3, 23), closed_on=D(2026, 3, 18)),
    # i: of a need outside the period: not counted
    _r(
        9,
        HA,
        "closed",
        D(2025, 12, 21),
        D(2025, 12, 28),
        outcome="resolved",
        closed_on=D(2025, 12, 25),
    ),
]


def _report() -> SupportReport:
    return compute(NEEDS, REFERRALS, start=START, end=END, as_of=AS_OF)


def test_totals_of_the_period() -> None:
    t = _report().total
    assert t.needs_found == 8  # needs 1-8
    assert t.needs_referred == 6  # 1, 2, 3, 4, 5, 8 (6 and 7 were resolved without one)
    assert t.needs_resolved == 5  # 1, 2, 4, 6, 7
    assert t.resolution_rate == 0.625
    assert t.median_days_to_resolution == 10.0  # 3, 7, 10, 15, 20: odd count, the middle one
    assert t.referrals_sent == 8  # a-h
    assert t.referrals_accepted == 4  # a, c, d, and e (delivered)
    assert t.referrals_declined == 1  # b
    assert t.referrals_delivered == 3  # a, c, e
    assert t.referrals_closed_resolved == 2  # a, c
    assert t.referrals_overdue == 2  # d, e


def test_by_need_kind() -> None:
    by_kind = {g.key: g.figures for g in _report().by_kind}
    assert list(by_kind) == ["food", "housing", "transportation"]
    housing = by_kind["housing"]
    assert (housing.needs_found, housing.needs_referred, housing.needs_resolved) == (3, 3, 2)
    assert housing.resolution_rate == 0.6667
    assert housing.median_days_to_resolution == 15.0  # 10 and 20: even count, their mean
    assert (housing.referrals_sent, housing.referrals_accepted, housing.referrals_declined) == (
        4,
        3,
        1,
    )
    assert (housing.referrals_delivered, housing.referrals_closed_resolved) == (2, 2)
    assert housing.referrals_overdue == 1
    food = by_kind["food"]
    assert (food.needs_found, food.needs_referred, food.needs_resolved) == (4, 2, 3)
    assert food.median_days_to_resolution == 7.0  # 3, 7, 15
    assert (food.referrals_sent, food.referrals_accepted, food.referrals_overdue) == (2, 1, 1)
    transport = by_kind["transportation"]
    assert transport.needs_resolved == 0 and transport.resolution_rate == 0.0
    assert transport.median_days_to_resolution is None  # nothing resolved
    assert transport.referrals_sent == 2 and transport.referrals_overdue == 0


def test_by_partner() -> None:
    by_partner = {g.key: g.figures for g in _report().by_partner}
    assert list(by_partner) == [FB, HA, LA, TV]
    ha = by_partner[HA]
    # Needs 1, 2 and 3 were referred to it; it resolved need 1 only (it declined need 2,
    # which Legal Aid then resolved: that one is Legal Aid's).
    assert (ha.needs_found, ha.needs_referred, ha.needs_resolved) == (3, 3, 1)
    assert ha.resolution_rate == 0.3333
    assert ha.median_days_to_resolution == 10.0  # need 1 only
    assert (ha.referrals_sent, ha.referrals_accepted, ha.referrals_declined) == (3, 2, 1)
    assert (ha.referrals_delivered, ha.referrals_closed_resolved, ha.referrals_overdue) == (1, 1, 1)
    la = by_partner[LA]
    assert (la.needs_found, la.needs_resolved, la.resolution_rate) == (1, 1, 1.0)
    assert la.median_days_to_resolution == 20.0
    fb = by_partner[FB]
    # Need 4 is resolved, but its referral to the food bank is not closed as resolved (still
    # "delivered"): not credited to the partner.
    assert (fb.needs_found, fb.needs_resolved, fb.median_days_to_resolution) == (2, 0, None)
    tv = by_partner[TV]
    assert tv.median_days_to_resolution is None and tv.referrals_sent == 2


def test_a_need_declined_by_one_partner_and_resolved_through_another() -> None:
    needs = [NeedFact(1, "housing", "resolved", D(2026, 1, 5), D(2026, 1, 25))]
    refs = [
        _r(1, "A", "declined", D(2026, 1, 6), D(2026, 1, 13), closed_on=D(2026, 1, 7)),
        _r(
            1,
            "B",
            "closed",
            D(2026, 1, 8),
            D(2026, 1, 15),
            outcome="resolved",
            closed_on=D(2026, 1, 25),
            reached={"sent", "accepted", "delivered"},
        ),
    ]
    report = compute(needs, refs, start=START, end=END, as_of=AS_OF)
    by_partner = {g.key: g.figures for g in report.by_partner}
    a, b = by_partner["A"], by_partner["B"]
    assert (a.needs_found, a.needs_resolved, a.resolution_rate) == (1, 0, 0.0)
    assert a.median_days_to_resolution is None and a.referrals_declined == 1
    assert (b.needs_found, b.needs_resolved, b.resolution_rate) == (1, 1, 1.0)
    assert b.median_days_to_resolution == 20.0
    # The totals count the need once, resolved.
    assert report.total.needs_resolved == 1 and report.total.median_days_to_resolution == 20.0


def test_a_referral_closed_not_resolved_earns_no_credit_even_if_the_need_is_resolved() -> None:
    needs = [NeedFact(1, "food", "resolved", D(2026, 2, 1), D(2026, 2, 4))]
    refs = [
        _r(
            1,
            "A",
            "closed",
            D(2026, 2, 1),
            D(2026, 2, 8),
            outcome="not_resolved",
            closed_on=D(2026, 2, 3),
        )
    ]
    a = compute(needs, refs, start=START, end=END, as_of=AS_OF).by_partner[0].figures
    assert a.needs_resolved == 0 and a.median_days_to_resolution is None


def test_overdue_is_counted_as_of_the_day_given() -> None:
    march_15 = compute(NEEDS, REFERRALS, start=START, end=END, as_of=D(2026, 3, 15))
    # d (follow-up 9 Feb), e (17 Feb), f (9 March, closed only on 20 March)
    assert march_15.total.referrals_overdue == 3
    # On its follow-up day a referral is not overdue yet.
    g = REFERRALS[6]
    assert not g.overdue_on(D(2026, 4, 12)) and g.overdue_on(D(2026, 4, 13))
    # Not before it was sent.
    assert not REFERRALS[3].overdue_on(D(2026, 2, 1))


def test_period_includes_both_ends() -> None:
    assert [n.id for n in in_period(NEEDS, D(2026, 1, 5), D(2026, 1, 10))] == [1, 2]
    january = compute(NEEDS, REFERRALS, start=D(2026, 1, 1), end=D(2026, 1, 31), as_of=AS_OF)
    assert january.total.needs_found == 2
    assert january.total.referrals_sent == 3  # a, b, c
    assert [g.key for g in january.by_kind] == ["housing"]
    assert [g.key for g in january.by_partner] == [HA, LA]


def test_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(PeriodError):
        compute(NEEDS, REFERRALS, start=END, end=START, as_of=AS_OF)


def test_nothing_found_gives_no_rate_and_no_median() -> None:
    empty = figures([], [], AS_OF)
    assert empty.needs_found == 0
    assert empty.resolution_rate is None and empty.median_days_to_resolution is None
    assert median_days([NEEDS[2], NEEDS[4]]) is None  # open and not resolved only


def test_median_of_even_and_odd_counts() -> None:
    assert median_days(NEEDS[:2]) == 15.0
    assert median_days([NEEDS[0], NEEDS[1], NEEDS[3]]) == 10.0
    assert median_days([NEEDS[0], NEEDS[3]]) == 6.5


def test_json_has_every_figure_and_the_period() -> None:
    data = to_json(_report())
    assert data["from"] == "2026-01-01" and data["to"] == "2026-03-31"
    assert data["as_of"] == "2026-04-10"
    assert data["total"]["needs_found"] == 8
    assert data["by_kind"][0]["kind"] == "food"
    assert data["by_partner"][-1] == {
        "partner": TV,
        "needs_found": 1,
        "needs_referred": 1,
        "needs_resolved": 0,
        "resolution_rate": 0.0,
        "median_days_to_resolution": None,
        "referrals_sent": 2,
        "referrals_accepted": 0,
        "referrals_declined": 0,
        "referrals_delivered": 0,
        "referrals_closed_resolved": 0,
        "referrals_overdue": 0,
    }
