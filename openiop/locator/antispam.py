"""Protection of the public referral form against automated submissions, without a CAPTCHA
(no third party sees the visitor).

- A honeypot field, hidden from people (off-screen, `aria-hidden`, skipped by the keyboard),
  that simple bots fill in.
- A signed timestamp issued with the form: a submission sooner than `MIN_SECONDS` after the
  form was served is refused as too fast for a person; one older than `MAX_AGE` must reload the
  form. The token is signed with SECRET_KEY (django.core.signing), so it cannot be forged, and
  carries no personal data.
"""

from __future__ import annotations

import time
from enum import Enum

from django.conf import settings
from django.core import signing

SALT = "openiop.locator.referral-form"
MIN_SECONDS = 3.0
MAX_AGE_SECONDS = 2 * 60 * 60
HONEYPOT_FIELD = "website"


class Verdict(Enum):
    OK = "ok"
    TOO_FAST = "too_fast"
    EXPIRED = "expired"
    INVALID = "invalid_token"
    HONEYPOT = "honeypot"


def min_seconds() -> float:
    return float(getattr(settings, "LOCATOR_REFERRAL_MIN_SECONDS", MIN_SECONDS))


def issue_token(now: float | None = None) -> str:
    return signing.dumps({"t": round(now if now is not None else time.time(), 3)}, salt=SALT)


def check(token: str, honeypot: str, now: float | None = None) -> Verdict:
    """The verdict on one submission (the honeypot first: a bot that filled it is a bot)."""
    if honeypot.strip():
        return Verdict.HONEYPOT
    now = now if now is not None else time.time()
    try:
        payload = signing.loads(token, salt=SALT)
        issued = float(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Verdict.INVALID
    if now - issued > MAX_AGE_SECONDS:
        return Verdict.EXPIRED
    if now - issued < min_seconds():
        return Verdict.TOO_FAST
    return Verdict.OK
