"""Limits on what staff upload with a consent."""

MAX_SCAN_BYTES = 5 * 1024 * 1024  # a scanned signed consent: a few pages at 300 dpi
