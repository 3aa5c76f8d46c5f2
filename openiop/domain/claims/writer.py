"""Write a claim batch as X12 837 text: professional (837P) or institutional (837I).

Layout, per the implementation guides (section 2.4 of each, "837 Transaction Set Listing"):

    ISA  interchange header (fixed width)            GS   functional group (HC)
    ST   transaction set header                      BHT  beginning of hierarchical transaction
    1000A submitter  NM1*41, PER                     1000B receiver  NM1*40
    2000A HL*20 billing provider: PRV, 2010AA NM1*85, N3, N4, REF*EI
    2000B HL*22 subscriber (patient = subscriber): SBR, 2010BA NM1*IL, N3, N4, DMG; 2010BB NM1*PR
    2300 claim: CLM, (837I: DTP*434, CL1), HI (diagnoses), (837I: HI*BG condition codes),
         2310A attending (837I) / 2310B rendering (837P)
    2400 LX, SV1 (837P) or SV2 (837I), DTP*472
    SE / GE / IEA trailers with their counts

Separators: segment "~", element "*", component ":", repetition "^" (ISA11).
Amounts are `Decimal` written without float rounding and without trailing zeros ("150",
"162.5"), the X12 "R" (decimal number) data type.

Sources: ASC X12N/005010X222A1, "Health Care Claim: Professional (837)", section 2.4;
ASC X12N/005010X223A2, "Health Care Claim: Institutional (837)", section 2.4;
ASC X12.5 / X12.6 "Interchange Control Structures" and "Application Control Structure" for the
ISA/GS envelopes and the R data type; https://x12.org/products/transaction-sets.
CMS MLN MM13222, "Intensive Outpatient Program Services" (condition code 92 on Medicare IOP
claims, revenue codes 0905/0906), https://www.cms.gov/files/document/mm13222-intensive-outpatient-program-services.pdf.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum

from openiop.domain.claims.model import (
    CENT,
    Address,
    Claim,
    ClaimBatch,
    ClaimDataError,
    ServiceLine,
)

SEGMENT = "~"
ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
_RESERVED = frozenset(SEGMENT + ELEMENT + COMPONENT + REPETITION)


class Kind(StrEnum):
    """Which 837: the implementation guide version written to GS08 and ST03."""

    PROFESSIONAL = "005010X222A1"
    INSTITUTIONAL = "005010X223A2"


def x12_amount(value: Decimal) -> str:
    """Format money as an X12 R value: whole cents, no float, no trailing zeros ("150", "162.5")."""
    if isinstance(value, float) or not isinstance(value, Decimal) or not value.is_finite():
        raise ClaimDataError("amount", f"must be a finite Decimal, got {value!r}")
    if value != value.quantize(CENT):
        raise ClaimDataError("amount", f"must be in whole cents, got {value}")
    text = format(value.quantize(CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def x12_quantity(value: Decimal) -> str:
    """Format units (R): positive, at most 3 decimals (SV104/SV205), no trailing zeros."""
    if isinstance(value, float) or not isinstance(value, Decimal) or not value.is_finite():
        raise ClaimDataError("units", f"must be a finite Decimal, got {value!r}")
    if value <= 0 or value != value.quantize(Decimal("0.001")):
        raise ClaimDataError("units", f"must be positive with at most 3 decimals, got {value}")
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _clean(where: str, value: str) -> str:
    if any(ch in _RESERVED for ch in value):
        raise ClaimDataError(where, f"{value!r} contains an X12 separator (~ * : ^)")
    return value.upper()


def _seg(*elements: str) -> str:
    """One segment: trailing empty elements dropped, as X12 requires."""
    parts = list(elements)
    while parts and parts[-1] == "":
        parts.pop()
    return ELEMENT.join(parts)


def _digits(where: str, value: str, lengths: tuple[int, ...]) -> str:
    if not value.isdigit() or len(value) not in lengths:
        raise ClaimDataError(where, f"must be {' or '.join(map(str, lengths))} digits")
    return value


def _address(where: str, address: Address, zip_lengths: tuple[int, ...] = (5, 9)) -> list[str]:
    n3 = _seg("N3", _clean(where, address.line1), _clean(where, address.line2))
    state = _clean(where, address.state)
    if not re.fullmatch(r"[A-Z]{2}", state):
        raise ClaimDataError(where, "state must be two letters")
    zip_code = _digits(f"{where} ZIP", address.zip_code, zip_lengths)
    return [n3, _seg("N4", _clean(where, address.city), state, zip_code)]


def _check_claim(claim: Claim, kind: Kind) -> None:
    where = f"claim {claim.claim_id}"
    if not claim.claim_id or len(claim.claim_id) > 38:
        raise ClaimDataError(where, "CLM01 must be 1 to 38 characters")
    if not claim.lines:
        raise ClaimDataError(where, "a claim needs at least one service line")
    if not claim.diagnoses:
        raise ClaimDataError(where, "a claim needs a principal diagnosis")
    if len(claim.diagnoses) > (12 if kind is Kind.PROFESSIONAL else 25):
        raise ClaimDataError(where, "too many diagnoses for one claim")
    if kind is Kind.INSTITUTIONAL:
        if claim.attending is None:
            raise ClaimDataError(where, "an 837I claim needs an attending provider (2310A)")
        for n, line in enumerate(claim.lines, start=1):
            if not re.fullmatch(r"\d{4}", line.revenue_code):
                raise ClaimDataError(
                    f"{where} line {n}", "an 837I line needs a 4-digit revenue code"
                )
    for n, line in enumerate(claim.lines, start=1):
        if line.charge < 0:
            raise ClaimDataError(f"{where} line {n}", "charge must not be negative")


def _diagnosis(code: str) -> str:
    return code.replace(".", "").upper()


def _procedure(where: str, line: ServiceLine) -> str:
    if len(line.modifiers) > 4:
        raise ClaimDataError(where, "at most four procedure modifiers")
    parts = ["HC", _clean(where, line.procedure_code), *(_clean(where, m) for m in line.modifiers)]
    return COMPONENT.join(parts)


def _claim_segments(claim: Claim, kind: Kind) -> list[str]:
    """Loops 2300, 2310 and 2400 of one claim."""
    where = f"claim {claim.claim_id}"
    total = x12_amount(claim.total_charge)
    out: list[str] = []
    if kind is Kind.PROFESSIONAL:
        pos = _digits(f"{where} place of service", claim.place_of_service, (2,))
        clm05 = COMPONENT.join([pos, "B", claim.frequency])
        out.append(
            _seg("CLM", _clean(where, claim.claim_id), total, "", "", clm05, "Y", "A", "Y", "Y")
        )
    else:
        tob = _digits(f"{where} facility type", claim.facility_type, (2,))
        clm05 = COMPONENT.join([tob, "A", claim.frequency])
        out.append(
            _seg("CLM", _clean(where, claim.claim_id), total, "", "", clm05, "", "A", "Y", "Y")
        )
        span = f"{claim.first_date:%Y%m%d}-{claim.last_date:%Y%m%d}"
        out.append(_seg("DTP", "434", "RD8", span))
        out.append(
            _seg("CL1", "", "", _digits(f"{where} patient status", claim.patient_status, (2,)))
        )
    principal, *others = (_diagnosis(c) for c in claim.diagnoses)
    if kind is Kind.PROFESSIONAL:
        codes = [f"ABK{COMPONENT}{principal}", *(f"ABF{COMPONENT}{c}" for c in others)]
        out.append(_seg("HI", *codes))
    else:
        out.append(_seg("HI", f"ABK{COMPONENT}{principal}"))
        for start in range(0, len(others), 12):
            out.append(_seg("HI", *(f"ABF{COMPONENT}{c}" for c in others[start : start + 12])))
        if claim.condition_codes:
            if len(claim.condition_codes) > 12:
                raise ClaimDataError(where, "at most 12 condition codes")
            conds = (f"BG{COMPONENT}{_clean(where, c)}" for c in claim.condition_codes)
            out.append(_seg("HI", *conds))
    if kind is Kind.INSTITUTIONAL and claim.attending is not None:
        a = claim.attending
        npi = _digits(f"{where} attending NPI", a.npi, (10,))
        out.append(
            _seg(
                "NM1",
                "71",
                "1",
                _clean(where, a.last_name),
                _clean(where, a.first_name),
                "",
                "",
                "",
                "XX",
                npi,
            )
        )
    if kind is Kind.PROFESSIONAL and claim.rendering is not None:
        r = claim.rendering
        npi = _digits(f"{where} rendering NPI", r.npi, (10,))
        out.append(
            _seg(
                "NM1",
                "82",
                "1",
                _clean(where, r.last_name),
                _clean(where, r.first_name),
                "",
                "",
                "",
                "XX",
                npi,
            )
        )
    pointers = COMPONENT.join(str(i) for i in range(1, min(len(claim.diagnoses), 4) + 1))
    for n, line in enumerate(claim.lines, start=1):
        lwhere = f"{where} line {n}"
        out.append(_seg("LX", str(n)))
        charge, units = x12_amount(line.charge), x12_quantity(line.units)
        if kind is Kind.PROFESSIONAL:
            pos = line.place_of_service if line.place_of_service != claim.place_of_service else ""
            out.append(
                _seg("SV1", _procedure(lwhere, line), charge, "UN", units, pos, "", pointers)
            )
        else:
            out.append(
                _seg("SV2", line.revenue_code, _procedure(lwhere, line), charge, "UN", units)
            )
        out.append(_seg("DTP", "472", "D8", f"{line.service_date:%Y%m%d}"))
    return out


def _transaction(batch: ClaimBatch, kind: Kind) -> list[str]:
    """ST through SE (SE01 counts ST and SE themselves)."""
    env, sub, rec, bp = batch.envelope, batch.submitter, batch.receiver, batch.billing_provider
    if not batch.claims:
        raise ClaimDataError("batch", "a batch needs at least one claim")
    ids = [c.claim_id for c in batch.claims]
    if len(set(ids)) != len(ids):
        raise ClaimDataError("batch", "claim ids (CLM01) must be unique in a batch")
    st02 = f"{env.transaction_control_number:04d}"
    if not 1 <= env.transaction_control_number <= 999_999_999:
        raise ClaimDataError("envelope", "transaction control number must be 1 to 999999999")
    body = [
        _seg("ST", "837", st02, kind.value),
        _seg(
            "BHT",
            "0019",
            "00",
            _clean("envelope", env.reference),
            f"{env.created:%Y%m%d}",
            f"{env.created:%H%M}",
            "CH",
        ),
        _seg(
            "NM1",
            "41",
            "2",
            _clean("submitter", sub.name),
            "",
            "",
            "",
            "",
            "46",
            _clean("submitter", sub.etin),
        ),
        _seg(
            "PER",
            "IC",
            _clean("submitter", sub.contact_name),
            "TE",
            _digits("submitter phone", sub.phone, (10,)),
        ),
        _seg(
            "NM1",
            "40",
            "2",
            _clean("receiver", rec.name),
            "",
            "",
            "",
            "",
            "46",
            _clean("receiver", rec.etin),
        ),
        _seg("HL", "1", "", "20", "1"),
    ]
    if bp.taxonomy:
        body.append(_seg("PRV", "BI", "PXC", _clean("billing provider", bp.taxonomy)))
    body += [
        _seg(
            "NM1",
            "85",
            "2",
            _clean("billing provider", bp.name),
            "",
            "",
            "",
            "",
            "XX",
            _digits("billing provider NPI", bp.npi, (10,)),
        ),
        *_address("billing provider", bp.address, zip_lengths=(9,)),
        _seg("REF", "EI", _digits("billing provider tax id", bp.tax_id, (9,))),
    ]
    for hl, claim in enumerate(batch.claims, start=2):
        _check_claim(claim, kind)
        s, p = claim.subscriber, claim.payer
        where = f"claim {claim.claim_id} subscriber"
        if s.sex not in ("M", "F", "U"):
            raise ClaimDataError(where, "sex must be M, F or U")
        body += [
            _seg("HL", str(hl), "1", "22", "0"),
            _seg("SBR", "P", "18", "", "", "", "", "", "", p.filing_indicator.value),
            _seg(
                "NM1",
                "IL",
                "1",
                _clean(where, s.last_name),
                _clean(where, s.first_name),
                "",
                "",
                "",
                "MI",
                _clean(where, s.member_id),
            ),
            *_address(where, s.address),
            _seg("DMG", "D8", f"{s.birth_date:%Y%m%d}", s.sex),
            _seg(
                "NM1",
                "PR",
                "2",
                _clean(f"claim {claim.claim_id} payer", p.name),
                "",
                "",
                "",
                "",
                "PI",
                _clean("payer", p.payer_id),
            ),
            *_claim_segments(claim, kind),
        ]
    body.append(_seg("SE", str(len(body) + 1), st02))
    return body


def _write(batch: ClaimBatch, kind: Kind) -> str:
    env, sub, rec = batch.envelope, batch.submitter, batch.receiver
    for name, number in (
        ("interchange", env.interchange_control_number),
        ("group", env.group_control_number),
    ):
        if not 1 <= number <= 999_999_999:
            raise ClaimDataError("envelope", f"{name} control number must be 1 to 999999999")
    if len(sub.etin) > 15 or len(rec.etin) > 15:
        raise ClaimDataError("envelope", "sender and receiver ids are at most 15 characters")
    isa13 = f"{env.interchange_control_number:09d}"
    gs06 = str(env.group_control_number)
    isa = _seg_fixed(
        "ISA", "00", " " * 10, "00", " " * 10,
        "ZZ", _clean("submitter", sub.etin).ljust(15), "ZZ", _clean("receiver", rec.etin).ljust(15),
        f"{env.created:%y%m%d}", f"{env.created:%H%M}", REPETITION, "00501", isa13, "0",
        env.usage.value, COMPONENT,
    )  # fmt: skip
    gs = _seg(
        "GS", "HC", _clean("submitter", sub.etin), _clean("receiver", rec.etin),
        f"{env.created:%Y%m%d}", f"{env.created:%H%M}", gs06, "X", kind.value,
    )  # fmt: skip
    transaction = _transaction(batch, kind)
    segments = [isa, gs, *transaction, _seg("GE", "1", gs06), _seg("IEA", "1", isa13)]
    return SEGMENT.join(segments) + SEGMENT


def _seg_fixed(*elements: str) -> str:
    """The ISA keeps every element, empty or not (it is fixed width)."""
    return ELEMENT.join(elements)


def write_837p(batch: ClaimBatch) -> str:
    """The batch as one 005010X222A1 (837P, professional) interchange.

    Source: ASC X12N/005010X222A1, "Health Care Claim: Professional (837)", section 2.4,
    https://x12.org/products/transaction-sets.
    """
    return _write(batch, Kind.PROFESSIONAL)


def write_837i(batch: ClaimBatch) -> str:
    """The batch as one 005010X223A2 (837I, institutional) interchange.

    Medicare IOP claims carry condition code 92 and revenue codes 0905/0906 (CMS MLN MM13222,
    "Intensive Outpatient Program Services",
    https://www.cms.gov/files/document/mm13222-intensive-outpatient-program-services.pdf);
    both come from the claim (`Claim.condition_codes`, `ServiceLine.revenue_code`).
    Source: ASC X12N/005010X223A2, "Health Care Claim: Institutional (837)", section 2.4,
    https://x12.org/products/transaction-sets.
    """
    return _write(batch, Kind.INSTITUTIONAL)


WRITERS: dict[Kind, Callable[[ClaimBatch], str]] = {
    Kind.PROFESSIONAL: write_837p,
    Kind.INSTITUTIONAL: write_837i,
}
