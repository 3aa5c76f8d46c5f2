"""Reading JSON for :mod:`model`: each check records an error naming the entry, then goes on.

The parser reports every offending entry of a document at once (``patients[p7].tracks: unknown
track 'adult'``), so a fix-and-retry loop is not needed to find them one by one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

_REQUIRED = object()
_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "id": ("a non-empty string", lambda v: isinstance(v, str) and v != ""),
    "site": ("a non-empty string or null", lambda v: v is None or (isinstance(v, str) and v != "")),
    "count": (
        "a whole number of at least 1",
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
    ),
    "hours": (
        "a number of at least 0",
        lambda v: (
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
        ),
    ),
    "flag": ("true or false", lambda v: isinstance(v, bool)),
}


class Reader:
    """Collects every error with the path of the entry it concerns, then raises them together."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def obj(self, value: object, where: str) -> Mapping[str, Any]:
        if isinstance(value, Mapping):
            return value
        self.fail(where, "must be a JSON object")
        return {}

    def items(self, data: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key, [])
        if isinstance(value, list):
            return value
        self.fail(f"{where}{key}", "must be a list")
        return []

    def get(
        self, e: Mapping[str, Any], key: str, where: str, kind: str, default: Any = _REQUIRED
    ) -> Any:
        """``e[key]`` checked against ``kind`` (a key of _KINDS); None after recording an error."""
        if key not in e and default is _REQUIRED:
            self.fail(f"{where}.{key}", "is required")
            return None
        value = e.get(key, default)
        expected, ok = _KINDS[kind]
        if ok(value):
            return value
        self.fail(f"{where}.{key}", f"must be {expected}, got {value!r}")
        return None

    def refs(
        self, data: Mapping[str, Any], key: str, where: str, known: Mapping[str, object]
    ) -> tuple[str, ...]:
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{where}.{key}", "must be a list of ids")
            return ()
        unknown = [v for v in value if v not in known]
        if unknown:
            self.fail(f"{where}.{key}", f"unknown {key[:-1]} {', '.join(map(repr, unknown))}")
        if len(set(value)) != len(value):
            self.fail(f"{where}.{key}", "lists an id twice")
        return tuple(v for v in dict.fromkeys(value) if v in known)

    def entries(self, data: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The entries of a top-level list with a unique ``id`` each, named ``key[id]``."""
        seen: set[str] = set()
        out: list[tuple[str, Mapping[str, Any]]] = []
        for i, raw in enumerate(self.items(data, key, "")):
            entry = self.obj(raw, f"{key}[{i}]")
            ident = entry.get("id")
            if not isinstance(ident, str) or not ident:
                self.fail(f"{key}[{i}].id", "must be a non-empty string")
                continue
            if ident in seen:
                self.fail(f"{key}[{ident}]", "duplicate id")
                continue
            seen.add(ident)
            out.append((ident, entry))
        return out
