"""Which consent covers a disclosure, and why not (42 CFR 2.31, 2.35; see the package doc)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class ConsentKind(StrEnum):
    TPO = "tpo"  # single consent for treatment, payment and health care operations
    NAMED = "named"  # a named recipient: employer, court, school, family member...
    SUD_NOTES = "sud_notes"  # SUD counseling notes, never combined with another use
    RESEARCH = "research"


# What information may be disclosed (2.31(a)(3): "a description of the information to be
# used or disclosed that identifies the information in a specific and meaningful fashion").
DATA: Mapping[str, str] = {
    "demographics": "Name, date of birth and contact details",
    "attendance": "Dates and hours attended",
    "diagnosis": "Diagnoses",
    "treatment_plan": "Treatment plan and goals",
    "screenings": "Screening and measure results",
    "drug_screens": "Drug screen results",
    "billing": "Services billed, dates, charges and insurance",
    "discharge": "Admission and discharge summary",
    "sud_notes": "SUD counseling notes",
    "social_needs": "Needs for housing, food, work or other help, and referrals for them",
}

PURPOSES: Mapping[str, str] = {
    "treatment": "Treatment",
    "payment": "Payment",
    "operations": "Health care operations",
    "employment": "Employment (proof of attendance)",
    "education": "School or education",
    "legal": "Court, probation or parole",
    "family": "Involving a family member or friend in care",
    "research": "Research",
    "support": "Referral for housing, work or other help (support services)",
    "other": "Another purpose stated on the consent",
}
TPO_PURPOSES = frozenset({"treatment", "payment", "operations"})

RECIPIENT_KINDS: Mapping[str, str] = {
    "treating_provider": "A treating provider",
    "health_plan": "A health plan or third-party payer",
    "operations": "Someone helping to operate this program",
    "employer": "An employer",
    "court": "A court, probation or parole office",
    "school": "A school",
    "family": "A family member or friend",
    "researcher": "A researcher",
    "service_partner": "A housing, employment or other support service",
    "other": "Another person or organization",
}
TPO_RECIPIENT_KINDS = frozenset({"treating_provider", "health_plan", "operations"})
# 42 CFR 2.31(a)(4)(i): how a single consent for treatment, payment and operations may
# describe its recipients.
TPO_RECIPIENT_WORDING = (
    "my treating providers, health plans, third-party payers, and people helping to operate "
    "this program"
)


@dataclass(frozen=True)
class Recipient:
    """Who receives the data: a kind from `RECIPIENT_KINDS`, a name, and for recipients the
    program knows as a record (a payer, a FHIR client) a stable key such as "payer:12"."""

    kind: str
    name: str
    key: str = ""
    # A single TPO consent describes its recipients as "my treating providers, health plans,
    # third-party payers, and people helping to operate this program" (2.31(a)(4)(i)): a
    # provider or plan is covered only if it is the patient's own. False for a recipient the
    # program cannot tie to this patient (a system client that is not the patient's payer):
    # then only a consent naming the recipient covers it.
    serves_patient: bool = True


@dataclass(frozen=True)
class ConsentFacts:
    id: int
    kind: ConsentKind
    recipient: Recipient
    purpose: str
    data: frozenset[str]
    signed_on: date | None
    effective_at: datetime
    expires_on: date | None = None
    ends_with_treatment: bool = False
    revoked_at: datetime | None = None
    superseded_at: datetime | None = None
    label: str = ""  # how the consent is named in a refusal, e.g. "the consent of 3 March"
    # For a consent that ends with treatment: the day the treatment episode in which it was
    # signed ended (the first day after signing with no open enrolment), if it has.
    treatment_ended_on: date | None = None


@dataclass(frozen=True)
class DisclosureRequest:
    recipient: Recipient
    purpose: str
    data: frozenset[str]
    at: datetime
    treatment_ended_on: date | None = None
    # When the program acted in reliance on the consent: for a claim, the day the service was
    # given. "Acting in reliance includes the provision of treatment services in reliance on a
    # valid consent to disclose information to a third-party payer" (42 CFR 2.31(a)(6)), so a
    # later revocation does not stop the claim for that service.
    relied_on: datetime | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    consent_id: int | None
    reason: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def same_name(a: str, b: str) -> bool:
    """Names compared as people write them: case, spacing and punctuation ignored."""

    def norm(s: str) -> str:
        return re.sub(r"[^0-9a-z]+", " ", s.casefold()).strip()

    return bool(norm(a)) and norm(a) == norm(b)


def _names(items: Iterable[str], table: Mapping[str, str]) -> str:
    return ", ".join(table.get(i, i).lower() for i in sorted(items))


def _covers_recipient(consent: ConsentFacts, recipient: Recipient) -> bool:
    if consent.kind == ConsentKind.TPO:
        # 2.31(a)(4)(i): the TPO consent's recipients are described as a class.
        return recipient.kind in TPO_RECIPIENT_KINDS and recipient.serves_patient
    if consent.recipient.key and recipient.key:
        return consent.recipient.key == recipient.key
    return same_name(consent.recipient.name, recipient.name)


def _problem(consent: ConsentFacts, request: DisclosureRequest) -> str:
    """Why this consent (whose recipient matches) does not cover the request; "" if it does."""
    label = consent.label or "The consent"
    when = request.at
    if consent.signed_on is None:
        return f"{label} has not been signed."
    if consent.effective_at > when:
        return f"{label} was not yet in effect."
    # Reliance (see `DisclosureRequest.relied_on`): a consent that was in effect at the moment
    # the program relied on it keeps covering that reliance after a later revocation, expiry
    # or end of treatment. A consent recorded after that moment gives no reliance.
    relied = request.relied_on
    if relied is not None and consent.effective_at > relied:
        relied = None
    revoked, expires = consent.revoked_at, consent.expires_on
    ended = consent.treatment_ended_on or request.treatment_ended_on
    if revoked is not None and revoked <= when and (relied is None or revoked <= relied):
        return f"{label} was revoked on {revoked:%d %b %Y}."
    if (
        expires is not None
        and expires < when.date()
        and (relied is None or expires < relied.date())
    ):
        return f"{label} expired on {expires:%d %b %Y}."
    if (
        consent.ends_with_treatment
        and ended is not None
        and ended < when.date()
        and (relied is None or ended < relied.date())
    ):
        return f"{label} ended with treatment on {ended:%d %b %Y}."
    notes = "sud_notes" in request.data
    if notes and consent.kind != ConsentKind.SUD_NOTES:
        return (
            "SUD counseling notes need a consent of their own (42 CFR 2.31(b)); "
            f"{label.lower() if label == 'The consent' else label} is not one."
        )
    if consent.kind == ConsentKind.SUD_NOTES and not request.data <= {"sud_notes"}:
        return f"{label} covers SUD counseling notes only (42 CFR 2.31(b))."
    if consent.kind == ConsentKind.TPO:
        if request.purpose not in TPO_PURPOSES:
            return (
                f"{label} covers treatment, payment and health care operations, not "
                f"{PURPOSES.get(request.purpose, request.purpose).lower()}."
            )
    elif request.purpose != consent.purpose:
        return (
            f"{label} is for {PURPOSES.get(consent.purpose, consent.purpose).lower()}, not "
            f"{PURPOSES.get(request.purpose, request.purpose).lower()}."
        )
    missing = request.data - consent.data
    if missing:
        return f"{label} does not include: {_names(missing, DATA)}."
    return ""


def decide(consents: Iterable[ConsentFacts], request: DisclosureRequest) -> Decision:
    """The consent that covers `request`, or the reason none does.

    Only the current version of each consent counts (a superseded version covers nothing
    after the moment it was replaced, except what the program did in reliance on it while it
    was in effect). The newest matching consent's problem is the reason
    given when none covers the request."""
    if not request.data:
        return Decision(False, None, "Say what information is to be disclosed.")
    unknown = request.data - DATA.keys()
    if unknown:
        return Decision(False, None, f"Unknown kind of information: {', '.join(sorted(unknown))}.")
    relied = request.relied_on
    current = [
        c
        for c in consents
        if c.superseded_at is None
        or c.superseded_at > request.at
        # reliance: a version in effect when the program relied on it, replaced later
        or (relied is not None and c.effective_at <= relied < c.superseded_at)
    ]
    matching = sorted(
        (c for c in current if _covers_recipient(c, request.recipient)),
        key=lambda c: (c.effective_at, c.id),
        reverse=True,
    )
    if not matching:
        if request.recipient.kind in TPO_RECIPIENT_KINDS:
            return Decision(
                False,
                None,
                f"No consent from this patient covers {request.recipient.name} "
                "(a treatment, payment and health care operations consent, or one naming "
                "them, is needed: 42 CFR 2.31).",
            )
        return Decision(
            False,
            None,
            f"No consent from this patient names {request.recipient.name} (42 CFR 2.31).",
        )
    problems: list[str] = []
    for consent in matching:
        problem = _problem(consent, request)
        if not problem:
            return Decision(True, consent.id, "")
        problems.append(problem)
    return Decision(False, None, problems[0], tuple(problems[1:]))


def missing_elements(
    *,
    kind: ConsentKind,
    recipient_name: str,
    recipient_kind: str,
    purpose: str,
    data: Iterable[str],
    expires_on: date | None,
    ends_with_treatment: bool,
    signer_name: str,
    signed_on: date | None,
    disclosing_party: str,
) -> dict[str, str]:
    """The 2.31(a) elements a consent lacks, by field, in words a clinician can act on."""
    errors: dict[str, str] = {}
    data = set(data)
    if not disclosing_party.strip():
        errors["disclosing_party"] = "Name who may disclose (42 CFR 2.31(a)(2))."
    if not data:
        errors["data"] = "Say what information may be disclosed (42 CFR 2.31(a)(3))."
    elif data - DATA.keys():
        errors["data"] = "Unknown kind of information."
    elif kind == ConsentKind.SUD_NOTES and data != {"sud_notes"}:
        errors["data"] = (
            "A counseling-notes consent covers the notes only; record other information on "
            "another consent (42 CFR 2.31(b))."
        )
    elif kind != ConsentKind.SUD_NOTES and "sud_notes" in data:
        errors["data"] = "SUD counseling notes need a consent of their own (42 CFR 2.31(b))."
    if kind == ConsentKind.TPO:
        if recipient_kind and recipient_kind not in TPO_RECIPIENT_KINDS:
            errors["recipient_kind"] = (
                "A treatment, payment and operations consent is for treating providers, "
                "health plans and people helping to operate the program."
            )
    else:
        if not recipient_name.strip():
            errors["recipient_name"] = "Name the recipient (42 CFR 2.31(a)(4))."
        if recipient_kind not in RECIPIENT_KINDS:
            errors["recipient_kind"] = "Choose what kind of recipient this is."
    if kind == ConsentKind.RESEARCH and purpose != "research":
        errors["purpose"] = "A research consent is for research."
    elif kind != ConsentKind.TPO and purpose not in PURPOSES:
        errors["purpose"] = "State the purpose of the disclosure (42 CFR 2.31(a)(5))."
    if expires_on is None and not ends_with_treatment and kind != ConsentKind.TPO:
        errors["expires_on"] = (
            "Give an expiry date or choose “end of treatment” (42 CFR 2.31(a)(7))."
        )
    if expires_on is not None and ends_with_treatment:
        errors["expires_on"] = "Choose an expiry date or the end of treatment, not both."
    if not signer_name.strip():
        errors["signer_name"] = "Who signed (42 CFR 2.31(a)(8))."
    if signed_on is None:
        errors["signed_on"] = "The date it was signed (42 CFR 2.31(a)(9))."
    elif expires_on is not None and expires_on < signed_on:
        errors["expires_on"] = "The consent expires before it was signed."
    return errors
