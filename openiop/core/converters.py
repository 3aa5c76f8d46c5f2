"""URL path converters shared by every app.

`<id:pk>` replaces Django's `<id:pk>` in every route that takes a database id. Django's
`int` converter accepts any number of digits, and a value of 2**63 or more then overflows the
64-bit primary key column inside the ORM (OverflowError on SQLite, a DataError on
PostgreSQL), which turns a probe with a huge id into a server error instead of the refusal a
missing object gets.
"""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1  # the largest value of a BigAutoField (signed 64-bit)


class IdConverter:
    """A database id: up to 20 digits, converted to an int only when it can be a primary key.

    A value outside 1..2**63-1 (0, or too large for a 64-bit column) becomes 0 rather than a
    resolver miss. No row ever has id 0, since primary keys start at 1, so the view runs as
    usual and its normal object getter refuses it as it refuses any id the user may not see:
    404, with the audited denial. A probe with a huge id is thus recorded like any other, and
    the answer does not tell an out-of-range id apart from an existing one the user may not
    open. More than 20 digits is no number a 64-bit id could be and does not match at all.
    """

    regex = "[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if 1 <= number <= MAX_ID else 0

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def register() -> None:
    """Make `<id:...>` available to URL patterns; called once from the core app's ready()."""
    register_converter(IdConverter, "id")
