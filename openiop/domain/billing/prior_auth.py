"""Which payer authorization covers a billed day, for the claim's prior authorization number
(837 loop 2300 REF*G1 "Prior Authorization", ASC X12N/005010X222A1 and 005010X223A2).

A claim carries one prior authorization number, so a patient's days of one payer are split into
one claim per authorization that covers them (and one for days no authorization covers). When
two authorizations of the same service overlap on a day, the one that starts later is used: a
renewal or a step-down supersedes the authorization it follows (program policy; payers say
which number to quote when they issue overlapping ones).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class AuthFacts:
    number: str
    service: str  # the billed code the authorization covers, e.g. H0015
    starts_on: date
    ends_on: date


def authorization_number(auths: Iterable[AuthFacts], service: str, day: date) -> str:
    """The number of the authorization covering `service` on `day`, or "" when none does."""
    covering = [
        a
        for a in auths
        if a.service.strip().upper() == service.strip().upper()
        and a.starts_on <= day <= a.ends_on
        and a.number.strip()
    ]
    if not covering:
        return ""
    return max(covering, key=lambda a: (a.starts_on, a.number)).number.strip()
