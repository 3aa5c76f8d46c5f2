"""Template filters that turn stored identifiers into words a person reads."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import template

register = template.Library()

_SNAKE = re.compile(r"\b([a-z]+(?:_[a-z0-9]+)+)\b")


@register.filter
def words(value: object) -> str:
    """`date_of_birth` -> `date of birth`; lists are joined with commas; other text is kept."""
    if value is None:
        return ""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return ", ".join(words(v) for v in value)
    return _SNAKE.sub(lambda m: m.group(1).replace("_", " "), str(value))


@register.filter
def flags(codes: Iterable[str] | None) -> str:
    """Stored screening flag codes as the instrument's own words, separated by semicolons."""
    from openiop.domain.screening import flag_label

    return "; ".join(flag_label(str(code)) for code in codes or ())
