"""Logging filters: refusals are logged as one line (the audit trail already holds them), and
the secret part of a link that opens data without a log-in is never written to a log."""

from __future__ import annotations

import logging
import re


class RefusalsOneLine(logging.Filter):
    """Drop the traceback Django attaches to a 403 or 404 (`django.request` records carry the
    response's `status_code`); server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= int(getattr(record, "status_code", 0) or 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


# Paths whose last part is a secret that opens data without a log-in: a partner's referral
# link, a portal invitation, a private calendar feed. The log keeps the route, not the secret.
_SECRET_PATHS = re.compile(
    r"(/public/partner-referrals/\d+/|/portal/welcome/|/public/calendar/)[^/\s\"?]+"
)


def redact(text: str) -> str:
    return _SECRET_PATHS.sub(r"\1[redacted]", text)


class RedactLinkSecrets(logging.Filter):
    """Replace the secret part of link paths in log lines (Django's request log and the
    development server's access log print the path of each 4xx and each request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True
