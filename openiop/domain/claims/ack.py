"""Read X12 acknowledgments of our 837 claim files, all or nothing: the 999 and the 277CA.

Two answers come back for each 837 file we send:

* the 999 implementation acknowledgment (ASC X12C/005010X231A1): did each 837 transaction set
  pass the syntax and implementation guide edits? One AK1 names the functional group
  acknowledged (AK102 = our GS06, `Envelope.group_control_number`), one AK2 loop per transaction
  set (AK202 = our ST02, `Envelope.transaction_control_number`) with its IK3 segment and IK4
  element errors and its IK5 code, and an AK9 code and counts for the group. `parse_999` gives a
  `FileAck`; one 999 transaction set (so one acknowledged group) per file is supported.
* the 277CA claim acknowledgment (ASC X12N/005010X214): did each claim enter the payer's
  adjudication system? Loop 2200D (under the patient level, HL PT) carries TRN02 = the patient
  control number = our CLM01, and STC01 = claim status category code : claim status code :
  entity. `parse_277ca` gives `ClaimAcks`; several 277 transaction sets are read one after the
  other.

As `parse_835` does, the text is first validated against pyx12's maps (`999.5010X231.A1.xml`,
`277.5010.X214.xml`) through `validate`; any problem raises `AckError` and nothing is returned.
The 999's AK9 counts are checked too (pyx12 does not): received = AK2 loops, accepted = AK2 loops
with IK501 A or E.

Code lists, put in words here:
* IK304 implementation segment syntax error codes (data element 620), IK403 implementation data
  element syntax error codes (621), IK502-IK506 implementation transaction set syntax error codes
  (618), AK905-AK909 functional group syntax error codes (716): ASC X12C/005010X231A1 section 2
  (and the X12 005010 data element dictionary, restated e.g. at
  https://www.stedi.com/edi/x12-005010/element/620 and .../element/621).
* Claim status category codes (STC01-1): X12 external code source 507, "Claim Status Category
  Codes", https://x12.org/index.php/codes/claim-status-category-codes (also restated by NY
  Medicaid eMedNY,
  https://epaces.emedny.org/help/Managing_Claims/Real_Time_Responses/Claim_Status_Codes.htm).
  The acknowledgment categories:
    A0 forwarded to another entity; A1 received, which "does not mean that the claim has been
    accepted for adjudication"; A2 accepted into the adjudication system; A3 returned as
    unprocessable ("rejected and has not been entered into the adjudication system"); A4 not
    found in the adjudication system; A5 split upon acceptance into the adjudication system;
    A6 rejected for missing information; A7 rejected for invalid information; A8 rejected for
    relational field in error.
  Claim status codes (STC01-2) are external code source 508 and are kept as codes.
Sources: https://x12.org/products/transaction-sets (the guides are sold by X12).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openiop.domain.claims.validate import validate


class AckError(ValueError):
    """The acknowledgment is invalid or not one we read; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("acknowledgment rejected: " + "; ".join(problems))
        self.problems = problems


# IK304, data element 620 (005010X231A1)
SEGMENT_ERRORS: dict[str, str] = {
    "1": "unrecognized segment ID",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
    "I4": 'implementation "not used" segment present',
    "I6": "implementation dependent segment missing",
    "I7": "implementation loop occurs under minimum times",
    "I8": "implementation segment below minimum use",
    "I9": 'implementation dependent "not used" segment present',
}

# IK403, data element 621 (005010X231A1)
ELEMENT_ERRORS: dict[str, str] = {
    "1": "required data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I6": "code value not used in implementation",
    "I9": "implementation dependent data element missing",
    "I10": 'implementation "not used" data element present',
    "I11": "implementation too few repetitions",
    "I12": "implementation pattern match failure",
    "I13": 'implementation dependent "not used" data element present',
}

