"""Write a small X12 835 for claims of ours: the payer's side of the exchange, for the demo and
the tests (a program never writes 835s). Same shape as `openiop/domain/claims/tests/remits.py`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from openiop.domain.claims import x12_amount


@dataclass(frozen=True)
class RemitLine:
    day: dt.date
    code: str
    charge: Decimal
    paid: Decimal
    adjustments: tuple[tuple[str, str, Decimal], ...] = ()  # (group, CARC, amount)
    remarks: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemitClaim:
    claim_id: str
    status: str  # CLP02: 1 processed as primary, 4 denied
    last_name: str
    first_name: str
    member_id: str
    lines: tuple[RemitLine, ...]

    @property
    def charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0"))

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), Decimal("0"))

    @property
    def patient_responsibility(self) -> Decimal:
        return sum(
            (a for line in self.lines for g, _, a in line.adjustments if g == "PR"), Decimal("0")
        )


def _amount(value: Decimal) -> str:
    return x12_amount(value) if value else "0"


def write_835(
    claims: list[RemitClaim],
    *,
    trace: str,
    paid_on: dt.date,
    payer_name: str,
    payee_name: str,
    payee_npi: str,
    control: int = 1,
) -> str:
    payment = sum((c.paid for c in claims), Decimal("0"))
    body = [
        f"ST*835*{control:04d}",
        f"BPR*I*{_amount(payment)}*C*CHK************{paid_on:%Y%m%d}",
        f"TRN*1*{trace}*1600054000",
        f"DTM*405*{paid_on:%Y%m%d}",
        f"N1*PR*{payer_name}",
        "N3*1 PAYER WAY",
        "N4*SALEM*OR*97301",
        "PER*BL*PROVIDER SERVICES*TE*8005550100",
        f"N1*PE*{payee_name}*XX*{payee_npi}",
        "LX*1",
    ]
    for n, c in enumerate(claims, start=1):
        body += [
            f"CLP*{c.claim_id}*{c.status}*{_amount(c.charge)}*{_amount(c.paid)}*"
            f"{_amount(c.patient_responsibility)}*12*PCN{control}{n:04d}",
            f"NM1*QC*1*{c.last_name}*{c.first_name}****MI*{c.member_id}",
        ]
        for line in c.lines:
            body += [
                f"SVC*HC:{line.code}*{_amount(line.charge)}*{_amount(line.paid)}**1",
                f"DTM*472*{line.day:%Y%m%d}",
            ]
            body += [f"CAS*{g}*{r}*{_amount(a)}" for g, r, a in line.adjustments]
            body += [f"LQ*HE*{code}" for code in line.remarks]
    body.append(f"SE*{len(body) + 1}*{control:04d}")
    stamp = f"{paid_on:%y%m%d}*0900"
    head = [
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'CLEARHOUSE01':<15}*ZZ*{'EXIOP001':<15}*{stamp}*^*"
        f"00501*{control:09d}*0*T*:",
        f"GS*HP*CLEARHOUSE01*EXIOP001*{paid_on:%Y%m%d}*0900*{control}*X*005010X221A1",
    ]
    tail = [f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "~".join([*head, *body, *tail]) + "~"
