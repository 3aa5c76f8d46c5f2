"""A realistic IOP claim batch: two patients, per-diem lines over several days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openiop.domain.claims import (
    Address,
    BillingProvider,
    Claim,
    ClaimBatch,
    Envelope,
    FilingIndicator,
    Payer,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
)

D = Decimal
CREATED = dt.datetime(2026, 3, 9, 14, 30)  # noqa: DTZ001 - an input, not the clock

ENVELOPE = Envelope(
    interchange_control_number=1207,
    group_control_number=1207,
    transaction_control_number=1,
    created=CREATED,
    reference="BATCH1207",
)
SUBMITTER = Submitter("RIVERSIDE RECOVERY IOP", "RRIOP001", "BILLING OFFICE", "5035550100")
RECEIVER = Receiver("EXAMPLE CLEARINGHOUSE", "CLEARHOUSE01")
BILLING = BillingProvider(
    name="RIVERSIDE RECOVERY IOP",
    npi="1234567893",
    tax_id="931234567",
    address=Address("100 MAIN ST", "PORTLAND", "OR", "972041234"),
    taxonomy="261QR0405X",
)
COMMERCIAL = Payer("ACME HEALTH PLAN", "60054", FilingIndicator.COMMERCIAL)
MEDICARE = Payer("MEDICARE PART A", "01312", FilingIndicator.MEDICARE_PART_A)

ALEX = Subscriber(
    "DOE", "ALEX", "W123456789", dt.date(1988, 5, 14), "F",
    Address("12 OAK AVE", "PORTLAND", "OR", "97205"),
)  # fmt: skip
SAM = Subscriber(
    "ROE", "SAM", "1EG4TE5MK72", dt.date(1955, 11, 2), "M",
    Address("45 ELM ST", "BEAVERTON", "OR", "97005"),
)  # fmt: skip
ATTENDING = Provider("NGUYEN", "LINH", "1245319599")

IOP_DAYS = tuple(dt.date(2026, 3, d) for d in (2, 3, 4, 5, 6))


def per_diem(
    days: tuple[dt.date, ...], charge: Decimal, revenue_code: str = ""
) -> tuple[ServiceLine, ...]:
    return tuple(
        ServiceLine("H0015", D("1"), charge, day, revenue_code=revenue_code) for day in days
    )


def professional_batch() -> ClaimBatch:
    """837P: two commercially insured patients, H0015 per diem (place of service 57)."""
    alex = Claim(
        claim_id="IOP-2026-0001",
        subscriber=ALEX,
        payer=COMMERCIAL,
        diagnoses=("F10.20", "F32.1"),
        lines=per_diem(IOP_DAYS, D("162.50")),
    )
    sam = Claim(
        claim_id="IOP-2026-0002",
        subscriber=SAM,
        payer=COMMERCIAL,
        diagnoses=("F11.20",),
        lines=per_diem(IOP_DAYS[:3], D("150.00")),
        rendering=ATTENDING,
    )
    return ClaimBatch(ENVELOPE, SUBMITTER, RECEIVER, BILLING, (alex, sam))


def institutional_batch() -> ClaimBatch:
    """837I: one commercial claim (revenue code 0906) and one Medicare IOP claim (condition code
    92, revenue codes 0905 and 0906, CMS MLN MM13222)."""
    alex = Claim(
        claim_id="IOP-2026-0101",
        subscriber=ALEX,
        payer=COMMERCIAL,
        diagnoses=("F10.20", "F32.1"),
        lines=per_diem(IOP_DAYS, D("162.50"), revenue_code="0906"),
        attending=ATTENDING,
    )
    sam_lines = (
        ServiceLine("90853", D("1"), D("95.00"), IOP_DAYS[0], revenue_code="0906"),
        ServiceLine("90832", D("1"), D("120.00"), IOP_DAYS[0], revenue_code="0905"),
        ServiceLine("90853", D("1"), D("95.00"), IOP_DAYS[2], revenue_code="0906"),
        ServiceLine("H0015", D("1"), D("150.00"), IOP_DAYS[4], revenue_code="0906"),
    )
    sam = Claim(
        claim_id="IOP-2026-0102",
        subscriber=SAM,
        payer=MEDICARE,
        diagnoses=("F11.20", "F33.1"),
        lines=sam_lines,
        facility_type="13",
        condition_codes=("92",),
        attending=ATTENDING,
    )
    return ClaimBatch(ENVELOPE, SUBMITTER, RECEIVER, BILLING, (alex, sam))
