"""Checks of the identifiers and codes billing staff type in: the NPI, place of service and
revenue codes, tax id, ZIP code, phone. Pure Python, no Django.

Sources:
- NPI: 10 digits, the last a check digit computed with the Luhn formula (ISO/IEC 7812
  "modulus 10 double-add-double") over the first nine digits as if they were preceded by the
  card-issuer prefix 80840 (80 health applications, 840 United States). Standard: HIPAA
  Standard Unique Health Identifier for Health Care Providers, 45 CFR 162.406 (final rule
  69 FR 3434, 23 January 2004); the check-digit rule is CMS's "Requirements for NPI Check
  Digit", which also allows adding the constant 24 to the sum instead of writing the prefix
  out (the same result; here the prefix is written out). Checked: 1234567893 is valid.
- Place of service: the CMS Place of Service Code Set
  (https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets; Medicare
  Claims Processing Manual, Pub. 100-04, chapter 26, section 10.5). `PLACE_OF_SERVICE` holds
  the codes an intensive outpatient program may use, with CMS's names.
- Revenue codes: four digits from the NUBC (National Uniform Billing Committee) revenue code
  list, e.g. 0905 and 0906 (intensive outpatient services).

Program policy (no published source): the other shapes checked here (tax id 9 digits as the
IRS employer identification number is written without its hyphen, ZIP 5 or 9 digits, phone
10 digits) are the shapes the claim files need.
"""

from __future__ import annotations

import re

NPI_PREFIX = "80840"

PLACE_OF_SERVICE: dict[str, str] = {
    "02": "Telehealth provided other than in patient's home",
    "10": "Telehealth provided in patient's home",
    "11": "Office",
    "19": "Off campus-outpatient hospital",
    "22": "On campus-outpatient hospital",
    "49": "Independent clinic",
    "52": "Psychiatric facility-partial hospitalization",
    "53": "Community mental health center",
    "57": "Non-residential substance abuse treatment facility",
    "58": "Non-residential opioid treatment facility",
}
"""CMS place-of-service codes (two digits) with their CMS names."""

_DIGITS = re.compile(r"[0-9]+")
_PAYER_ID = re.compile(r"[A-Za-z0-9]{2,20}")
_STATE = re.compile(r"[A-Za-z]{2}")


def luhn_check_digit(number: str) -> int:
    """The Luhn (mod 10 double-add-double) check digit to append to `number`: from the right,
    double every other digit starting with the rightmost, add the digits of the products and
    the other digits, and take the distance to the next multiple of ten."""
    if not number or _DIGITS.fullmatch(number) is None:
        raise ValueError(f"not a number: {number!r}")
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    """Ten digits whose last is the check digit of `80840` followed by the first nine."""
    if len(npi) != 10 or _DIGITS.fullmatch(npi) is None:
        return False
    return luhn_check_digit(NPI_PREFIX + npi[:9]) == int(npi[9])


def digits_only(value: str) -> str:
    """The digits of a value typed with spaces, hyphens, dots or brackets (phone, ZIP)."""
    return "".join(ch for ch in value if ch.isdigit())


def is_digits(value: str, *lengths: int) -> bool:
    return _DIGITS.fullmatch(value) is not None and len(value) in lengths


def is_payer_id(value: str) -> bool:
    """Program policy: 2 to 20 letters or digits (the shape clearinghouses use)."""
    return _PAYER_ID.fullmatch(value) is not None


def is_state(value: str) -> bool:
    return _STATE.fullmatch(value) is not None


def is_revenue_code(value: str) -> bool:
    """NUBC revenue codes are four digits."""
    return is_digits(value, 4)


def is_place_of_service(value: str) -> bool:
    return value in PLACE_OF_SERVICE