# IK502-IK506, data element 618 (005010X231A1)
SET_ERRORS: dict[str, str] = {
    "1": "transaction set not supported",
    "2": "transaction set trailer missing",
    "3": "transaction set control number in header and trailer do not match",
    "4": "number of included segments does not match actual count",
    "5": "one or more segments in error",
    "6": "missing or invalid transaction set identifier",
    "7": "missing or invalid transaction set control number",
    "8": "authentication key name unknown",
    "9": "encryption key name unknown",
    "10": "requested service (authentication or encryption) not available",
    "11": "unknown security recipient",
    "12": "incorrect message length (encryption only)",
    "13": "message authentication code failed",
    "15": "unknown security originator",
    "16": "syntax error in decrypted text",
    "17": "security not supported",
    "18": "transaction set not in functional group",
    "19": "invalid transaction set implementation convention reference",
    "23": "transaction set control number not unique within the functional group",
    "24": "S3E security end segment missing for S3S security start segment",
    "25": "S3S security start segment missing for S3E security end segment",
    "26": "S4E security end segment missing for S4S security start segment",
    "27": "S4S security start segment missing for S4E security end segment",
    "I5": "implementation one or more segments in error",
    "I6": "implementation convention not supported",
}

# AK905-AK909, data element 716 (005010X231A1)
GROUP_ERRORS: dict[str, str] = {
    "1": "functional group not supported",
    "2": "functional group version not supported",
    "3": "functional group trailer missing",
    "4": "group control number in the functional group header and trailer do not agree",
    "5": "number of included transaction sets does not match actual count",
    "6": "group control number violates syntax",
    "10": "authentication key name unknown",
    "11": "encryption key name unknown",
    "12": "requested service (authentication or encryption) not available",
    "13": "unknown security recipient",
    "14": "unknown security originator",
    "15": "syntax error in decrypted text",
    "16": "security not supported",
    "17": "incorrect message length (encryption only)",
    "18": "message authentication code failed",
    "19": "functional group control number not unique within interchange",
    "23": "S3E security end segment missing for S3S security start segment",
    "24": "S3S security start segment missing for S3E security end segment",
    "25": "S4E security end segment missing for S4S security start segment",
    "26": "S4S security start segment missing for S4E security end segment",
}

# IK501 transaction set and AK901 functional group acknowledgment codes
SET_CODE_WORDS: dict[str, str] = {
    "A": "accepted",
    "E": "accepted with errors",
    "M": "rejected: message authentication code failed",
    "P": "partially accepted: at least one transaction set rejected",
    "R": "rejected",
    "W": "rejected: assurance failed validity tests",
    "X": "rejected: content after decryption could not be analyzed",
}

# STC01-1, claim status category codes A0-A8 (X12 external code source 507)
CATEGORY_WORDS: dict[str, str] = {
    "A0": "forwarded to another entity",
    "A1": "received, not yet accepted for adjudication",
    "A2": "accepted into adjudication",
    "A3": "rejected: returned as unprocessable",
    "A4": "not found in the adjudication system",
    "A5": "accepted into adjudication and split",
    "A6": "rejected: information missing",
    "A7": "rejected: information invalid",
    "A8": "rejected: relational field in error",
}

# A2 is the acceptance; A5 also says the claim was accepted into adjudication (then split into
# several claims there). A1 only acknowledges receipt ("does not mean that the claim has been
# accepted"), A0 only says it went on to another entity: neither is an acceptance yet.
ACCEPTED_CATEGORIES = frozenset({"A2", "A5"})
# A3 returned as unprocessable, A6/A7/A8 rejected: the claim never entered adjudication and must
# be corrected and sent again. A4 (not found) is left out on purpose: it states that the payer has
# no record of the claim, not that it refused it; it is neither accepted nor rejected and needs a
# person to follow up (ask the payer, or resend the file).
REJECTED_CATEGORIES = frozenset({"A3", "A6", "A7", "A8"})


@dataclass(frozen=True)
class SetAck:
    """One AK2 loop: the 837 transaction set acknowledged and what became of it.

    `control_number` our ST02 [AK202]; `code` [IK501] A accepted, E accepted with errors,
    R rejected, M/W/X rejected variants; `errors` each IK3/IK4 error (and IK502-IK506 code) in
    words, naming the segment, its position in the transaction set [IK302] and the element.
    """

    control_number: int
    code: str
    errors: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.code in ("A", "E")


@dataclass(frozen=True)
class FileAck:
    """One 999: the functional group (one 837 file of ours) acknowledged.

    `interchange_control_number` the 999's own ISA13; `group_control_number` our GS06 [AK102];
    `version` the acknowledged group's GS08 [AK103]; `group_code` [AK901] A accepted, E accepted
    with errors, P partially accepted (some sets rejected), R rejected (M/W/X rejected variants);
    `sets` one per AK2; `errors` the AK905-AK909 group errors in words.
    """

    interchange_control_number: int
    group_control_number: int
    version: str
    group_code: str
    sets: tuple[SetAck, ...]
    errors: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        """The whole group went through (A or E); with P, look at each set's `accepted`."""
        return self.group_code in ("A", "E")


