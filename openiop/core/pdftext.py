"""Text for the PDFs OpenIOP writes with fpdf2's built-in fonts (letters, statements,
review packets, printed records)."""

from __future__ import annotations

import unicodedata


def latin1(text: str) -> str:
    """The built-in fonts cover Latin-1; other letters lose their accents (or become '?')
    rather than failing."""
    out = []
    for ch in str(text):
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)
