"""Write X12 acknowledgments of our 837 files: the clearinghouse's side, for the demo and tests.

A program never writes these; a clearinghouse or payer sends them back:

* the 999 implementation acknowledgment (ASC X12C/005010X231A1) says whether each 837
  transaction set (ST) of a functional group (GS) passed the syntax and implementation guide
  checks: one AK1 for the group acknowledged (AK102 = its GS06), one AK2 loop per transaction set
  (AK202 = its ST02), with IK3/IK4 errors, an IK5 code per set and an AK9 code and counts;
* the 277CA claim acknowledgment (ASC X12N/005010X214, "Health Care Claim Acknowledgment (277)")
  says, claim by claim (TRN02 = our CLM01), whether the claim entered the payer's adjudication
  system: information source (HL 20, the payer) > information receiver (HL 21, us as submitter) >
  billing provider (HL 19) > patient (HL PT) with the claim's STC status.

Every text written here passes `openiop.domain.claims.validate.validate` (pyx12's
`999.5010X231.A1.xml` and `277.5010.X214.xml` maps) with no problem; the tests check it.

Sources: ASC X12C/005010X231A1 "Implementation Acknowledgment (999)" and ASC X12N/005010X214
"Health Care Claim Acknowledgment (277)", https://x12.org/products/transaction-sets; the segment
layout also follows pyx12's bundled maps of both guides (https://github.com/azoner/pyx12).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from openiop.domain.claims.model import ClaimDataError
from openiop.domain.claims.writer import (
    COMPONENT,
    ELEMENT,
    REPETITION,
    SEGMENT,
    Kind,
    _clean,
    _nm1,
    _seg,
    x12_amount,
)


@dataclass(frozen=True)
class ElementError:
    """IK4: one element in error. `position` [IK401-1], `component` [IK401-2, 0 = none],
    `code` the IK403 implementation data element syntax error code (e.g. "1" required data
    element missing, "7" invalid code value, "8" invalid date), `reference` the data element
    dictionary number [IK402], `bad_value` a copy of the bad data [IK404]."""

    position: int
    code: str
    component: int = 0
    reference: str = ""
    bad_value: str = ""


@dataclass(frozen=True)
class SegmentError:
    """IK3: one segment in error. `segment` [IK301], `position` in the transaction set counting
    ST as 1 [IK302], `loop` [IK303, at most 4 characters, e.g. "2010"], `code` the IK304 implementation segment
    syntax error code ("8" segment has data element errors, "3" required segment missing, ...),
    `elements` its IK4 element errors."""

    segment: str
    position: int
    code: str = "8"
    loop: str = ""
    elements: tuple[ElementError, ...] = ()


@dataclass(frozen=True)
class SetResult:
    """One AK2 loop: the transaction set acknowledged (its ST02) and its IK501 code.

    `code`: A accepted, E accepted with errors, R rejected (M, W, X: rejected variants).
    `syntax_errors`: IK502-IK506 codes; when empty and the set has errors or is rejected, "I5"
    (implementation one or more segments in error) or "5" (one or more segments in error) is
    written for it.
    """

    control_number: int
    code: str = "A"
    errors: tuple[SegmentError, ...] = ()
    syntax_errors: tuple[str, ...] = ()


_ACCEPTED = ("A", "E")
_SET_CODES = ("A", "E", "M", "R", "W", "X")


def _envelope(
    functional_id: str,
    version: str,
    sender: str,
    receiver: str,
    control: int,
    created: dt.datetime,
    body: list[str],
) -> str:
    """ISA/GS around one transaction set (ISA14 0: no TA1 asked for; ISA15 T: test)."""
    if not 1 <= control <= 999_999_999:
        raise ClaimDataError("envelope", "interchange control number must be 1 to 999999999")
    if len(sender) > 15 or len(receiver) > 15:
        raise ClaimDataError("envelope", "sender and receiver ids are at most 15 characters")
    isa13 = f"{control:09d}"
    isa = ELEMENT.join(
        [
            "ISA", "00", " " * 10, "00", " " * 10,
            "ZZ", _clean("sender", sender).ljust(15), "ZZ", _clean("receiver", receiver).ljust(15),
            f"{created:%y%m%d}", f"{created:%H%M}", REPETITION, "00501", isa13, "0", "T", COMPONENT,
        ]
    )  # fmt: skip
    gs = _seg(
        "GS", functional_id, _clean("sender", sender), _clean("receiver", receiver),
        f"{created:%Y%m%d}", f"{created:%H%M}", str(control), "X", version,
    )  # fmt: skip
    segments = [isa, gs, *body, _seg("GE", "1", str(control)), _seg("IEA", "1", isa13)]
    return SEGMENT.join(segments) + SEGMENT


def _group_code(sets: Sequence[SetResult]) -> str:
    """AK901: A all accepted, E all accepted some with errors, P some rejected, R none accepted."""
    accepted = [s for s in sets if s.code in _ACCEPTED]
    if not accepted:
        return "R"
    if len(accepted) < len(sets):
        return "P"
    return "A" if all(s.code == "A" for s in sets) else "E"


def write_999(
    sets: Sequence[SetResult],
    *,
    group_control_number: int,
    interchange_control_number: int,
    created: dt.datetime,
    version: str = Kind.PROFESSIONAL.value,
    sender: str = "CLEARHOUSE01",
    receiver: str = "RRIOP001",
    group_code: str = "",
) -> str:
    """A 999 acknowledging the 837 functional group `group_control_number` (its GS06).

    `sets` gives, per 837 transaction set of that group, its ST02 and the IK501 code; `version`
    is the GS08 of the group acknowledged (005010X222A1 or 005010X223A2) [AK103, AK203];
    `group_code` [AK901] is worked out from the set codes when empty. The 999's own GS06 and
    ST02 are its interchange control number and 0001.
    """
    if not sets:
        raise ClaimDataError("999", "acknowledge at least one transaction set")
    body = [
        _seg("ST", "999", "0001", "005010X231A1"),
        _seg("AK1", "HC", str(group_control_number), version),
    ]
    for s in sets:
        if s.code not in _SET_CODES:
            raise ClaimDataError("999", f"IK501 must be one of {', '.join(_SET_CODES)}")
        body.append(_seg("AK2", "837", f"{s.control_number:04d}", version))
        for e in s.errors:
            body.append(_seg("IK3", _clean("IK3", e.segment), str(e.position), e.loop, e.code))
            for el in e.elements:
                position = str(el.position)
                if el.component:
                    position += f"{COMPONENT}{el.component}"
                body.append(
                    _seg("IK4", position, el.reference, el.code, _clean("IK4", el.bad_value))
                )
        syntax = list(s.syntax_errors)
        if not syntax and (s.errors or s.code not in _ACCEPTED):
            syntax = ["I5" if s.code in _ACCEPTED else "5"]
        body.append(_seg("IK5", s.code, *syntax[:5]))
    accepted = sum(s.code in _ACCEPTED for s in sets)
    code = group_code or _group_code(sets)
    body.append(_seg("AK9", code, str(len(sets)), str(len(sets)), str(accepted)))
    body.append(_seg("SE", str(len(body) + 1), "0001"))
    return _envelope(
        "FA", "005010X231A1", sender, receiver, interchange_control_number, created, body
    )


@dataclass(frozen=True)
class ClaimStatus:
    """One claim in a 277CA (loops 2000D/2100D/2200D).

    `claim_id` our CLM01, echoed as the patient control number [TRN02]; the patient
    [NM1*QC, member id NM109]; `category` the claim status category code [STC01-1] (A2
    accepted into adjudication, A3/A6/A7/A8 rejected, ...), `status_code` the claim status code
    [STC01-2] (e.g. "20" accepted for processing), `entity` [STC01-3, optional]; `amount` the
    claim's total charge [STC04]; service dates [DTP*472]; `payer_claim_number` [REF*1K, when
    the payer assigned one]; `more_codes` further (category, status, entity) triples, each
    written as one more STC.
    """

    claim_id: str
    last_name: str
    first_name: str
    member_id: str
    category: str
    status_code: str
    amount: Decimal
    first_date: dt.date
    last_date: dt.date
    payer_claim_number: str = ""
    entity: str = ""
    more_codes: tuple[tuple[str, str, str], ...] = ()

    @property
    def accepted(self) -> bool:
        return self.category == "A2"


def _amount(value: Decimal) -> str:
    return x12_amount(value) if value else "0"


def _stc(category: str, code: str, entity: str) -> str:
    return COMPONENT.join(p for p in (category, code, entity) if p)


def write_277ca(
    claims: Sequence[ClaimStatus],
    *,
    payer_name: str,
    payer_id: str,
    submitter_name: str,
    submitter_id: str,
    provider_name: str,
    provider_npi: str,
    interchange_control_number: int,
    created: dt.datetime,
    batch_reference: str = "",
    sender: str = "CLEARHOUSE01",
    receiver: str = "RRIOP001",
) -> str:
    """A 277CA acknowledging `claims` of one billing provider, from `payer_name`.

    Totals: the receiver level carries QTY*90/AA and AMT*YU/YY (accepted and rejected claims
    and charges), the provider level QTY*QA/QC and AMT*YU/YY, each written when not zero.
    `batch_reference` is the 837's BHT03 [2200B TRN02]; `created` the receipt and process date
    [DTP*050, DTP*009] and the status date [STC02].
    """
    if not claims:
        raise ClaimDataError("277CA", "acknowledge at least one claim")
    day = f"{created:%Y%m%d}"
    control = interchange_control_number
    accepted = [c for c in claims if c.accepted]
    rejected = [c for c in claims if not c.accepted]
    total = sum((c.amount for c in claims), Decimal("0"))
    ok_total = sum((c.amount for c in accepted), Decimal("0"))
    bad_total = sum((c.amount for c in rejected), Decimal("0"))

    def totals(ok_qty: str, bad_qty: str) -> list[str]:
        out = []
        if accepted:
            out.append(_seg("QTY", ok_qty, str(len(accepted))))
        if rejected:
            out.append(_seg("QTY", bad_qty, str(len(rejected))))
        if accepted:
            out.append(_seg("AMT", "YU", _amount(ok_total)))
        if rejected:
            out.append(_seg("AMT", "YY", _amount(bad_total)))
        return out

    body = [
        _seg("ST", "277", "0001", "005010X214"),
        _seg("BHT", "0085", "08", f"{control}", day, f"{created:%H%M}", "TH"),
        _seg("HL", "1", "", "20", "1"),
        _nm1("PR", "2", _clean("payer", payer_name), "", "PI", _clean("payer", payer_id)),
        _seg("TRN", "1", f"{control}"),
        _seg("DTP", "050", "D8", day),
        _seg("DTP", "009", "D8", day),
        _seg("HL", "2", "1", "21", "1"),
        _nm1(
            "41",
            "2",
            _clean("submitter", submitter_name),
            "",
            "46",
            _clean("submitter", submitter_id),
        ),
        _seg("TRN", "2", _clean("batch reference", batch_reference or "0")),
        _seg("STC", "A1:19:PR", day, "WQ", _amount(total)),
        *totals("90", "AA"),
        _seg("HL", "3", "2", "19", "1"),
        _nm1(
            "85", "2", _clean("provider", provider_name), "", "XX", _clean("provider", provider_npi)
        ),
        _seg("TRN", "1", "0"),
        _seg("STC", "A1:19:PR", "", "WQ", _amount(total)),
        *totals("QA", "QC"),
    ]
    for hl, c in enumerate(claims, start=4):
        where = f"claim {c.claim_id}"
        action = "WQ" if c.accepted else "U"
        dates = (
            ("D8", f"{c.first_date:%Y%m%d}")
            if c.first_date == c.last_date
            else ("RD8", f"{c.first_date:%Y%m%d}-{c.last_date:%Y%m%d}")
        )
        body += [
            _seg("HL", str(hl), "3", "PT"),
            _nm1(
                "QC",
                "1",
                _clean(where, c.last_name),
                _clean(where, c.first_name),
                "MI",
                _clean(where, c.member_id),
            ),
            _seg("TRN", "2", _clean(where, c.claim_id)),
            _seg("STC", _stc(c.category, c.status_code, c.entity), day, action, _amount(c.amount)),
        ]
        for more in c.more_codes:
            body.append(_seg("STC", _stc(*more), day, action, _amount(c.amount)))
        if c.payer_claim_number:
            body.append(_seg("REF", "1K", _clean(where, c.payer_claim_number)))
        body.append(_seg("DTP", "472", *dates))
    body.append(_seg("SE", str(len(body) + 1), "0001"))
    return _envelope("HN", "005010X214", sender, receiver, control, created, body)