@dataclass(frozen=True)
class StatusCode:
    """One claim status composite (STC01, STC10 or STC11): category, status code, entity."""

    category: str
    code: str
    entity: str = ""

    def __str__(self) -> str:
        words = CATEGORY_WORDS.get(self.category, self.category)
        entity = f" (entity {self.entity})" if self.entity else ""
        return f"{self.category} {words}: status {self.code}{entity}"


@dataclass(frozen=True)
class ClaimAck:
    """One claim of a 277CA (loop 2200D).

    `claim_id` the patient control number [TRN02] = our CLM01; `category` [STC01-1],
    `status_code` [STC01-2], `entity` [STC01-3, "" when absent] of the first STC;
    `status_date` [STC02]; `payer_claim_number` [REF*1K, "" when absent]; `amount` the total
    claim charge [STC04]; `more_codes` every further status: STC10 and STC11 of the first STC,
    then STC01, STC10, STC11 of each further claim-level STC.
    """

    claim_id: str
    category: str
    status_code: str
    entity: str
    status_date: dt.date
    payer_claim_number: str
    amount: Decimal
    more_codes: tuple[StatusCode, ...] = ()

    @property
    def accepted(self) -> bool:
        """Accepted into adjudication: A2 (or A5, accepted and split). See ACCEPTED_CATEGORIES."""
        return self.category in ACCEPTED_CATEGORIES

    @property
    def rejected(self) -> bool:
        """Rejected, to correct and resend: A3, A6, A7, A8 (not A4). See REJECTED_CATEGORIES."""
        return self.category in REJECTED_CATEGORIES

    @property
    def words(self) -> str:
        return CATEGORY_WORDS.get(self.category, f"status category {self.category}")


@dataclass(frozen=True)
class ClaimAcks:
    """One 277CA interchange: `interchange_control_number` its ISA13, `claims` every 2200D."""

    interchange_control_number: int
    claims: tuple[ClaimAck, ...]


Fields = list[str]


@dataclass(frozen=True)
class _Parsed:
    segments: list[Fields]
    component: str


def _split(text: str) -> _Parsed:
    """The segments of an interchange (separators from the ISA), or AckError if it is none."""
    if not text.strip():
        raise AckError(["empty: not an X12 interchange"])
    if not text.startswith("ISA") or len(text) < 106:
        raise AckError(["not an X12 interchange (no ISA header)"])
    seg_term, ele_term, comp = text[105], text[3], text[104]
    if len({seg_term, ele_term, comp}) < 3 or any(c.isalnum() for c in (seg_term, ele_term, comp)):
        raise AckError(["not an X12 interchange (bad separators in the ISA header)"])
    segs = [s.strip().split(ele_term) for s in text.split(seg_term) if s.strip()]
    return _Parsed(segs, comp)


def _kinds(parsed: _Parsed) -> list[str]:
    """ST01 of each transaction set."""
    return [f[1] if len(f) > 1 else "" for f in parsed.segments if f[0] == "ST"]


_NAMES = {"835": "an 835 remittance", "837": "an 837 claim file", "999": "a 999", "277": "a 277"}


def _no_transaction(text: str) -> AckError:
    """No ST at all: a truncated file, most likely; pyx12 says what is missing."""
    return AckError([str(p) for p in validate(text)] or ["no transaction set (ST) in the file"])


def _expect(text: str, parsed: _Parsed, st01: str) -> None:
    kinds = _kinds(parsed)
    if not kinds:
        raise _no_transaction(text)
    other = sorted({k for k in kinds if k != st01})
    if other:
        names = ", ".join(_NAMES.get(k, f"an {k}") for k in other)
        raise AckError([f"expected a {st01}, got {names} (ST01 {', '.join(other)})"])


def _check(text: str) -> None:
    problems = [str(p) for p in validate(text)]
    if problems:
        raise AckError(problems)


def _element(f: Fields, n: int) -> str:
    return f[n] if len(f) > n else ""


