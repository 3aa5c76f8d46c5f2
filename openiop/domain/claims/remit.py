"""Read an X12 835 (health care claim payment/advice) into dataclasses, all or nothing.

The text is first validated against pyx12's 005010X221A1 map (`835.5010.X221.A1.xml`); any
error, and any imbalance, raises `RemittanceError` and nothing is returned. Balancing follows the
guide's section 1.10.2 "Balancing": each service line's paid amount (SVC03) equals its charge
(SVC02) less its adjustments (CAS); each claim's paid amount (CLP04) equals its charge (CLP03)
less claim and line adjustments; the payment (BPR02) equals the claims' paid amounts less
provider-level adjustments (PLB). All in `Decimal`, to the cent.

Sources: ASC X12N/005010X221A1, "Health Care Claim Payment/Advice (835)", sections 1.10.2 and
2.4, https://x12.org/products/transaction-sets; claim adjustment group and reason codes (CARC)
and remittance advice remark codes (RARC) are maintained by X12 (https://x12.org/codes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openiop.domain.claims.validate import validate


class RemittanceError(ValueError):
    """The 835 is invalid or does not balance; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("835 rejected: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Adjustment:
    """One CAS triple: group (CO, PR, OA, PI, CR), CARC reason code and amount."""

    group: str
    reason: str
    amount: Decimal


@dataclass(frozen=True)
class PaidLine:
    """Loop 2110: one service line paid [SVC]."""

    procedure_code: str
    charge: Decimal
    paid: Decimal
    units: Decimal
    service_date: dt.date | None
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...]  # RARC [LQ*HE]


@dataclass(frozen=True)
class PaidClaim:
    """Loop 2100: one claim [CLP]; `claim_id` is our CLM01 echoed in CLP01."""

    claim_id: str
    status: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    payer_claim_number: str
    adjustments: tuple[Adjustment, ...]  # claim level
    lines: tuple[PaidLine, ...]

    @property
    def all_adjustments(self) -> tuple[Adjustment, ...]:
        return self.adjustments + tuple(a for line in self.lines for a in line.adjustments)


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction: the payment [BPR, TRN] and its claims."""

    payment: Decimal
    trace_number: str
    payment_date: dt.date
    claims: tuple[PaidClaim, ...]
    provider_adjustments: Decimal  # sum of PLB amounts (positive reduces the payment)


def _money(value: str, where: str, problems: list[str]) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        problems.append(f"{where}: {value!r} is not an amount")
        return Decimal("0")
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        problems.append(f"{where}: {value!r} is not an amount in cents")
    return amount


def _date(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007 - a date, no time zone


def _cas(fields: list[str], where: str, problems: list[str]) -> list[Adjustment]:
    group = fields[1]
    out = []
    for i in range(2, len(fields), 3):
        if fields[i] and i + 1 < len(fields):
            out.append(Adjustment(group, fields[i], _money(fields[i + 1], where, problems)))
    return out


def parse_835(text: str) -> Remittance:
    """Parse one 835 transaction; raise `RemittanceError` (nothing partial) if invalid or unbalanced."""
    problems = [str(p) for p in validate(text)]
    if problems:
        raise RemittanceError(problems)
    seg_term, ele_term, comp = text[105], text[3], text[104]
    segs = [s.strip().split(ele_term) for s in text.split(seg_term) if s.strip()]
    if sum(f[0] == "ST" for f in segs) != 1:
        raise RemittanceError(["one 835 transaction (ST) per file is supported"])
    payment, trace, paid_on, plb = Decimal("0"), "", dt.date.min, Decimal("0")
    claims: list[PaidClaim] = []
    claim: dict[str, object] | None = None
    claim_adj: list[Adjustment] = []
    lines: list[PaidLine] = []
    line: dict[str, object] | None = None

    def close_line() -> None:
        nonlocal line
        if line is not None:
            lines.append(PaidLine(**line))  # type: ignore[arg-type]
            line = None

    def close_claim() -> None:
        nonlocal claim, claim_adj, lines
        close_line()
        if claim is not None:
            claims.append(PaidClaim(**claim, adjustments=tuple(claim_adj), lines=tuple(lines)))  # type: ignore[arg-type]
        claim, claim_adj, lines = None, [], []

    for f in segs:
        sid = f[0]
        if sid == "BPR":
            payment = _money(f[2], "BPR02", problems)
            paid_on = _date(f[16])
        elif sid == "TRN":
            trace = f[2]
        elif sid == "CLP":
            close_claim()
            where = f"claim {f[1]}"
            claim = {
                "claim_id": f[1],
                "status": f[2],
                "charge": _money(f[3], f"{where} CLP03", problems),
                "paid": _money(f[4], f"{where} CLP04", problems),
                "patient_responsibility": _money(f[5], f"{where} CLP05", problems)
                if len(f) > 5 and f[5]
                else Decimal("0"),
                "payer_claim_number": f[7] if len(f) > 7 else "",
            }
        elif sid == "SVC" and claim is not None:
            close_line()
            where = f"claim {claim['claim_id']} SVC"
            code = f[1].split(comp)
            line = {
                "procedure_code": code[1] if len(code) > 1 else code[0],
                "charge": _money(f[2], where, problems),
                "paid": _money(f[3], where, problems),
                "units": Decimal(f[5]) if len(f) > 5 and f[5] else Decimal("1"),
                "service_date": None,
                "adjustments": (),
                "remarks": (),
            }
        elif sid == "DTM" and line is not None and f[1] == "472":
            line["service_date"] = _date(f[2])
        elif sid == "CAS" and claim is not None:
            adj = _cas(f, f"claim {claim['claim_id']} CAS", problems)
            if line is not None:
                line["adjustments"] = (*line["adjustments"], *adj)  # type: ignore[misc]
            else:
                claim_adj.extend(adj)
        elif sid == "LQ" and line is not None and f[1] == "HE":
            line["remarks"] = (*line["remarks"], f[2])  # type: ignore[misc]
        elif sid == "PLB":
            for i in range(4, len(f), 2):
                plb += _money(f[i], "PLB", problems)
        elif sid == "SE":
            close_claim()
    remittance = Remittance(payment, trace, paid_on, tuple(claims), plb)
    problems += _balance(remittance)
    if problems:
        raise RemittanceError(problems)
    return remittance


def _balance(r: Remittance) -> list[str]:
    """The guide's balancing rules (005010X221A1 section 1.10.2), to the cent."""
    out: list[str] = []
    for c in r.claims:
        for n, ln in enumerate(c.lines, start=1):
            adjusted = ln.charge - sum((a.amount for a in ln.adjustments), Decimal("0"))
            if adjusted != ln.paid:
                out.append(
                    f"claim {c.claim_id} line {n}: paid {ln.paid} != charge less adjustments {adjusted}"
                )
        adjusted = c.charge - sum((a.amount for a in c.all_adjustments), Decimal("0"))
        if adjusted != c.paid:
            out.append(f"claim {c.claim_id}: paid {c.paid} != charge less adjustments {adjusted}")
    total = sum((c.paid for c in r.claims), Decimal("0")) - r.provider_adjustments
    if total != r.payment:
        out.append(f"payment {r.payment} != claims paid less provider adjustments {total}")
    return out
