"""A claim's life after it is built: which status changes are allowed, and who or what makes them.

    checking -> ready | draft            the file's check against the 837 guide (build)
    ready -> submitted                   billing staff send the file (staff)
    submitted -> rejected                the 999 rejects the file, or a 277CA the claim
    submitted -> accepted                a 277CA accepts the claim into adjudication
    accepted -> rejected                 a later 277CA (e.g. the payer's after the clearinghouse's)
    ready | submitted | accepted |
      appealed | denied | paid -> paid | denied   an 835 pays or denies it (remittance)
    denied -> appealed                   billing staff appeal (staff)
    draft | ready | rejected -> void     billing staff withdraw it, so its charges can be built
                                         into a new claim after the problem is fixed (staff)

Staff may also record acceptance or rejection by hand (a phone call, a clearinghouse web page)
when no acknowledgment file arrives.

The acknowledgment layers follow ASC X12C/005010X231A1 "Implementation Acknowledgment (999)"
(the file) and ASC X12N/005010X214 "Health Care Claim Acknowledgment (277CA)" (each claim): a
claim rejected there never entered the payer's adjudication system, so it is corrected and sent
again, whereas a claim denied in an 835 ("Health Care Claim Payment/Advice", 005010X221A1) was
adjudicated and can be appealed.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    CHECKING = "checking"
    READY = "ready"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DENIED = "denied"
    PAID = "paid"
    APPEALED = "appealed"
    VOID = "void"


class Source(StrEnum):
    STAFF = "staff"
    BUILD = "build"
    ACK_999 = "999"
    ACK_277CA = "277ca"
    REMITTANCE = "835"


S = Status
_ADJUDICATED_FROM = (S.READY, S.SUBMITTED, S.ACCEPTED, S.APPEALED, S.DENIED, S.PAID)

ALLOWED: dict[tuple[Status, Status], frozenset[Source]] = {
    (S.CHECKING, S.READY): frozenset({Source.BUILD}),
    (S.CHECKING, S.DRAFT): frozenset({Source.BUILD}),
    (S.READY, S.SUBMITTED): frozenset({Source.STAFF}),
    (S.SUBMITTED, S.REJECTED): frozenset({Source.ACK_999, Source.ACK_277CA, Source.STAFF}),
    (S.SUBMITTED, S.ACCEPTED): frozenset({Source.ACK_277CA, Source.STAFF}),
    (S.ACCEPTED, S.REJECTED): frozenset({Source.ACK_277CA, Source.STAFF}),
    (S.DENIED, S.APPEALED): frozenset({Source.STAFF}),
    (S.DRAFT, S.VOID): frozenset({Source.STAFF}),
    (S.READY, S.VOID): frozenset({Source.STAFF}),
    (S.REJECTED, S.VOID): frozenset({Source.STAFF}),
    **{(f, S.PAID): frozenset({Source.REMITTANCE}) for f in _ADJUDICATED_FROM},
    **{(f, S.DENIED): frozenset({Source.REMITTANCE}) for f in _ADJUDICATED_FROM},
}

_WHY_NOT: dict[Status, str] = {
    S.DRAFT: "it has problems to fix and was never sent",
    S.CHECKING: "it is still being checked",
    S.READY: "it has not been sent yet",
    S.SUBMITTED: "it has been sent and no answer has come yet",
    S.ACCEPTED: "the payer has accepted it for processing",
    S.REJECTED: "it was rejected before processing; withdraw it and build it again",
    S.DENIED: "the payer denied it",
    S.PAID: "it has been paid",
    S.APPEALED: "it is under appeal",
    S.VOID: "it was withdrawn",
}

_VERB: dict[Status, str] = {
    S.READY: "marked ready",
    S.DRAFT: "sent back to draft",
    S.SUBMITTED: "marked as sent",
    S.ACCEPTED: "marked accepted",
    S.REJECTED: "marked rejected",
    S.DENIED: "denied",
    S.PAID: "paid",
    S.APPEALED: "appealed",
    S.VOID: "withdrawn",
    S.CHECKING: "checked again",
}


def refusal(current: str, target: str, source: str) -> str | None:
    """None when `source` may move a claim from `current` to `target`, else the reason in words."""
    sources = ALLOWED.get((Status(current), Status(target)))
    if sources is not None and Source(source) in sources:
        return None
    return f"The claim cannot be {_VERB[Status(target)]}: {_WHY_NOT[Status(current)]}."
