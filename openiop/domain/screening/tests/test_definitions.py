"""The definitions themselves: registry, LOINC check digits, band tiling, purity of the package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from openiop.domain.screening import (
    INSTRUMENTS,
    URGENT_FLAGS,
    Instrument,
    Item,
    ItemKind,
    get_instrument,
    is_valid_loinc,
    loinc_check_digit,
)
from openiop.domain.screening.model import AnswerOption, Band
from openiop.domain.screening.rules import Facts, Setting, Total

PACKAGE = Path(__file__).resolve().parents[1]


def test_the_registry_holds_exactly_the_expected_instruments() -> None:
    assert set(INSTRUMENTS) == {
        "phq9", "gad7", "audit", "audit-c", "dast10", "crafft",
        "scoff", "pcl5", "cssrs", "ciwa-ar", "cows", "bam", "ahc_hrsn",
    }  # fmt: skip
    assert all(get_instrument(key).id == key for key in INSTRUMENTS)


def test_only_phq9_item_9_and_cssrs_high_risk_are_urgent() -> None:
    assert {"suicidal_ideation", "cssrs_high_risk"} == URGENT_FLAGS


@pytest.mark.parametrize(
    ("instrument", "expected"),
    [
        ("phq9", (0, 27)), ("gad7", (0, 21)), ("audit", (0, 40)), ("audit-c", (0, 12)),
        ("dast10", (0, 10)), ("crafft", (0, 6)), ("scoff", (0, 5)), ("pcl5", (0, 80)),
        ("ciwa-ar", (0, 67)), ("cows", (0, 48)), ("cssrs", None), ("bam", None),
        ("ahc_hrsn", (4, 20)),
    ],
)  # fmt: skip
def test_total_ranges_match_the_published_maxima(instrument: str, expected: object) -> None:
    assert INSTRUMENTS[instrument].total_range == expected


@pytest.mark.parametrize(
    "instrument", [i for i in INSTRUMENTS.values() if i.total_range is not None], ids=lambda i: i.id
)
def test_bands_cover_every_possible_total_exactly_once(instrument: Instrument) -> None:
    low, high = instrument.total_range or (0, 0)
    settings = instrument.resolve_settings()
    for total in range(low, high + 1):
        facts = Facts(answers={}, total=total, settings=settings)
        matching = [
            b.code for b in instrument.bands if isinstance(b.when, Total) and b.when.evaluate(facts)
        ]
        ordered = next((b.code for b in instrument.bands if b.when.evaluate(facts)), None)
        assert ordered is not None, (instrument.id, total)
        if instrument.id != "pcl5":  # PCL-5 uses an ordered cut-off and a catch-all band
            assert len(matching) == 1, (instrument.id, total, matching)


VERIFIED_LOINC = {
    "phq9": ("44249-1", "44261-6"),
    "gad7": ("69737-5", "70274-6"),
    "audit": (None, "75624-7"),
    "audit-c": ("72109-2", "75626-2"),
    "dast10": ("82666-9", "82667-7"),
    "ahc_hrsn": ("96777-8", "95614-4"),
}
PHQ9_ITEMS = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
)
AHC_HRSN_ITEMS = (
    "71802-3", *(None,) * 7, "88122-7", "88123-5", "93030-5", "96779-4",
    "95618-5", "95617-7", "95616-9", "95615-1",
)  # fmt: skip
CSSRS_ITEMS = ("93246-7", "93247-5", "93248-3", "93249-1", "93250-9", "93267-3", "93269-9")


def test_loinc_codes_are_exactly_the_verified_ones() -> None:
    for key, instrument in INSTRUMENTS.items():
        assert (instrument.loinc_panel, instrument.loinc_total) == VERIFIED_LOINC.get(
            key, (None, None)
        )
    assert tuple(i.loinc for i in INSTRUMENTS["phq9"].items) == PHQ9_ITEMS
    assert tuple(i.loinc for i in INSTRUMENTS["cssrs"].items) == CSSRS_ITEMS
    assert INSTRUMENTS["cssrs"].loinc_band == "93374-7"
    assert tuple(i.loinc for i in INSTRUMENTS["ahc_hrsn"].items) == AHC_HRSN_ITEMS
    unverified = ("pcl5", "crafft", "scoff", "ciwa-ar", "cows", "bam", "gad7", "audit", "audit-c")
    for key in unverified:
        assert all(item.loinc is None for item in INSTRUMENTS[key].items), key


def test_every_loinc_code_in_the_definitions_has_a_valid_check_digit() -> None:
    codes = [
        code
        for i in INSTRUMENTS.values()
        for code in (i.loinc_panel, i.loinc_total, i.loinc_band, *(item.loinc for item in i.items))
        if code is not None
    ]
    assert len(codes) == 37  # PHQ-9 11, GAD-7 2, AUDIT 1, AUDIT-C 2, DAST-10 2, C-SSRS 8, AHC 11
    assert all(is_valid_loinc(code) for code in codes)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("44261-6", True),
        ("12345-5", True),
        ("71549-8", False),
        ("97006-2", False),
        ("44261-7", False),
        ("44261", False),
        ("LA6568-5", False),
        ("", False),
    ],
)
def test_loinc_check_digit(code: str, valid: bool) -> None:
    assert is_valid_loinc(code) is valid


def test_loinc_check_digit_rejects_non_digits() -> None:
    assert loinc_check_digit("71549") == 0
    with pytest.raises(ValueError, match="not a LOINC number"):
        loinc_check_digit("7a549")


def test_a_definition_with_a_mistyped_loinc_code_cannot_be_built() -> None:
    item = Item(
        "1", "x", ItemKind.YES_NO, (AnswerOption(True, 1, "Yes"), AnswerOption(False, 0, "No"))
    )
    with pytest.raises(ValueError, match="invalid LOINC"):
        Instrument("x", "x", "x", "1", "x", (item,), ("1",), loinc_total="71549-8")


def test_a_definition_whose_rule_names_an_unknown_item_cannot_be_built() -> None:
    item = Item("1", "x", ItemKind.POINTS, (AnswerOption(0, 0, "0"), AnswerOption(1, 1, "1")))
    with pytest.raises(ValueError, match="unknown items"):
        Instrument("x", "x", "x", "1", "x", (item,), ("1", "2"))
    with pytest.raises(ValueError, match="undeclared settings"):
        Instrument(
            "x",
            "x",
            "x",
            "1",
            "x",
            (item,),
            ("1",),
            bands=(Band("b", "b", Total(at_least=Setting("s"))),),
        )


def test_points_options_must_carry_their_own_points() -> None:
    with pytest.raises(ValueError, match="each option's value is its points"):
        Item("1", "x", ItemKind.POINTS, (AnswerOption(0, 1, "0"),))


def test_every_instrument_cites_a_source_and_has_a_version() -> None:
    for instrument in INSTRUMENTS.values():
        assert instrument.source and instrument.version and instrument.edition
        for flag in instrument.flags:
            assert flag.source, (instrument.id, flag.code)


def test_the_package_imports_no_django() -> None:
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("django", "rest_framework")), (path, name)
                if name.startswith("openiop."):
                    assert name.startswith("openiop.domain."), (path, name)


DOCS = PACKAGE.parents[2] / "docs" / "instruments.md"


@pytest.mark.skipif(not DOCS.exists(), reason="docs/instruments.md is not shipped with the package")
def test_the_docs_name_every_instrument_band_flag_and_setting() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for instrument in INSTRUMENTS.values():
        assert f"### {instrument.id}:" in text
        names = [b.code for b in instrument.bands] + [f.code for f in instrument.flags]
        names += [s.name for s in instrument.settings] + [s.code for s in instrument.subscales]
        for name in names:
            assert f"`{name}`" in text, (instrument.id, name)
        for code in (instrument.loinc_panel, instrument.loinc_total, instrument.loinc_band):
            assert code is None or code in text
