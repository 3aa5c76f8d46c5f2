"""The claim batch that the X12 837 writers turn into text.

Plain frozen dataclasses: everything a writer needs is an input (dates, control numbers), so the
same batch always gives the same bytes. Money is `Decimal` in whole cents, never `float`.

Field names follow the ASC X12N 005010 implementation guides for the Health Care Claim:
Professional (005010X222A1, "837P") and Institutional (005010X223A2, "837I"); the segment and
element each field lands in is given in brackets, e.g. [CLM01].
Sources: ASC X12N/005010X222A1 and ASC X12N/005010X223A2, section 2.4 "837 Transaction Set
Listing", https://x12.org/products/transaction-sets (guides sold by X12; the CMS companion
guides restate the segments: https://www.cms.gov/medicare/billing/electronicbillingeditrans).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

CENT = Decimal("0.01")


class ClaimDataError(ValueError):
    """A claim batch cannot be written; `where` names the claim (CLM01) or party, and the field."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


class Usage(StrEnum):
    """ISA15 interchange usage indicator."""

    PRODUCTION = "P"
    TEST = "T"


class FilingIndicator(StrEnum):
    """SBR09 claim filing indicator code (a few of the 005010 values)."""

    MEDICARE_PART_A = "MA"
    MEDICARE_PART_B = "MB"
    MEDICAID = "MC"
    COMMERCIAL = "CI"
    BLUE_CROSS = "BL"
    HMO = "HM"
    SELF_PAY = "09"


@dataclass(frozen=True)
class Address:
    """N3/N4: street, city, two-letter state, ZIP (5 or 9 digits; the billing provider needs 9)."""

    line1: str
    city: str
    state: str
    zip_code: str
    line2: str = ""


@dataclass(frozen=True)
class Submitter:
    """Loop 1000A: who sends the file [NM1*41], with an EDI contact [PER]."""

    name: str
    etin: str  # electronic transmitter id given by the receiver [NM109, ISA06, GS02]
    contact_name: str
    phone: str  # digits only, e.g. "5555551234"


@dataclass(frozen=True)
class Receiver:
    """Loop 1000B: the clearinghouse or payer receiving the file [NM1*40]."""

    name: str
    etin: str  # [NM109, ISA08, GS03]


@dataclass(frozen=True)
class BillingProvider:
    """Loop 2010AA: the billing provider [NM1*85] with its NPI [NM109] and tax id [REF*EI]."""

    name: str
    npi: str
    tax_id: str  # EIN, 9 digits without the hyphen
    address: Address
    taxonomy: str = ""  # [PRV03], e.g. "261QR0405X" (substance use disorder rehabilitation)


@dataclass(frozen=True)
class Payer:
    """Loop 2010BB: the payer [NM1*PR] and its payer id [NM109]."""

    name: str
    payer_id: str
    filing_indicator: FilingIndicator


@dataclass(frozen=True)
class Subscriber:
    """Loop 2010BA: the insured, who is also the patient here (SBR02 = 18, "self")."""

    last_name: str
    first_name: str
    member_id: str  # [NM109, qualifier MI]
    birth_date: dt.date  # [DMG02]
    sex: str  # [DMG03]: "M", "F" or "U"
    address: Address


@dataclass(frozen=True)
class Provider:
    """A person in a provider loop: 2310A attending (837I) or 2310B rendering (837P)."""

    last_name: str
    first_name: str
    npi: str


@dataclass(frozen=True)
class ServiceLine:
    """Loop 2400: one service line.

    `procedure_code` is HCPCS or CPT [SV101-2 / SV202-2]; `revenue_code` is the four-digit NUBC
    revenue code, 837I only [SV201]; `place_of_service` is the CMS place of service code, 837P only
    [SV105, when it differs from the claim's]; `units` [SV104 / SV205]; `charge` [SV102 / SV203].
    """

    procedure_code: str
    units: Decimal
    charge: Decimal
    service_date: dt.date
    modifiers: tuple[str, ...] = ()
    revenue_code: str = ""
    place_of_service: str = ""


@dataclass(frozen=True)
class Claim:
    """Loop 2300: one claim [CLM], for one subscriber and payer.

    `diagnoses` are ICD-10-CM codes, the first the principal one, already validated
    (`openiop.domain.diagnosis`); written without the dot [HI].
    `place_of_service` is the 837P facility code [CLM05-1], e.g. "11" office, "52" psychiatric
    facility partial hospitalization, "57" non-residential substance abuse treatment facility.
    `facility_type` is the 837I type of bill without its frequency digit [CLM05-1], e.g. "13"
    hospital outpatient, "76" community mental health center.
    `condition_codes` are NUBC condition codes, 837I only [HI*BG], e.g. "92" for Medicare IOP
    (CMS MLN MM13222, "Intensive Outpatient Program Services",
    https://www.cms.gov/files/document/mm13222-intensive-outpatient-program-services.pdf).
    `patient_status` is the NUBC patient discharge status, 837I only [CL103] ("30": still a patient).
    `attending` is required on the 837I (loop 2310A); `rendering` is optional on the 837P (2310B).
    """

    claim_id: str
    subscriber: Subscriber
    payer: Payer
    diagnoses: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    place_of_service: str = "57"
    facility_type: str = "13"
    frequency: str = "1"  # [CLM05-3] 1 = original claim
    condition_codes: tuple[str, ...] = ()
    patient_status: str = "30"
    attending: Provider | None = None
    rendering: Provider | None = None

    @property
    def total_charge(self) -> Decimal:
        """CLM02: the sum of the line charges."""
        return sum((line.charge for line in self.lines), Decimal("0"))

    @property
    def first_date(self) -> dt.date:
        return min(line.service_date for line in self.lines)

    @property
    def last_date(self) -> dt.date:
        return max(line.service_date for line in self.lines)


@dataclass(frozen=True)
class Envelope:
    """Control numbers and the creation time: inputs, never read from the clock.

    `interchange_control_number` [ISA13, IEA02] up to 9 digits; `group_control_number`
    [GS06, GE02] up to 9 digits; `transaction_control_number` [ST02, SE02] 4 to 9 digits;
    `reference` [BHT03] the originator's batch id.
    """

    interchange_control_number: int
    group_control_number: int
    transaction_control_number: int
    created: dt.datetime
    reference: str
    usage: Usage = Usage.TEST


@dataclass(frozen=True)
class ClaimBatch:
    """One 837 transaction: a submitter, a receiver, a billing provider and its claims."""

    envelope: Envelope
    submitter: Submitter
    receiver: Receiver
    billing_provider: BillingProvider
    claims: tuple[Claim, ...] = field(default_factory=tuple)