def _int(value: str, where: str, problems: list[str]) -> int:
    if not value.strip().isdigit():
        problems.append(f"{where}: {value!r} is not a number")
        return 0
    return int(value)


def _words(table: dict[str, str], code: str, kind: str) -> str:
    return table.get(code, f"{kind} error code {code}")


def _ik3_ik4(ik3: Fields, ik4s: list[Fields], comp: str) -> list[str]:
    """The errors of one IK3 loop in words."""
    segment, position = _element(ik3, 1), _element(ik3, 2)
    loop, code = _element(ik3, 3), _element(ik3, 4)
    where = f"segment {segment} at position {position}"
    in_loop = f"loop {loop}" if loop else ""
    out = []
    # IK304 8 only says "has data element errors": the IK4s say which, so it is not repeated
    if not ik4s or (code and code != "8"):
        words = _words(SEGMENT_ERRORS, code, "segment") if code else "in error"
        out.append(f"{where}: {words}" + (f" ({in_loop})" if in_loop else ""))
    for ik4 in ik4s:
        pos = _element(ik4, 1).split(comp)
        detail = f"element {pos[0]}"
        if len(pos) > 1 and pos[1]:
            detail += f", component {pos[1]}"
        if len(pos) > 2 and pos[2]:
            detail += f", repetition {pos[2]}"
        bad = _element(ik4, 4)
        if bad:
            detail += f", value {bad!r}"
        if in_loop:
            detail += f"; {in_loop}"
        out.append(f"{where}: {_words(ELEMENT_ERRORS, _element(ik4, 3), 'element')} ({detail})")
    return out


def parse_999(text: str) -> FileAck:
    """Read a 999 acknowledging one 837 file; raise `AckError` (nothing partial) if invalid."""
    text = text.lstrip("\ufeff \t\r\n")
    parsed = _split(text)
    _expect(text, parsed, "999")
    if len(_kinds(parsed)) != 1:
        raise AckError(["one 999 transaction set (one acknowledged file) per interchange"])
    _check(text)
    segs, comp = parsed.segments, parsed.component
    problems: list[str] = []
    isa13 = _int(segs[0][13], "ISA13", problems)
    group, version, group_code = 0, "", ""
    group_errors: list[str] = []
    counts: tuple[int, int, int] = (0, 0, 0)
    sets: list[SetAck] = []
    current: dict[str, object] | None = None
    errors: list[str] = []
    ik3: Fields | None = None
    ik4s: list[Fields] = []

    def close_ik3() -> None:
        nonlocal ik3, ik4s
        if ik3 is not None:
            errors.extend(_ik3_ik4(ik3, ik4s, comp))
        ik3, ik4s = None, []

    for f in segs:
        sid = f[0]
        if sid == "AK1":
            group = _int(_element(f, 2), "AK102", problems)
            version = _element(f, 3)
        elif sid == "AK2":
            number = _element(f, 2)
            current = {"control_number": _int(number, f"AK202 {number}", problems)}
            errors = []
        elif sid == "IK3":
            close_ik3()
            ik3 = f
        elif sid == "IK4":
            ik4s.append(f)
        elif sid == "IK5" and current is not None:
            close_ik3()
            set_codes = [c for c in f[2:] if c]
            if errors:  # the segments in error are already listed one by one
                set_codes = [c for c in set_codes if c not in ("5", "I5")]
            errors += [
                f"transaction set: {_words(SET_ERRORS, c, 'transaction set')}" for c in set_codes
            ]
            sets.append(SetAck(current["control_number"], f[1], tuple(errors)))  # type: ignore[arg-type]
            current, errors = None, []
        elif sid == "AK9":
            group_code = f[1]
            counts = (
                _int(_element(f, 2), "AK902", problems),
                _int(_element(f, 3), "AK903", problems),
                _int(_element(f, 4), "AK904", problems),
            )
            group_errors = [
                f"functional group: {_words(GROUP_ERRORS, c, 'functional group')}"
                for c in f[5:]
                if c
            ]
    problems += _counts(group_code, counts, sets)
    if problems:
        raise AckError(problems)
    return FileAck(isa13, group, version, group_code, tuple(sets), tuple(group_errors))


