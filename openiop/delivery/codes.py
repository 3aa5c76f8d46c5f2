"""Short check-in codes: 6 characters per session, derived (not stored) from the session
with an HMAC keyed by the server secret, so a code cannot be guessed from another one.

The alphabet leaves out 0/O, 1/I/L so a code read aloud or off a screen is typed right.
A code identifies a session only together with a record number and a date of birth, and
only while the session's check-in window is open (see `conf.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings

from openiop.scheduling.models import GroupSession

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6


def _key() -> bytes:
    explicit = os.environ.get("CHECKIN_CODE_KEY", "")
    if explicit:
        return explicit.encode()
    return hashlib.sha256(b"openiop-checkin:" + settings.SECRET_KEY.encode()).digest()


def session_code(session: GroupSession) -> str:
    digest = hmac.new(
        _key(), f"{session.pk}:{int(session.starts_at.timestamp())}".encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def normalize(code: str) -> str:
    """Upper case, without the spaces or dashes people type between characters."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[: LENGTH + 2]


def matches(session: GroupSession, code: str) -> bool:
    return hmac.compare_digest(session_code(session), normalize(code))
