"""ICD-10-CM diagnosis codes for IOP treatment-plan problems, checked against the full code set.

Source: CDC/NCHS, ICD-10-CM, fiscal year 2026 code set, April 1, 2026 update: the tabular
list and the code list published at https://www.cdc.gov/nchs/icd/icd-10-cm/files.html, as
bundled in the ``simple-icd-10-cm`` package 1.5.0 (its data files
``icd10c-tabular-April-1-2026.xml`` and ``code-list-April-2026.txt``; pinned with hashes in
``requirements.lock``). The fiscal year
runs from 1 October 2025 to 30 September 2026; a new code set takes effect every 1 October
(for example F43.8 became a category heading with F43.81 and F43.89 on 1 October 2024, FY2025).
The descriptions are the tabular list's own.

Rules (nothing is fetched at run time; the data are loaded once per process, on first use):
- a code must look like an ICD-10-CM code: a letter, two characters (digit, digit or letter),
  then optionally a dot and one to four characters (``F10.20``, ``F32.A``, ``T40.2X1A``);
  case, spaces and the dot are normalised (``f1020`` is ``F10.20``);
- a code that is not in the code set is refused (``F99.9``, ``F31.79``); the nearest existing
  heading's billable codes are suggested;
- a code that is in the code set but has more specific codes under it (a category or
  subcategory heading such as ``F10.2`` or ``F43.8``) is not billable on a claim and is refused,
  with its billable codes suggested;
- a billable code is a leaf of the tabular list (no code under it).
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

CODE_SET_VERSION = "ICD-10-CM FY2026"
"""Recorded on every diagnosis: the code set it was checked against."""

CODE_SET_RELEASE = "April 1, 2026 update"
SOURCE_URL = "https://www.cdc.gov/nchs/icd/icd-10-cm/files.html"
BUNDLED_DATA_FILE = "code-list-April-2026.txt"
"""The package's data file that ``CODE_SET_VERSION`` describes (checked by a test, so an
upgrade of the package cannot silently change the code set without changing the version)."""

SUGGESTIONS_SHOWN = 8

_FORMAT = re.compile(r"^([A-Z][0-9][0-9A-Z])(?:\.?([0-9A-Z]{1,4}))?$")


@functools.cache
def _cm() -> Any:
    """The code set, parsed once per process on first use (about 2 s of CPU): importing the
    package parses the whole tabular list, so it is not imported at module load."""
    with warnings.catch_warnings():  # the package reads its data with importlib.resources'
        warnings.simplefilter("ignore", DeprecationWarning)  # legacy (deprecated in 3.11) API
        import simple_icd_10_cm

    return simple_icd_10_cm


def load() -> None:
    """Parse the code set now (a process that wants the cost up front, not on a request)."""
    _cm()


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking one code against the code set.

    ``suggestions`` are billable codes to choose instead (under the heading that was entered,
    or under the nearest existing heading of a code that does not exist).
    """

    code: str
    valid: bool = False
    billable: bool = False
    description: str = ""
    suggestions: tuple[str, ...] = field(default=())
    suggestions_total: int = 0
    error: str = ""
    version: str = CODE_SET_VERSION

    @property
    def ok(self) -> bool:
        """Usable for a treatment-plan problem and a claim: valid and billable."""
        return self.valid and self.billable

    def to_dict(self) -> dict[str, object]:
        """The ``openiop icd10`` contract: code, valid, billable, description (None if invalid)."""
        return {
            "code": self.code,
            "valid": self.valid,
            "billable": self.billable,
            "description": self.description if self.valid else None,
        }


def normalise(raw: str) -> str:
    """``" f10.20 "`` and ``"F1020"`` both give ``"F10.20"``; malformed input is returned upper-cased."""
    text = raw.strip().upper().replace(" ", "")
    match = _FORMAT.match(text)
    if match is None:
        return text
    category, rest = match.groups()
    return f"{category}.{rest}" if rest else category


def is_well_formed(code: str) -> bool:
    return _FORMAT.match(code) is not None


def billable_codes_under(code: str) -> list[str]:
    """The billable (leaf) codes under an existing heading, in tabular order."""
    cm = _cm()
    return [c for c in cm.get_descendants(code) if cm.is_leaf(c)]


def _nearest_heading(code: str) -> str | None:
    """The longest existing code that ``code`` extends (``F31.79`` gives ``F31.7``)."""
    cm = _cm()
    compact = code.replace(".", "")
    for end in range(len(compact) - 1, 2, -1):
        candidate = normalise(compact[:end])
        if cm.is_valid_item(candidate):
            return candidate
    return None


def _listed(codes: list[str]) -> str:
    shown = ", ".join(codes[:SUGGESTIONS_SHOWN])
    more = len(codes) - SUGGESTIONS_SHOWN
    return f"{shown}, ... ({len(codes)} codes)" if more > 0 else shown


def check(raw: str) -> CodeCheck:
    """Check a diagnosis code against the code set (module docstring)."""
    code = normalise(raw)
    if not code:
        return CodeCheck(code, error="Enter an ICD-10-CM code such as F10.20.")
    if not is_well_formed(code):
        return CodeCheck(
            code,
            error="This is not an ICD-10-CM code: a letter, two characters, then optionally a "
            "dot and 1-4 characters (for example F10.20 or F32.A).",
        )
    cm = _cm()
    if not cm.is_valid_item(code):
        heading = _nearest_heading(code)
        message = f"{code} is not a code of {CODE_SET_VERSION}."
        if heading is None:
            return CodeCheck(code, error=f"{message} Check the code.")
        if cm.is_leaf(heading):
            return CodeCheck(
                code,
                suggestions=(heading,),
                suggestions_total=1,
                error=f"{message} Did you mean {heading} ({cm.get_description(heading)})?",
            )
        under = billable_codes_under(heading)
        return CodeCheck(
            code,
            suggestions=tuple(under[:SUGGESTIONS_SHOWN]),
            suggestions_total=len(under),
            error=f"{message} Billable codes under {heading} ({cm.get_description(heading)}): "
            f"{_listed(under)}.",
        )
    description = str(cm.get_description(code))
    if not cm.is_leaf(code):
        under = billable_codes_under(code)
        return CodeCheck(
            code,
            valid=True,
            description=description,
            suggestions=tuple(under[:SUGGESTIONS_SHOWN]),
            suggestions_total=len(under),
            error=f"{code} ({description}) is a category heading, not a billable code: choose "
            f"one of {_listed(under)}.",
        )
    return CodeCheck(code, valid=True, billable=True, description=description)
