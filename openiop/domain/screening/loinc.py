"""LOINC code checks.

Public code is full of wrong LOINC codes (COWS tagged with a pain-score
code, AUDIT-C tagged with the full-AUDIT total, PCL-5 tagged with `71549-8` and `97006-2`, which
are not LOINC codes at all). Every code in an instrument definition must therefore pass the LOINC
mod-10 check digit, which `Instrument` enforces when the definition is built.

Source of the algorithm: LOINC Users' Guide, "Calculating Mod 10 check digits" (the Luhn scheme:
from the right, double every digit in an odd position, add the digits, take the distance to the
next multiple of ten). It applies to LOINC term codes (`44261-6`), not to answer codes (`LA...`).
"""

from __future__ import annotations

import re

_LOINC = re.compile(r"^(\d{1,7})-(\d)$")


def loinc_check_digit(number: str) -> int:
    """The mod-10 check digit of the numeric part of a LOINC code (`"44261"` -> 6)."""
    if not number.isdigit():
        raise ValueError(f"not a LOINC number: {number!r}")
    total = 0
    for position, char in enumerate(reversed(number), start=1):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


def is_valid_loinc(code: str) -> bool:
    """True if `code` has the LOINC shape `NNNNN-C` and a correct check digit."""
    match = _LOINC.match(code)
    if match is None:
        return False
    return loinc_check_digit(match.group(1)) == int(match.group(2))
