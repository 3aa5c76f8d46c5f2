"""Checks of a coverage before any claim, and whether a Medicare certification is current.

Sources: the subscriber and member fields are those an 837 claim carries for the subscriber
(ASC X12N 005010X222A1 / X223A2, loop 2010BA, subscriber last and first name and member
identification; when the subscriber is not the patient, the patient is loop 2000C/2010CA);
the Medicare physician certification for intensive outpatient services is 42 CFR 424.24(d)
(https://www.ecfr.gov/current/title-42/section-424.24), its dates entered as the physician
signed them.

Program policy (no published source): eligibility is re-checked at least every 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ELIGIBILITY_MAX_AGE_DAYS = 30
"""Program policy: eligibility checked within the last 30 days."""


@dataclass(frozen=True)
class CoverageFacts:
    rank: int  # 1 primary, 2 secondary ...
    self_pay: bool
    payer_name: str
    member_id: str
    subscriber_last_name: str
    subscriber_first_name: str
    relationship: str  # "self", "spouse", "child", "other"
    eligibility_checked_on: date | None
    guarantor_name: str
    is_medicare: bool = False
    certification_current: bool = True


def coverage_problems(c: CoverageFacts, today: date) -> tuple[str, ...]:
    """What is missing or out of date in a coverage, in plain sentences."""
    problems: list[str] = []
    if c.self_pay:
        if not c.guarantor_name.strip():
            problems.append("Self-pay without a guarantor: name who pays.")
        return tuple(problems)
    if not c.payer_name:
        problems.append("No payer is chosen.")
    if not c.member_id.strip():
        problems.append("The member id is missing.")
    if c.relationship != "self":
        # a claim for a patient who is not the subscriber names the subscriber (loop 2010BA
        # NM103 last name required, NM104 first name for a person) and the patient (2010CA)
        missing = [
            part
            for part, value in (
                ("last name", c.subscriber_last_name),
                ("first name", c.subscriber_first_name),
            )
            if not value.strip()
        ]
        if missing:
            problems.append(
                "The subscriber is not the patient, and the subscriber's "
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing."
            )
    if c.eligibility_checked_on is None:
        problems.append("Eligibility has never been checked.")
    elif c.eligibility_checked_on > today:
        problems.append("The eligibility check date is in the future.")
    elif (today - c.eligibility_checked_on).days > ELIGIBILITY_MAX_AGE_DAYS:
        problems.append(
            f"Eligibility was last checked more than {ELIGIBILITY_MAX_AGE_DAYS} days ago "
            "(program policy: check at least every 30 days)."
        )
    if not c.guarantor_name.strip():
        problems.append("The guarantor is missing.")
    if c.is_medicare and not c.certification_current:
        problems.append("Medicare: no current physician certification of need.")
    return tuple(problems)


def certification_current(certified_on: date, recertify_by: date, on: date) -> bool:
    """A certification covers the days from its signature to the recertification date."""
    return certified_on <= on <= recertify_by


def current_on(certifications: list[tuple[date, date]], on: date) -> bool:
    return any(certification_current(a, b, on) for a, b in certifications)
