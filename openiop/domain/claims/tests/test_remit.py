"""The 835 reader: claims, CARC adjustments and RARC remarks, balanced to the cent, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from openiop.domain.claims.remit import Adjustment, RemittanceError, parse_835
from openiop.domain.claims.tests.remits import REMIT_835

D = Decimal


def test_reads_payment_claims_and_adjustments() -> None:
    r = parse_835(REMIT_835)
    assert (r.payment, r.trace_number, r.payment_date) == (
        D("1035"),
        "CHK0099812",
        dt.date(2026, 3, 20),
    )
    assert [(c.claim_id, c.charge, c.paid) for c in r.claims] == [
        ("IOP-2026-0001", D("812.50"), D("650")),
        ("IOP-2026-0002", D("450"), D("385")),
    ]
    sam = r.claims[1]
    assert sam.lines[2].adjustments == (
        Adjustment("CO", "45", D("15")),
        Adjustment("CO", "253", D("20")),
    )
    assert sam.lines[0].remarks == ("N381",)
    assert sam.lines[0].service_date == dt.date(2026, 3, 2)
    assert r.claims[0].patient_responsibility == D("162.50")


def test_posting_totals_balance_to_the_cent() -> None:
    r = parse_835(REMIT_835)
    for c in r.claims:
        assert c.charge - sum(a.amount for a in c.all_adjustments) == c.paid
    assert sum(c.paid for c in r.claims) - r.provider_adjustments == r.payment


def test_malformed_835_raises_and_returns_nothing() -> None:
    broken = REMIT_835.replace("DTM*472*20260303~", "DTM*472*20260230~")
    with pytest.raises(RemittanceError) as caught:
        parse_835(broken)
    assert any("invalid date" in p for p in caught.value.problems)


def test_unbalanced_835_raises() -> None:
    broken = REMIT_835.replace("BPR*I*1035*", "BPR*I*1035.01*")
    with pytest.raises(RemittanceError, match=r"payment 1035\.01"):
        parse_835(broken)
    line = REMIT_835.replace("CAS*CO*45*15**253*20~", "CAS*CO*45*15~")
    with pytest.raises(RemittanceError, match="IOP-2026-0002 line 3"):
        parse_835(line)
