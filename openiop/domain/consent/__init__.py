"""Consent under 42 CFR Part 2: does a patient's written consent cover a disclosure?

Pure Python, no Django. The Django side (`openiop.privacy.gate`) loads a patient's consents
as `ConsentFacts`, asks `decide()` and records the disclosure or the refusal.

Sources (the 2024 final rule, 89 FR 12472, compliance date 16 February 2026):
- 42 CFR 2.31(a): the elements of a written consent (patient, who may disclose, what
  information "in a specific and meaningful fashion", recipients, purpose, the right to
  revoke, expiration date or event, signature, date). For a single consent to all future
  uses and disclosures for treatment, payment and health care operations the recipient may
  be described as "my treating providers, health plans, third-party payers, and people
  helping to operate this program" (2.31(a)(4)(i)); "end of the treatment" or "none" is an
  acceptable expiry for such a consent (2.31(a)(7)).
  https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2/subpart-C/section-2.31
- 42 CFR 2.31(b): a consent for the use and disclosure of SUD counseling notes may be
  combined only with another consent for SUD counseling notes: so counseling notes need a
  consent of their own, and that consent covers nothing else.
- 42 CFR 2.31(c) / 2.35: revocation takes effect from the moment it is made; disclosures
  already made in reliance on the consent stay lawful.
- 42 CFR 2.51: a disclosure to medical personnel in a bona fide medical emergency needs no
  consent (the Django side records it with the emergency's details).
"""

from openiop.domain.consent.rules import (
    DATA,
    PURPOSES,
    RECIPIENT_KINDS,
    TPO_PURPOSES,
    TPO_RECIPIENT_KINDS,
    TPO_RECIPIENT_WORDING,
    ConsentFacts,
    ConsentKind,
    Decision,
    DisclosureRequest,
    Recipient,
    decide,
    missing_elements,
    same_name,
)

__all__ = [
    "DATA",
    "PURPOSES",
    "RECIPIENT_KINDS",
    "TPO_PURPOSES",
    "TPO_RECIPIENT_KINDS",
    "TPO_RECIPIENT_WORDING",
    "ConsentFacts",
    "ConsentKind",
    "Decision",
    "DisclosureRequest",
    "Recipient",
    "decide",
    "missing_elements",
    "same_name",
]
