"""Every care write goes through the one service decorator, in every sub-area.

The core guard (``core/tests/test_policy.py``) reads ``openiop/*/services.py``, which does not
reach ``care/<area>/services.py``; this test holds care to the same rule, and more: a public
function of a services module that records an audit event is a ``@service``."""

from __future__ import annotations

import ast
from pathlib import Path

CARE = Path(__file__).resolve().parents[1]
AREAS = {"plans", "screens", "relapse", "community", "taper", "measures", "discharge"}

# Writes on purpose without a transaction of their own: called inside the services that
# open a relapse response (``relapse_open``, ``drug_screen_record_result``) after their checks.
INNER_WRITERS = {"relapse/services.py:record_opening"}


def _services() -> list[Path]:
    return sorted(p for p in CARE.rglob("services.py") if "tests" not in p.parts)


def _records_audit(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == "record") or (
                isinstance(f, ast.Attribute) and f.attr == "record"
            ):
                return True
    return False


def _decorators(fn: ast.FunctionDef) -> set[str]:
    return {d.id for d in fn.decorator_list if isinstance(d, ast.Name)}


def test_every_sub_area_has_its_services_module() -> None:
    assert {p.parent.name for p in _services()} == AREAS


def test_care_writes_go_through_the_one_service_decorator() -> None:
    bare = []
    undecorated = []
    for path in _services():
        source = path.read_text()
        name = f"{path.parent.name}/{path.name}"
        bare += [
            f"{name}:{n}"
            for n, line in enumerate(source.splitlines(), 1)
            if line.strip() == "@transaction.atomic"
        ]
        for fn in ast.parse(source).body:
            if (
                isinstance(fn, ast.FunctionDef)
                and not fn.name.startswith("_")
                and _records_audit(fn)
                and "service" not in _decorators(fn)
                and f"{name}:{fn.name}" not in INNER_WRITERS
            ):
                undecorated.append(f"{name}:{fn.name}")
    assert bare == [] and undecorated == []