def _counts(code: str, counts: tuple[int, int, int], sets: list[SetAck]) -> list[str]:
    """AK9 against the AK2 loops: AK902 included >= AK903 received = AK2 loops, AK904 accepted."""
    included, received, accepted = counts
    out = []
    if received != len(sets):
        out.append(
            f"AK9 says {received} transaction sets received, but {len(sets)} are acknowledged"
        )
    actual = sum(s.accepted for s in sets)
    if accepted != actual:
        out.append(
            f"AK9 says {accepted} transaction sets accepted, but {actual} are (IK501 A or E)"
        )
    if received > included:
        out.append(f"AK9 says {received} transaction sets received of {included} included")
    if code in ("A", "E") and actual < len(sets):
        out.append(f"AK901 {code} (accepted) but {len(sets) - actual} transaction sets rejected")
    return out


def _date(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007 - a date, no time zone


def _status(composite: str, comp: str) -> StatusCode:
    parts = [*composite.split(comp), "", ""]
    return StatusCode(parts[0], parts[1], parts[2])


def parse_277ca(text: str) -> ClaimAcks:
    """Read a 277CA (005010X214); raise `AckError` (nothing partial) if invalid."""
    text = text.lstrip("\ufeff \t\r\n")
    parsed = _split(text)
    _expect(text, parsed, "277")
    versions = {_element(f, 3) for f in parsed.segments if f[0] == "ST"}
    if versions != {"005010X214"}:
        got = ", ".join(sorted(v or "none" for v in versions))
        raise AckError([f"a 277 claim acknowledgment is 005010X214, got {got} (ST03)"])
    _check(text)
    segs, comp = parsed.segments, parsed.component
    problems: list[str] = []
    isa13 = _int(segs[0][13], "ISA13", problems)
    claims: list[ClaimAck] = []
    level = ""
    claim: dict[str, object] | None = None
    codes: list[StatusCode] = []
    in_line = False

    def close() -> None:
        nonlocal claim, codes
        if claim is not None:
            if not codes:
                problems.append(f"claim {claim['claim_id']}: no STC status")
            else:
                first, *more = codes
                claims.append(
                    ClaimAck(
                        category=first.category,
                        status_code=first.code,
                        entity=first.entity,
                        more_codes=tuple(more),
                        **claim,  # type: ignore[arg-type]
                    )
                )
        claim, codes = None, []

    for f in segs:
        sid = f[0]
        if sid in ("HL", "SE"):
            close()
            level, in_line = _element(f, 3), False
        elif sid == "TRN" and level == "PT":
            close()
            in_line = False
            claim = {
                "claim_id": _element(f, 2),
                "payer_claim_number": "",
                "status_date": dt.date.min,
                "amount": Decimal("0"),
            }
        elif sid == "SVC":
            in_line = True  # 2220D: service line statuses are not the claim's
        elif sid == "STC" and claim is not None and not in_line:
            if not codes:
                claim["status_date"] = _date(_element(f, 2))
                claim["amount"] = _money(_element(f, 4), f"claim {claim['claim_id']}", problems)
            codes.append(_status(f[1], comp))
            codes += [_status(c, comp) for c in (_element(f, 10), _element(f, 11)) if c]
        elif sid == "REF" and claim is not None and not in_line and _element(f, 1) == "1K":
            claim["payer_claim_number"] = _element(f, 2)
    close()
    if problems:
        raise AckError(problems)
    return ClaimAcks(isa13, tuple(claims))


def _money(value: str, where: str, problems: list[str]) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        problems.append(f"{where}: STC04 {value!r} is not an amount")
        return Decimal("0")
    if not amount.is_finite():
        problems.append(f"{where}: STC04 {value!r} is not an amount")
    return amount


def read_acknowledgment(text: str) -> FileAck | ClaimAcks:
    """Read a 999 or a 277CA, choosing by ST01; anything else raises `AckError`."""
    stripped = text.lstrip("\ufeff \t\r\n")
    kinds = set(_kinds(_split(stripped)))
    if kinds == {"999"}:
        return parse_999(stripped)
    if kinds == {"277"}:
        return parse_277ca(stripped)
    if not kinds:
        raise _no_transaction(stripped)
    names = ", ".join(_NAMES.get(k, f"an {k}") for k in sorted(kinds))
    raise AckError(
        [f"not an acknowledgment (999 or 277CA): {names} (ST01 {', '.join(sorted(kinds))})"]
    )
