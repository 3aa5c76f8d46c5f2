"""ICD-10-CM codes of treatment-plan problems: format, curated table, headings refused."""

from __future__ import annotations

import pytest

from openiop.domain.diagnosis import icd10


@pytest.mark.parametrize(
    ("raw", "code"),
    [("F10.20", "F10.20"), ("f1020", "F10.20"), (" F32.A ", "F32.A"), ("F50.810", "F50.810")],
)
def test_curated_codes_are_accepted_and_normalised(raw: str, code: str) -> None:
    checked = icd10.check(raw)
    assert checked.ok and checked.known and checked.code == code and checked.label


@pytest.mark.parametrize("raw", ["F10.2", "F50.81", "F50.2", "F43.1", "F11"])
def test_category_headings_are_refused_as_not_billable(raw: str) -> None:
    checked = icd10.check(raw)
    assert not checked.ok and "category heading" in checked.error


@pytest.mark.parametrize("raw", ["", "10.20", "F1", "FF0.20", "F10.20000", "F10-20", "alcohol"])
def test_malformed_codes_are_refused(raw: str) -> None:
    assert not icd10.check(raw).ok


def test_a_well_formed_code_outside_the_table_is_accepted_with_a_warning() -> None:
    checked = icd10.check("F42.2")
    assert checked.ok and not checked.known and "not in the curated" in checked.warning


def test_every_curated_code_is_well_formed_and_no_code_is_also_a_heading() -> None:
    assert all(icd10.check(code).known for code in icd10.CODES)
    assert not set(icd10.CODES) & icd10.HEADERS
