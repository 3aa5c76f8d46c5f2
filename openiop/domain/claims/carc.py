"""Claim adjustment group codes and the common claim adjustment reason codes (CARC), in words.

The meanings are those X12 publishes in its external code lists "Claim Adjustment Group Codes"
and "Claim Adjustment Reason Codes" (https://x12.org/codes/claim-adjustment-reason-codes),
shortened only where the published text runs on. An unknown code is named, never guessed.
"""

from __future__ import annotations

GROUPS: dict[str, str] = {
    "CO": "Contractual obligation",
    "PR": "Patient responsibility",
    "OA": "Other adjustment",
    "PI": "Payer-initiated reduction",
    "CR": "Correction or reversal",
}

REASONS: dict[str, str] = {
    "1": "Deductible amount.",
    "2": "Coinsurance amount.",
    "3": "Co-payment amount.",
    "16": "Claim/service lacks information or has submission/billing error(s).",
    "18": "Exact duplicate claim/service.",
    "22": "This care may be covered by another payer per coordination of benefits.",
    "26": "Expenses incurred prior to coverage.",
    "27": "Expenses incurred after coverage terminated.",
    "29": "The time limit for filing has expired.",
    "45": "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement.",
    "50": "These are non-covered services because this is not deemed a 'medical necessity' by "
    "the payer.",
    "96": "Non-covered charge(s).",
    "97": "The benefit for this service is included in the payment/allowance for another "
    "service/procedure that has already been adjudicated.",
    "197": "Precertification/notification/authorization/pre-treatment absent.",
    "204": "This service/equipment/drug is not covered under the patient's current benefit plan.",
    "253": "Sequestration - reduction in federal payment.",
}


def reason_in_words(group: str, reason: str) -> str:
    """'Contractual obligation: Charge exceeds fee schedule...' for CO-45; an unknown reason is
    'Reason code NN (see the X12 list)'."""
    words = REASONS.get(reason, f"Reason code {reason} (see the X12 list)")
    return f"{GROUPS.get(group, f'Group {group}')}: {words}"
