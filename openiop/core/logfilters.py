"""Logging filter: refusals are logged as one line (the audit trail already holds them)."""

from __future__ import annotations

import logging


class RefusalsOneLine(logging.Filter):
    """Drop the traceback Django attaches to a 403 or 404 (`django.request` records carry the
    response's `status_code`); server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= int(getattr(record, "status_code", 0) or 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
