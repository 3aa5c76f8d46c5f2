"""The 837P and 837I writers: valid against the 005010 guide maps, exact, deterministic."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from openiop.domain.claims import ClaimDataError, validate, write_837i, write_837p, x12_amount
from openiop.domain.claims.tests.batches import institutional_batch, professional_batch

GOLDEN = Path(__file__).parent / "golden"


def _segments(text: str) -> list[str]:
    return [s for s in text.split("~") if s]


def test_professional_batch_is_valid() -> None:
    text = write_837p(professional_batch())
    assert validate(text) == []
    segs = _segments(text)
    assert segs[2] == "ST*837*0001*005010X222A1"
    assert [s for s in segs if s.startswith("CLM")] == [
        "CLM*IOP-2026-0001*812.5***57:B:1*Y*A*Y*Y",
        "CLM*IOP-2026-0002*450***57:B:1*Y*A*Y*Y",
    ]
    assert sum(s.startswith("SV1*HC:H0015*") for s in segs) == 8


def test_institutional_batch_with_medicare_iop_is_valid() -> None:
    text = write_837i(institutional_batch())
    assert validate(text) == []
    segs = _segments(text)
    assert segs[1].endswith("*X*005010X223A2")
    medicare = segs[segs.index("CLM*IOP-2026-0102*460***13:A:1**A*Y*Y") :]
    assert "HI*BG:92" in medicare  # condition code 92, CMS MLN MM13222
    assert "SBR*P*18*******MA" in segs
    revenue = {s.split("*")[1] for s in medicare if s.startswith("SV2")}
    assert revenue == {"0905", "0906"}


@pytest.mark.parametrize("write", [write_837p, write_837i])
def test_envelope_counts_and_control_numbers(write: object) -> None:
    batch = institutional_batch()
    text = write(batch)  # type: ignore[operator]
    segs = _segments(text)
    st, se = segs.index(next(s for s in segs if s.startswith("ST*"))), len(segs) - 3
    assert segs[se] == f"SE*{se - st + 1}*0001"
    assert segs[-2] == "GE*1*1207"
    assert segs[-1] == "IEA*1*000001207"
    assert segs[0].split("*")[13] == "000001207"
    assert len(segs[0]) + 1 == 106  # the ISA is fixed width, with its terminator
    assert text == write(batch)  # type: ignore[operator]


def test_golden_small_837p() -> None:
    batch = professional_batch()
    sam = batch.claims[1]
    small = dataclasses.replace(batch, claims=(dataclasses.replace(sam, lines=sam.lines[:2]),))
    expected = (GOLDEN / "small_837p.x12").read_text().replace("\n", "")
    assert write_837p(small) == expected


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("150.00"), "150"),
        (Decimal("162.50"), "162.5"),
        (Decimal("0.10") + Decimal("0.20"), "0.3"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0"), "0"),
        (Decimal("1234567.89"), "1234567.89"),
    ],
)
def test_amounts_are_exact(amount: Decimal, text: str) -> None:
    assert x12_amount(amount) == text


def test_claim_total_is_exact_sum_of_lines() -> None:
    claim = professional_batch().claims[0]
    assert claim.total_charge == Decimal("812.50")


@pytest.mark.parametrize("bad", [0.1, Decimal("1.005"), Decimal("NaN")])
def test_bad_amounts_are_refused(bad: object) -> None:
    with pytest.raises(ClaimDataError):
        x12_amount(bad)  # type: ignore[arg-type]


def test_bad_input_names_the_claim() -> None:
    batch = institutional_batch()
    no_attending = dataclasses.replace(batch.claims[0], attending=None)
    with pytest.raises(ClaimDataError, match=r"IOP-2026-0101.*attending"):
        write_837i(dataclasses.replace(batch, claims=(no_attending,)))
    professional = professional_batch().claims[0]  # its lines have no revenue code
    no_revenue = dataclasses.replace(professional, attending=batch.claims[0].attending)
    with pytest.raises(ClaimDataError, match=r"IOP-2026-0001 line 1.*revenue code"):
        write_837i(dataclasses.replace(batch, claims=(no_revenue,)))
    starred = dataclasses.replace(batch.claims[1], claim_id="A*B")
    with pytest.raises(ClaimDataError, match="separator"):
        write_837i(dataclasses.replace(batch, claims=(starred,)))
    with pytest.raises(ClaimDataError, match="unique"):
        write_837i(dataclasses.replace(batch, claims=(batch.claims[0], batch.claims[0])))


@pytest.mark.parametrize("write", [write_837p, write_837i])
def test_a_prior_authorization_number_goes_on_the_claim_and_validates(write: Any) -> None:
    batch = institutional_batch() if write is write_837i else professional_batch()
    claim = dataclasses.replace(batch.claims[0], prior_authorization="Auth-2026-0042")
    text = write(dataclasses.replace(batch, claims=(claim, *batch.claims[1:])))
    assert "~REF*G1*Auth-2026-0042~" in text
    assert validate(text) == []
    with pytest.raises(ClaimDataError, match="separator"):
        bad = dataclasses.replace(claim, prior_authorization="A*1")
        write(dataclasses.replace(batch, claims=(bad,)))
