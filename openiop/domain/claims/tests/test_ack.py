"""Acknowledgments of our 837 files: the 999 and the 277CA, written, validated and read back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from openiop.domain.claims.ack import (
    CATEGORY_WORDS,
    AckError,
    ClaimAck,
    ClaimAcks,
    FileAck,
    StatusCode,
    parse_277ca,
    parse_999,
    read_acknowledgment,
)
from openiop.domain.claims.ack_text import (
    ClaimStatus,
    ElementError,
    SegmentError,
    SetResult,
    write_277ca,
    write_999,
)
from openiop.domain.claims.model import ClaimDataError
from openiop.domain.claims.tests.batches import institutional_batch, professional_batch
from openiop.domain.claims.tests.remits import REMIT_835
from openiop.domain.claims.validate import validate
from openiop.domain.claims.writer import write_837p

D = Decimal
RECEIVED = dt.datetime(2026, 3, 10, 8, 15)  # noqa: DTZ001 - an input, not the clock
MARCH = tuple(dt.date(2026, 3, d) for d in (2, 3, 4, 5, 6))

REJECTED_SET = SetResult(
    2,
    "R",
    (
        SegmentError(
            "NM1",
            12,
            "8",
            "2010",
            (ElementError(3, "1"), ElementError(9, "I12", reference="67", bad_value="XX1")),
        ),
        SegmentError("DMG", 14, "3"),
        SegmentError("CLM", 16, "8", elements=(ElementError(5, "7", component=1, bad_value="99"),)),
    ),
)


def _claim(claim_id: str, category: str, status: str, amount: str, **kw: object) -> ClaimStatus:
    args: dict[str, object] = {
        "last_name": "DOE",
        "first_name": "ALEX",
        "member_id": "W123456789",
        "first_date": MARCH[0],
        "last_date": MARCH[-1],
    }
    args.update(kw)
    return ClaimStatus(
        claim_id=claim_id,
        category=category,
        status_code=status,
        amount=D(amount),
        **args,  # type: ignore[arg-type]
    )


def _277ca(claims: list[ClaimStatus], control: int = 7001) -> str:
    return write_277ca(
        claims,
        payer_name="ACME HEALTH PLAN",
        payer_id="60054",
        submitter_name="RIVERSIDE RECOVERY IOP",
        submitter_id="RRIOP001",
        provider_name="RIVERSIDE RECOVERY IOP",
        provider_npi="1234567893",
        interchange_control_number=control,
        created=RECEIVED,
        batch_reference="BATCH1207",
    )


MIXED = [
    _claim("OI3-0000042", "A2", "20", "812.50", entity="PR", payer_claim_number="ACME0001"),
    _claim(
        "OI3-0000043",
        "A7",
        "562",
        "450",
        entity="85",
        last_name="ROE",
        first_name="SAM",
        member_id="1EG4TE5MK72",
        first_date=MARCH[0],
        last_date=MARCH[0],
        more_codes=(("A7", "128", "85"),),
    ),
]


def _999(*sets: SetResult, version: str = "005010X222A1", control: int = 5001) -> str:
    return write_999(
        list(sets),
        group_control_number=1207,
        interchange_control_number=control,
        created=RECEIVED,
        version=version,
    )


SHAPES = {
    "999 accepted": _999(SetResult(1)),
    "999 several sets, one rejected": _999(SetResult(1), REJECTED_SET, SetResult(3)),
    "999 all rejected, 837I": _999(REJECTED_SET, version="005010X223A2"),
    "999 accepted with errors": _999(SetResult(1, "E", (SegmentError("PER", 5, "I9"),))),
    "999 set trailer error": _999(SetResult(1, "R", syntax_errors=("4",))),
    "277CA accepted and rejected": _277ca(MIXED),
    "277CA several claims of one provider": _277ca(
        [
            _claim(f"OI3-00000{n}", "A2", "20", "150", first_date=d, last_date=d)
            for n, d in zip(range(50, 55), MARCH, strict=True)
        ]
    ),
    "277CA all rejected": _277ca([_claim("OI3-0000044", "A6", "35", "162.50")]),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_written_acknowledgment_passes_pyx12(name: str) -> None:
    assert validate(SHAPES[name]) == []


def test_accepted_999_round_trip_matches_our_envelope() -> None:
    batch = professional_batch()
    env = batch.envelope
    assert validate(write_837p(batch)) == []
    text = write_999(
        [SetResult(env.transaction_control_number)],
        group_control_number=env.group_control_number,
        interchange_control_number=5001,
        created=RECEIVED,
    )
    ack = parse_999(text)
    assert ack == FileAck(5001, env.group_control_number, "005010X222A1", "A", (ack.sets[0],))
    assert ack.accepted
    (one,) = ack.sets
    assert (one.control_number, one.code, one.errors, one.accepted) == (
        env.transaction_control_number,
        "A",
        (),
        True,
    )


def test_rejected_set_errors_in_words() -> None:
    ack = parse_999(SHAPES["999 several sets, one rejected"])
    assert ack.group_code == "P"
    assert not ack.accepted
    assert [(s.control_number, s.accepted) for s in ack.sets] == [(1, True), (2, False), (3, True)]
    rejected = ack.sets[1]
    assert rejected.code == "R"
    assert rejected.errors == (
        "segment NM1 at position 12: required data element missing (element 3; loop 2010)",
        "segment NM1 at position 12: implementation pattern match failure"
        " (element 9, value 'XX1'; loop 2010)",
        "segment DMG at position 14: required segment missing",
        "segment CLM at position 16: invalid code value (element 5, component 1, value '99')",
    )


def test_transaction_set_and_warning_codes_in_words() -> None:
    (trailer,) = parse_999(SHAPES["999 set trailer error"]).sets
    assert trailer.errors == (
        "transaction set: number of included segments does not match actual count",
    )
    ack = parse_999(SHAPES["999 accepted with errors"])
    assert (ack.group_code, ack.accepted) == ("E", True)
    assert ack.sets[0].errors == (
        'segment PER at position 5: implementation dependent "not used" segment present',
    )


def test_institutional_file_rejected_whole() -> None:
    batch = institutional_batch()
    ack = parse_999(SHAPES["999 all rejected, 837I"])
    assert (ack.version, ack.group_code, ack.accepted) == ("005010X223A2", "R", False)
    assert batch.envelope.group_control_number == ack.group_control_number


def test_277ca_accepted_and_rejected_claims() -> None:
    acks = parse_277ca(SHAPES["277CA accepted and rejected"])
    assert acks.interchange_control_number == 7001
    alex, sam = acks.claims
    assert alex == ClaimAck(
        claim_id="OI3-0000042",
        category="A2",
        status_code="20",
        entity="PR",
        status_date=dt.date(2026, 3, 10),
        payer_claim_number="ACME0001",
        amount=D("812.50"),
    )
    assert (alex.accepted, alex.rejected, alex.words) == (True, False, "accepted into adjudication")
    assert (sam.claim_id, sam.category, sam.status_code, sam.entity) == (
        "OI3-0000043",
        "A7",
        "562",
        "85",
    )
    assert (sam.accepted, sam.rejected, sam.payer_claim_number) == (False, True, "")
    assert sam.amount == D("450")
    assert sam.more_codes == (StatusCode("A7", "128", "85"),)
    assert str(sam.more_codes[0]) == "A7 rejected: information invalid: status 128 (entity 85)"


def test_277ca_several_claims_of_one_provider() -> None:
    acks = parse_277ca(SHAPES["277CA several claims of one provider"])
    assert [c.claim_id for c in acks.claims] == [f"OI3-00000{n}" for n in range(50, 55)]
    assert all(c.accepted and c.amount == D("150") for c in acks.claims)


def test_service_line_status_is_not_the_claims() -> None:
    text = SHAPES["277CA accepted and rejected"]
    line = "SVC*HC:H0015*162.5~STC*A7:454*20260310*U~DTP*472*D8*20260302~"
    text = text.replace("DTP*472*RD8*20260302-20260306~", "DTP*472*RD8*20260302-20260306~" + line)
    text = text.replace("SE*36*0001~", "SE*39*0001~")
    assert validate(text) == []
    alex = parse_277ca(text).claims[0]
    assert (alex.category, alex.more_codes) == ("A2", ())


def test_category_codes_and_what_counts_as_accepted() -> None:
    assert sorted(CATEGORY_WORDS) == [f"A{n}" for n in range(9)]
    assert CATEGORY_WORDS["A6"] == "rejected: information missing"

    def ack(category: str) -> ClaimAck:
        return ClaimAck("X", category, "20", "", dt.date(2026, 3, 10), "", D("1"))

    assert [c for c in CATEGORY_WORDS if ack(c).accepted] == ["A2", "A5"]
    assert [c for c in CATEGORY_WORDS if ack(c).rejected] == ["A3", "A6", "A7", "A8"]
    # A0 forwarded, A1 received, A4 not found: neither accepted nor rejected yet
    assert not ack("A4").accepted and not ack("A4").rejected


def test_read_acknowledgment_chooses_by_st01() -> None:
    assert isinstance(read_acknowledgment(SHAPES["999 accepted"]), FileAck)
    assert isinstance(read_acknowledgment(SHAPES["277CA all rejected"]), ClaimAcks)
    # line breaks after each segment, as some clearinghouses send them
    spaced = SHAPES["277CA all rejected"].replace("~", "~\r\n")
    read = read_acknowledgment(spaced)
    assert isinstance(read, ClaimAcks)
    assert read.claims[0].category == "A6"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("hello, this is not X12", "not an X12 interchange"),
        (bytes(range(256)).decode("latin-1") * 2, "not an X12 interchange"),
        (REMIT_835, "an 835 remittance (ST01 835)"),
        (write_837p(professional_batch()), "an 837 claim file (ST01 837)"),
        (SHAPES["999 accepted"][:150], "Interchange Control Trailer"),
        (SHAPES["277CA accepted and rejected"][:-60], "Interchange Control Trailer"),
    ],
)
def test_bad_input_raises(text: str, message: str) -> None:
    with pytest.raises(AckError) as caught:
        read_acknowledgment(text)
    assert any(message in p for p in caught.value.problems), caught.value.problems


def test_wrong_reader_raises() -> None:
    with pytest.raises(AckError, match=r"expected a 277, got a 999"):
        parse_277ca(SHAPES["999 accepted"])
    with pytest.raises(AckError, match=r"expected a 999, got an 835"):
        parse_999(REMIT_835)


def test_999_missing_ik5_names_it() -> None:
    text = SHAPES["999 accepted"].replace("IK5*A~", "").replace("SE*6*0001", "SE*5*0001")
    with pytest.raises(AckError) as caught:
        parse_999(text)
    assert any("IK5" in p and "missing" in p for p in caught.value.problems)


def test_999_wrong_ak9_counts_raise() -> None:
    good = SHAPES["999 several sets, one rejected"]
    assert "AK9*P*3*3*2~" in good
    with pytest.raises(AckError, match="AK9 says 3 transaction sets accepted, but 2 are"):
        parse_999(good.replace("AK9*P*3*3*2~", "AK9*P*3*3*3~"))
    with pytest.raises(AckError, match="AK9 says 4 transaction sets received, but 3 are"):
        parse_999(good.replace("AK9*P*3*3*2~", "AK9*P*4*4*2~"))
    with pytest.raises(AckError, match="AK901 A"):
        parse_999(good.replace("AK9*P*3*3*2~", "AK9*A*3*3*2~"))


def test_999_of_two_groups_is_refused() -> None:
    one = SHAPES["999 accepted"]
    st = one[one.index("ST*999") : one.index("GE*")]
    two = one.replace(st, st + st.replace("0001", "0002")).replace("GE*1*", "GE*2*")
    with pytest.raises(AckError, match="one 999 transaction set"):
        parse_999(two)


def test_claim_status_response_is_not_a_claim_acknowledgment() -> None:
    x212 = SHAPES["277CA all rejected"].replace("005010X214", "005010X212")
    with pytest.raises(AckError, match="005010X214"):
        read_acknowledgment(x212)


def test_writers_refuse_bad_input() -> None:
    with pytest.raises(ClaimDataError):
        _999(SetResult(1, "Q"))
    with pytest.raises(ClaimDataError):
        _999()
    with pytest.raises(ClaimDataError):
        _277ca([_claim("OI3~1", "A2", "20", "1")])
