"""The comparable form of names (no database)."""

from __future__ import annotations

import pytest

from openiop.domain.names import normalize_name, prefix_forms, search_key


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("José", "jose"),
        ("NÚÑEZ", "nunez"),
        ("Zoë", "zoe"),
        ("Straße", "strasse"),
        ("Łukasz Søren", "lukasz soren"),
        ("O'Brien", "obrien"),
        ("D\u2019Arcy", "darcy"),
        ("Garcia-López", "garcia lopez"),
        ("  Anne -- Marie , ", "anne marie"),
        ("\uff2a\uff4f\uff48\uff4e", "john"),  # full-width letters: compatibility decomposition
        (
            "\u0418\u0432\u0430\u043d",
            "\u0438\u0432\u0430\u043d",
        ),  # other scripts are kept, case-folded
        ("'-.", ""),
    ],
)
def test_names_compare_without_case_accents_or_punctuation(typed: str, normal: str) -> None:
    assert normalize_name(typed) == normal


def test_the_key_is_last_first_preferred() -> None:
    assert search_key("Garcia-López", "María José", "Majo") == "garcia lopez maria jose majo"
    assert search_key("O'Brien", "Seán") == "obrien sean"


def test_typed_first_last_is_tried_both_ways() -> None:
    assert prefix_forms("John Smith") == ["john smith", "smith john"]
    assert "obrien nunez jose" in prefix_forms("José O'Brien-Núñez")
    assert prefix_forms("  smi ") == ["smi"]
    assert prefix_forms("'") == []
