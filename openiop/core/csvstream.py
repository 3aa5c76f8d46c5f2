"""CSV downloads streamed row by row, with every cell made safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by spreadsheet programs, so free text typed by anyone (a recipient's name, an audit detail)
could run one on the reader's machine ("CSV injection", OWASP:
https://owasp.org/www-community/attacks/CSV_Injection). Such cells are prefixed with a single
quote, as OWASP recommends.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, filename: str
) -> StreamingHttpResponse:
    """A streamed `text/csv` attachment: the header, then each row with safe cells."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])

    out = StreamingHttpResponse(lines(), content_type="text/csv")
    out["Content-Disposition"] = f'attachment; filename="{filename}"'
    return out
