"""ICD-10-CM codes of treatment-plan problems, checked against the full FY2026 code set:
codes that do not exist refused, category headings refused naming their billable codes,
descriptions from the tabular list, the version recorded, the data loaded lazily."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import pytest

from openiop.domain.diagnosis import icd10


@pytest.mark.parametrize(
    ("raw", "code", "description"),
    [
        ("F10.20", "F10.20", "Alcohol dependence, uncomplicated"),
        ("f1020", "F10.20", "Alcohol dependence, uncomplicated"),
        (" F32.A ", "F32.A", "Depression, unspecified"),
        ("F50.810", "F50.810", "Binge eating disorder, mild"),
        ("F43.81", "F43.81", "Prolonged grief disorder"),
        ("f99", "F99", "Mental disorder, not otherwise specified"),
    ],
)
def test_billable_codes_are_accepted_normalised_and_described(
    raw: str, code: str, description: str
) -> None:
    checked = icd10.check(raw)
    assert checked.ok and checked.valid and checked.billable and not checked.error
    assert (checked.code, checked.description) == (code, description)
    assert checked.version == "ICD-10-CM FY2026"


@pytest.mark.parametrize("raw", ["F99.9", "F31.79", "F41.2", "Z99.999", "U99"])
def test_codes_that_do_not_exist_are_refused(raw: str) -> None:
    checked = icd10.check(raw)
    assert not checked.ok and not checked.valid and not checked.billable
    assert checked.to_dict()["description"] is None
    assert f"{raw} is not a code of ICD-10-CM FY2026" in checked.error


def test_a_code_that_does_not_exist_suggests_the_codes_of_its_nearest_heading() -> None:
    checked = icd10.check("F31.79")
    assert checked.suggestions[:2] == ("F31.70", "F31.71") and checked.suggestions_total == 9
    assert "F31.78" not in checked.error  # eight shown, then the count
    assert "(9 codes)" in checked.error
    assert icd10.check("F99.9").suggestions == ("F99",)


@pytest.mark.parametrize(
    ("raw", "children"),
    [
        ("F10.2", "F10.20, F10.21, F10.220"),
        ("F43.8", "F43.81, F43.89"),  # a heading since FY2025
        ("F50.81", "F50.810, F50.811"),
        ("F11", "F11.10, F11.11"),
        ("F43.1", "F43.10, F43.11, F43.12"),
    ],
)
def test_category_headings_are_refused_naming_their_billable_codes(raw: str, children: str) -> None:
    checked = icd10.check(raw)
    assert checked.valid and not checked.billable and not checked.ok
    assert checked.description  # a heading has a description too
    assert "category heading, not a billable code" in checked.error
    assert children in checked.error
    assert all(icd10.check(c).ok for c in checked.suggestions)


def test_f43_8_lists_exactly_its_two_billable_codes() -> None:
    checked = icd10.check("F43.8")
    assert checked.suggestions == ("F43.81", "F43.89") and checked.suggestions_total == 2


@pytest.mark.parametrize(
    "raw", ["", "10.20", "F1", "FF0.20", "F10.20000", "F10-20", "alcohol", "F10-F19"]
)
def test_malformed_codes_are_refused(raw: str) -> None:
    checked = icd10.check(raw)
    assert not checked.ok and not checked.valid and checked.error


def test_the_command_contract_has_exactly_four_keys() -> None:
    assert icd10.check("f1020").to_dict() == {
        "code": "F10.20",
        "valid": True,
        "billable": True,
        "description": "Alcohol dependence, uncomplicated",
    }
    assert icd10.check("F10.2").to_dict() == {
        "code": "F10.2",
        "valid": True,
        "billable": False,
        "description": "Alcohol dependence",
    }


def test_the_bundled_release_is_the_one_the_version_names() -> None:
    """Upgrading simple-icd-10-cm must come with a new CODE_SET_VERSION (and docs)."""
    import simple_icd_10_cm.simple_icd_10_cm as bundled

    assert bundled._all_codes_package_file_name == icd10.BUNDLED_DATA_FILE
    assert bundled._all_codes_package_file_name == "code-list-April-2026.txt"
    assert resources.files("simple_icd_10_cm.data").joinpath(icd10.BUNDLED_DATA_FILE).is_file()
    assert icd10.CODE_SET_VERSION == "ICD-10-CM FY2026"


def test_the_code_set_is_not_loaded_by_importing_the_module() -> None:
    code = (
        "import sys; from openiop.domain.diagnosis import icd10; "
        "assert 'simple_icd_10_cm' not in sys.modules; icd10.normalise('f1020'); "
        "assert 'simple_icd_10_cm' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
