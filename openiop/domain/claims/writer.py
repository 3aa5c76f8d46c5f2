"""Write a claim batch as X12 837 text: professional (837P) or institutional (837I).

Layout, per the implementation guides (section 2.4 of each, "837 Transaction Set Listing"):

    ISA  interchange header (fixed width)            GS   functional group (HC)
    ST   transaction set header                      BHT  beginning of hierarchical transaction
    1000A submitter  NM1*41, PER                     1000B receiver  NM1*40
    2000A HL*20 billing provider: PRV, 2010AA NM1*85, N3, N4, REF*EI
    2000B HL*22 subscriber: SBR, 2010BA NM1*IL (+ N3, N4, DMG when the subscriber is the
         patient: SBR02 = 18, HL04 = 0); 2010BB NM1*PR
    2000C HL*23 patient, only when the patient is not the subscriber (subscriber HL04 = 1,
         SBR02 empty): PAT, 2010CA NM1*QC, N3, N4, DMG
    2300 claim: CLM, (837I: DTP*434, CL1), HI (diagnoses), (837I: HI*BG condition codes),
         2310A attending (837I) / 2310B rendering (837P),
         2320 other subscriber (a payer that paid before): SBR, CAS, AMT*D, OI;
         2330A NM1*IL; 2330B NM1*PR, DTP*573
    2400 LX, SV1 (837P) or SV2 (837I), DTP*472; 2430 SVD, CAS, DTP*573 per payer that paid before
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
Loops 2000C/2010CA, 2320/2330A/2330B and 2430: their segments, usage and code values checked
against the guide maps bundled with pyx12 (`837.5010.X222.A1.xml`, `837Q3.I.5010.X223.A1.xml`);
the subscriber/patient split (2010BA N3/N4/DMG only when the patient is the subscriber, the
patient's in 2010CA otherwise) as restated by X12 RFI 2281 ("Subscriber/Patient address",
005010X222A1) and RFI 1496 (005010X222).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum

from openiop.domain.claims.model import (
    CENT,
    Address,
    CasAdjustment,
    Claim,
    ClaimBatch,
    ClaimDataError,
    PatientRelationship,
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


def _nm1(entity: str, kind: str, name: str, first: str, qualifier: str, ident: str) -> str:
    """NM1: entity code, 1 person or 2 organization, last or organization name [NM103], first
    name [NM104], id qualifier [NM108] and id [NM109]; middle name, prefix and suffix
    [NM105-NM107] are left empty. Values are already cleaned."""
    return _seg("NM1", entity, kind, name, first, "", "", "", qualifier, ident)


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


_CAS_PER_SEGMENT = 6  # CAS02-CAS19: six reason/amount/quantity triples
_CAS_PER_LOOP = 5  # CAS repeats at most 5 times in 2320 and in 2430
_OTHER_RELATIONSHIPS = frozenset({"18", *(r.value for r in PatientRelationship)})


def _cas(where: str, adjustments: tuple[CasAdjustment, ...]) -> list[str]:
    """CAS segments: one per group code (in order of first use), up to six reasons each.

    Source: 005010X222A1 / 005010X223A2, loops 2320 "Claim Level Adjustments" and 2430 "Line
    Adjustment" (CAS01 group CO, CR, OA, PI or PR; CAS02/03 the first reason and amount, CAS05/06
    ... up to CAS17/18; the segment repeats at most 5 times), as in the pyx12 guide maps.
    """
    groups: dict[str, list[CasAdjustment]] = {}
    for a in adjustments:
        groups.setdefault(a.group.value, []).append(a)
    out: list[str] = []
    for group, items in groups.items():
        for start in range(0, len(items), _CAS_PER_SEGMENT):
            elements: list[str] = []
            for a in items[start : start + _CAS_PER_SEGMENT]:
                reason = _clean(where, a.reason)
                if not re.fullmatch(r"[A-Z0-9]{1,5}", reason):
                    raise ClaimDataError(where, f"adjustment reason {a.reason!r} is not a CARC")
                elements += [reason, x12_amount(a.amount), ""]
            out.append(_seg("CAS", group, *elements))
    if len(out) > _CAS_PER_LOOP:
        raise ClaimDataError(where, "too many adjustments for one loop (at most 5 CAS segments)")
    return out


def _other_coverage_segments(claim: Claim) -> list[str]:
    """Loops 2320, 2330A and 2330B: each payer that adjudicated the claim before this one.

    2320 SBR (SBR01 that payer's responsibility, SBR02 the patient's relationship to its
    subscriber, required in 2320; SBR09 its filing indicator), CAS claim-level adjustments,
    AMT*D payer paid amount, OI (OI03 benefits assigned "Y", OI06 release of information "Y",
    as CLM08/CLM09); 2330A NM1*IL other subscriber with member id; 2330B NM1*PR other payer,
    its id being the one the 2430 SVD01 repeats, and DTP*573 its adjudication date.
    Source: 005010X222A1 and 005010X223A2, loops 2320, 2330A, 2330B, as in the pyx12 guide maps
    (837.5010.X222.A1.xml, 837Q3.I.5010.X223.A1.xml).
    """
    out: list[str] = []
    seen: set[str] = set()
    for n, oc in enumerate(claim.other_coverages, start=1):
        where = f"claim {claim.claim_id} other payer {n}"
        if oc.responsibility == claim.responsibility or not re.fullmatch(
            r"[A-HPSTU]", oc.responsibility
        ):
            raise ClaimDataError(where, "needs its own payer responsibility (SBR01)")
        if oc.relationship not in _OTHER_RELATIONSHIPS:
            raise ClaimDataError(where, f"relationship {oc.relationship!r} is not an SBR02 code")
        payer_id = _clean(where, oc.payer.payer_id)
        if payer_id in seen:
            raise ClaimDataError(where, "the same other payer twice")
        seen.add(payer_id)
        out.append(
            _seg(
                "SBR",
                oc.responsibility,
                oc.relationship,
                "",
                "",
                "",
                "",
                "",
                "",
                oc.payer.filing_indicator.value,
            )
        )
        out += _cas(where, oc.adjustments)
        out.append(_seg("AMT", "D", x12_amount(oc.paid)))
        out.append(_seg("OI", "", "", "Y", "", "", "Y"))
        out.append(
            _nm1(
                "IL",
                "1",
                _clean(where, oc.subscriber_last_name),
                _clean(where, oc.subscriber_first_name),
                "MI",
                _clean(where, oc.member_id),
            )
        )
        out.append(_nm1("PR", "2", _clean(where, oc.payer.name), "", "PI", payer_id))
        if oc.adjudicated_on is not None:
            out.append(_seg("DTP", "573", "D8", f"{oc.adjudicated_on:%Y%m%d}"))
    return out


def _line_adjudication_segments(
    where: str, claim: Claim, line: ServiceLine, kind: Kind
) -> list[str]:
    """Loop 2430 of one line: SVD, CAS, DTP*573 for each payer that adjudicated it.

    SVD01 is the other payer's id, which must be one of the claim's 2330B NM109; SVD02 the paid
    amount; SVD03 the procedure; SVD04 the revenue code (837I only; not used on the 837P);
    SVD05 the paid units. DTP*573 is required in 2430.
    Source: 005010X222A1 and 005010X223A2, loop 2430, as in the pyx12 guide maps.
    """
    payer_ids = {oc.payer.payer_id.upper() for oc in claim.other_coverages}
    out: list[str] = []
    for adj in line.adjudications:
        payer_id = _clean(where, adj.payer_id)
        if payer_id not in payer_ids:
            raise ClaimDataError(where, "line adjudication by a payer not among the other payers")
        revenue = line.revenue_code if kind is Kind.INSTITUTIONAL else ""
        out.append(
            _seg(
                "SVD",
                payer_id,
                x12_amount(adj.paid),
                _procedure(where, line),
                revenue,
                x12_quantity(line.units),
            )
        )
        out += _cas(where, adj.adjustments)
        out.append(_seg("DTP", "573", "D8", f"{adj.adjudicated_on:%Y%m%d}"))
    return out


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
    if claim.prior_authorization:
        number = claim.prior_authorization.strip()  # sent as the payer wrote it
        if any(ch in _RESERVED for ch in number):
            raise ClaimDataError(where, f"{number!r} contains an X12 separator (~ * : ^)")
        if len(number) > 50:
            raise ClaimDataError(where, "the prior authorization number is over 50 characters")
        out.append(_seg("REF", "G1", number))
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
            _nm1("71", "1", _clean(where, a.last_name), _clean(where, a.first_name), "XX", npi)
        )
    if kind is Kind.PROFESSIONAL and claim.rendering is not None:
        r = claim.rendering
        npi = _digits(f"{where} rendering NPI", r.npi, (10,))
        out.append(
            _nm1("82", "1", _clean(where, r.last_name), _clean(where, r.first_name), "XX", npi)
        )
    out += _other_coverage_segments(claim)
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
        out += _line_adjudication_segments(lwhere, claim, line, kind)
    return out


def _demographics(where: str, birth_date: dt.date | None, sex: str) -> str:
    if birth_date is None:
        raise ClaimDataError(where, "birth date is required")
    if sex not in ("M", "F", "U"):
        raise ClaimDataError(where, "sex must be M, F or U")
    return _seg("DMG", "D8", f"{birth_date:%Y%m%d}", sex)


def _subscriber_segments(claim: Claim, hl: int) -> list[str]:
    """Loop 2000B and 2010BA.

    When the patient is the subscriber: HL04 = 0, SBR02 = 18, and 2010BA carries the address
    (N3/N4) and DMG. When the patient is someone else: HL04 = 1 (a 2000C patient level
    follows), SBR02 is not sent (its only code is 18, "self"), and 2010BA has the subscriber's
    name and member id without N3/N4/DMG ("Required when the patient is the subscriber or
    considered to be the subscriber. If not required by this implementation guide, do not
    send."). Sources: 005010X222A1 and 005010X223A2, loops 2000B (HL04, SBR02) and 2010BA (N3,
    N4, DMG); X12 RFI 2281 and RFI 1496; the pyx12 guide maps (2000B SBR02 code 18 only).
    """
    s = claim.subscriber
    where = f"claim {claim.claim_id} subscriber"
    if not re.fullmatch(r"[A-HPSTU]", claim.responsibility):
        raise ClaimDataError(where, "payer responsibility (SBR01) must be P, S, T or A to H, U")
    is_patient = claim.patient is None
    out = [
        _seg("HL", str(hl), "1", "22", "0" if is_patient else "1"),
        _seg(
            "SBR",
            claim.responsibility,
            "18" if is_patient else "",
            "",
            "",
            "",
            "",
            "",
            "",
            claim.payer.filing_indicator.value,
        ),
        _nm1(
            "IL",
            "1",
            _clean(where, s.last_name),
            _clean(where, s.first_name),
            "MI",
            _clean(where, s.member_id),
        ),
    ]
    if is_patient:
        if s.address is None:
            raise ClaimDataError(
                where, "the address is required when the subscriber is the patient"
            )
        out += [*_address(where, s.address), _demographics(where, s.birth_date, s.sex)]
    return out


def _patient_segments(claim: Claim, hl: int, parent: int) -> list[str]:
    """Loop 2000C (HL*n*parent*23*0, PAT01) and 2010CA (NM1*QC, N3, N4, DMG).

    PAT01: 01 spouse, 19 child, 20 employee, 21 unknown, 53 life partner, G8 other relationship
    (39 and 40, organ donors, are not written here). Source: 005010X222A1 and 005010X223A2,
    loops 2000C and 2010CA, as in the pyx12 guide maps; 2010CA N3, N4 and DMG are required.
    """
    pt = claim.patient
    assert pt is not None
    where = f"claim {claim.claim_id} patient"
    relationship = PatientRelationship(pt.relationship)
    return [
        _seg("HL", str(hl), str(parent), "23", "0"),
        _seg("PAT", relationship.value),
        _nm1("QC", "1", _clean(where, pt.last_name), _clean(where, pt.first_name), "", ""),
        *_address(where, pt.address),
        _demographics(where, pt.birth_date, pt.sex),
    ]


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
        _nm1("41", "2", _clean("submitter", sub.name), "", "46", _clean("submitter", sub.etin)),
        _seg(
            "PER",
            "IC",
            _clean("submitter", sub.contact_name),
            "TE",
            _digits("submitter phone", sub.phone, (10,)),
        ),
        _nm1("40", "2", _clean("receiver", rec.name), "", "46", _clean("receiver", rec.etin)),
        _seg("HL", "1", "", "20", "1"),
    ]
    if bp.taxonomy:
        body.append(_seg("PRV", "BI", "PXC", _clean("billing provider", bp.taxonomy)))
    body += [
        _nm1(
            "85",
            "2",
            _clean("billing provider", bp.name),
            "",
            "XX",
            _digits("billing provider NPI", bp.npi, (10,)),
        ),
        *_address("billing provider", bp.address, zip_lengths=(9,)),
        _seg("REF", "EI", _digits("billing provider tax id", bp.tax_id, (9,))),
    ]
    hl = 1
    for claim in batch.claims:
        _check_claim(claim, kind)
        p = claim.payer
        hl += 1
        subscriber_hl = hl
        body += _subscriber_segments(claim, subscriber_hl)
        body.append(
            _nm1(
                "PR",
                "2",
                _clean(f"claim {claim.claim_id} payer", p.name),
                "",
                "PI",
                _clean("payer", p.payer_id),
            )
        )
        if claim.patient is not None:
            hl += 1
            body += _patient_segments(claim, hl, subscriber_hl)
        body += _claim_segments(claim, kind)
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
