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
    """Loop 2010BA: the insured [NM1*IL] and the member id [NM109, qualifier MI].

    When the subscriber is the patient (the claim has no `patient`, SBR02 = 18) the birth date,
    sex [DMG] and address [N3/N4] are required here; when the patient is someone else they are
    left out ("Required when the patient is the subscriber or considered to be the subscriber.
    If not required by this implementation guide, do not send": 005010X222A1 and 005010X223A2,
    loop 2010BA, N3 and DMG notes, restated by X12 RFI 2281 and RFI 1496).
    """

    last_name: str
    first_name: str
    member_id: str  # [NM109, qualifier MI]
    birth_date: dt.date | None = None  # [DMG02]
    sex: str = ""  # [DMG03]: "M", "F" or "U"
    address: Address | None = None


class PatientRelationship(StrEnum):
    """PAT01 individual relationship code of a patient who is not the subscriber (loop 2000C),
    and SBR02 of an other-subscriber loop (2320), where "18" (self) is also allowed.

    Codes from 005010X222A1 / 005010X223A2, loop 2000C PAT01 (01 spouse, 19 child, 20 employee,
    21 unknown, 39 organ donor, 40 cadaver donor, 53 life partner, G8 other relationship), as in
    the guide maps bundled with pyx12 (837.5010.X222.A1.xml, 837Q3.I.5010.X223.A1.xml).
    """

    SPOUSE = "01"
    CHILD = "19"
    EMPLOYEE = "20"
    UNKNOWN = "21"
    LIFE_PARTNER = "53"
    OTHER = "G8"


@dataclass(frozen=True)
class Patient:
    """Loops 2000C and 2010CA: the patient when not the subscriber.

    HL*<n>*<subscriber HL>*23*0, PAT01 = `relationship`; 2010CA NM1*QC name, N3/N4 address and
    DMG birth date and sex, all required in 2010CA (005010X222A1 and 005010X223A2, loops 2000C and
    2010CA). Left out (None on the claim) when the patient is the subscriber: "When the patient is
    the subscriber, loops 2000C and 2010CA are not sent" (837 guide, table 2, patient
    hierarchical level).
    """

    last_name: str
    first_name: str
    birth_date: dt.date
    sex: str  # "M", "F" or "U"
    address: Address
    relationship: PatientRelationship


@dataclass(frozen=True)
class Provider:
    """A person in a provider loop: 2310A attending (837I) or 2310B rendering (837P)."""

    last_name: str
    first_name: str
    npi: str


class AdjustmentGroup(StrEnum):
    """CAS01 claim adjustment group code (005010X222A1 / X223A2, loops 2320 and 2430)."""

    CONTRACTUAL = "CO"
    CORRECTION = "CR"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    PATIENT = "PR"


@dataclass(frozen=True)
class CasAdjustment:
    """One adjustment of another payer, as its 835 gave it: group [CAS01], claim adjustment
    reason code (CARC) [CAS02, 05, 08...] and amount [CAS03, 06, 09...]."""

    group: AdjustmentGroup
    reason: str
    amount: Decimal


@dataclass(frozen=True)
class LineAdjudication:
    """Loop 2430: how another payer adjudicated one service line.

    SVD01 the other payer's id (the same as its 2330B NM109), SVD02 `paid`, SVD03 the line's
    procedure, SVD04 its revenue code (837I only), SVD05 the paid units (the line's units);
    CAS line adjustments; DTP*573 `adjudicated_on` (required in 2430).
    Source: 005010X222A1 and 005010X223A2, loop 2430 (SVD, CAS, DTP*573 "Line Check or
    Remittance Date"), as in the pyx12 guide maps.
    """

    payer_id: str
    paid: Decimal
    adjudicated_on: dt.date
    adjustments: tuple[CasAdjustment, ...] = ()


@dataclass(frozen=True)
class OtherCoverage:
    """Loops 2320, 2330A and 2330B: a payer that has already adjudicated this claim (e.g. the
    primary payer, on a claim to the secondary payer).

    2320: SBR01 `responsibility` of that payer ("P" primary), SBR02 `relationship` of the
    patient to that payer's subscriber ("18" self, or a PAT01 code), SBR09 the payer's filing
    indicator; CAS claim-level adjustments; AMT*D `paid` (the payer paid amount, sent when that
    payer has adjudicated the claim); OI (benefits assigned, release of information).
    2330A: the other subscriber [NM1*IL] with member id. 2330B: the other payer [NM1*PR] and
    DTP*573 `adjudicated_on`.
    Source: 005010X222A1 and 005010X223A2, loops 2320, 2330A, 2330B, as in the pyx12 guide maps.
    """

    payer: Payer
    subscriber_last_name: str
    subscriber_first_name: str
    member_id: str
    relationship: str  # "18" or a PatientRelationship value
    paid: Decimal
    adjudicated_on: dt.date | None = None
    adjustments: tuple[CasAdjustment, ...] = ()
    responsibility: str = "P"


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
    adjudications: tuple[LineAdjudication, ...] = ()  # loop 2430, one per other payer


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
    `patient` is set when the patient is not the subscriber (loop 2000C); `responsibility` is
    this payer's place in the order of payment [SBR01]; `other_coverages` are the payers that
    paid before (coordination of benefits, loop 2320), each matched by the lines' 2430 loops.
    `prior_authorization` is the payer's authorization number for these services, when it
    gave one [2300 REF*G1, "Prior Authorization", in both guides; at most 50 characters].
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
    patient: Patient | None = None  # loops 2000C/2010CA when the patient is not the subscriber
    responsibility: str = "P"  # [2000B SBR01] P primary, S secondary, T tertiary
    other_coverages: tuple[OtherCoverage, ...] = ()  # loops 2320/2330A/2330B
    prior_authorization: str = ""  # [2300 REF*G1]

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
