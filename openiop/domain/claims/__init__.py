"""X12 837 claims: the claim batch, the 837P/837I writers and their validator.

Sources: ASC X12N/005010X222A1 (837 professional) and ASC X12N/005010X223A2 (837 institutional),
section 2.4, https://x12.org/products/transaction-sets; CMS MLN MM13222 for condition code 92
on Medicare IOP claims. See docs/billing.md.
"""

from openiop.domain.claims.model import (
    Address,
    AdjustmentGroup,
    BillingProvider,
    CasAdjustment,
    Claim,
    ClaimBatch,
    ClaimDataError,
    Envelope,
    FilingIndicator,
    LineAdjudication,
    OtherCoverage,
    Patient,
    PatientRelationship,
    Payer,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
    Usage,
)
from openiop.domain.claims.remit import Remittance, RemittanceError, parse_835
from openiop.domain.claims.validate import Problem, validate
from openiop.domain.claims.writer import Kind, write_837i, write_837p, x12_amount

__all__ = [
    "Address",
    "AdjustmentGroup",
    "BillingProvider",
    "CasAdjustment",
    "Claim",
    "ClaimBatch",
    "ClaimDataError",
    "Envelope",
    "FilingIndicator",
    "Kind",
    "LineAdjudication",
    "OtherCoverage",
    "Patient",
    "PatientRelationship",
    "Payer",
    "Problem",
    "Provider",
    "Receiver",
    "Remittance",
    "RemittanceError",
    "ServiceLine",
    "Submitter",
    "Subscriber",
    "Usage",
    "parse_835",
    "validate",
    "write_837i",
    "write_837p",
    "x12_amount",
]
