"""The state treatment episode report (SAMHSA TEDS admissions and discharges): its fields and
codes, the mapping of OpenIOP's answers to them, records and their validation. Pure Python,
no Django. Sources and their limits: ``codes`` (docstring) and docs/teds.md.
"""

from openiop.domain.teds.codes import COLUMNS, FIELD_BY_NAME, FIELDS, Field
from openiop.domain.teds.records import (
    AdmissionFacts,
    DischargeFacts,
    Problem,
    Record,
    Substance,
    admission_record,
    days_waiting,
    discharge_reason,
    discharge_record,
    referral_code,
    validate,
)

__all__ = [
    "COLUMNS",
    "FIELDS",
    "FIELD_BY_NAME",
    "AdmissionFacts",
    "DischargeFacts",
    "Field",
    "Problem",
    "Record",
    "Substance",
    "admission_record",
    "days_waiting",
    "discharge_reason",
    "discharge_record",
    "referral_code",
    "validate",
]
