"""CSV cells that a spreadsheet would run as a formula are quoted (OWASP CSV injection)."""

from __future__ import annotations

import pytest

from openiop.core.csvstream import response, safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_quoted(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Blue River", "", "1-2", 42, None])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_the_response_streams_a_safe_attachment() -> None:
    out = response(["a", "b"], [["=x", "ok"]], filename="t.csv")
    assert out["Content-Disposition"] == 'attachment; filename="t.csv"'
    assert b"".join(out.streaming_content).decode() == "a,b\r\n'=x,ok\r\n"  # type: ignore[attr-defined]
