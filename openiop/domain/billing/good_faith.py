"""Good-faith estimates for uninsured and self-pay patients (No Surprises Act).

Source: 45 CFR 149.610, "Requirements for provision of good faith estimates of expected charges
to uninsured (or self-pay) individuals" (PHS Act section 2799B-6), and 45 CFR 149.620
("substantially in excess": billed charges at least $400 above the expected charges),
https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-B/part-149/subpart-G ; the CMS
data-element list "Good Faith Estimates Data Elements" (CMS-10791) and the consumer page
https://www.cms.gov/nosurprises/consumers.

149.610(c)(1) lists what a good-faith estimate contains: (i) the patient's name and date of
birth; (ii) a description of the primary item or service and its scheduled date; (iii) an
itemized list of the items or services reasonably expected with the primary one; (iv) the
diagnosis codes, expected service codes and expected charges of each; (v) the name, NPI and TIN
of each provider and the state and location where the services are expected; (vi) items or
services scheduled separately; (vii)-(x) disclaimers: separately scheduled care is not
included, this is only an estimate, the right to the patient-provider dispute resolution
process; (xi) the estimate is not a contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

DISPUTE_THRESHOLD = Decimal("400.00")
"""45 CFR 149.620(a)(2)(iii): billed charges at least $400 above the estimate (per provider)."""

DISPUTE_SENTENCE = (
    "If you are billed for more than this Good Faith Estimate, you have the right to dispute "
    "the bill. If you receive a bill that is at least $400 more than this estimate, you can "
    "start the patient-provider dispute resolution process within 120 calendar days of the "
    "date on the original bill."
)
DISPUTE_HOW = (
    "For questions or more information about your right to a Good Faith Estimate or the "
    "dispute process, visit www.cms.gov/nosurprises/consumers or call 1-800-985-3059. "
    "Starting a dispute will not affect the quality of care you receive and the program will "
    "not retaliate against you for starting one."
)
ESTIMATE_ONLY = (
    "This Good Faith Estimate shows the costs of items and services that are reasonably "
    "expected for your health care needs. The estimate is based on information known at the "
    "time it was created; it is only an estimate, and the actual items, services or charges "
    "may differ from it."
)
SEPARATE_CARE = (
    "There may be additional items or services the program recommends as part of your care "
    "that must be scheduled or requested separately and are not included in this estimate."
)
NOT_A_CONTRACT = (
    "This Good Faith Estimate is not a contract and does not require you to obtain the items "
    "or services from any of the providers or facilities identified in it."
)
KEEP_A_COPY = "Keep a copy of this Good Faith Estimate in a safe place or take pictures of it."

DISCLAIMERS = (ESTIMATE_ONLY, SEPARATE_CARE, DISPUTE_SENTENCE, DISPUTE_HOW, NOT_A_CONTRACT)

NOT_APPLICABLE = (
    "The patient's primary coverage is a health plan: the Good Faith Estimate for uninsured "
    "and self-pay patients (45 CFR 149.610) does not apply. This is an estimate of charges "
    "and of the patient's share under the plan terms given."
)


@dataclass(frozen=True)
class CoverageFact:
    rank: int
    self_pay: bool


def applies(coverages: Sequence[CoverageFact]) -> bool:
    """A good-faith estimate is owed when the patient has no coverage (uninsured) or the
    primary coverage is self-pay (not seeking to file a claim), 45 CFR 149.610(a)."""
    if not coverages:
        return True
    return min(coverages, key=lambda c: c.rank).self_pay


def may_dispute(estimated_total: Decimal, billed_total: Decimal) -> bool:
    """45 CFR 149.620: a bill at least $400 above the estimate may be disputed."""
    return billed_total - estimated_total >= DISPUTE_THRESHOLD
