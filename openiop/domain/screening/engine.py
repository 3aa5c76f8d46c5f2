"""The one scoring engine: validate answers against a definition, then total, band and flag.

Rules:

- A missing answer is never scored as zero. Strict scoring refuses it; the partial mode returns
  `complete=False` with no total, no band and only the flags that the given answers prove.
- Every problem is collected before raising, so the message names every offending item.
- Types are strict: a points item takes an `int` and refuses `True` (a Python bool is an int),
  `2.0` and `"2"`; a yes/no item takes only `true`/`false`.
- An item that skip logic did not ask may be absent, null, or its "none" answer (`false`/`0`,
  which FHIR exports often carry); any other answer contradicts the routing and is refused.
- Skipped items add 0 to a total or subscale: the instrument defines them as not applicable
  (CRAFFT part B when part A is all 0; BAM item 5 when item 4 is 0 days).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from openiop.domain.screening.model import (
    AnswerError,
    Instrument,
    InvalidAnswers,
    Item,
    ItemKind,
    ScoreResult,
)
from openiop.domain.screening.rules import AnswerValue, Facts


def evaluate(
    instrument: Instrument,
    answers: object,
    *,
    settings: Mapping[str, int] | None = None,
    allow_incomplete: bool = False,
) -> ScoreResult:
    """Score `answers` with `instrument`; raise `InvalidAnswers` naming every bad item."""
    resolved = instrument.resolve_settings(settings)
    if not isinstance(answers, Mapping):
        error = AnswerError(
            "*", "not_an_object", f"answers must be an object, got {_show(answers)}"
        )
        raise InvalidAnswers(instrument.id, (error,))
    valid, disabled, errors = _validate(instrument, answers)
    missing = [e for e in errors if e.code == "missing"]
    if errors and (not allow_incomplete or len(missing) != len(errors)):
        raise InvalidAnswers(instrument.id, tuple(errors))

    points: dict[str, int] = {}
    for key, given in valid.items():
        scored = instrument.item(key).points_for(given)
        if scored is not None:
            points[key] = scored
    total = None
    if instrument.total_items is not None:
        total = _sum(instrument.total_items, points, disabled)
    subscores: dict[str, int] = {}
    for subscale in instrument.subscales:
        value = _sum(subscale.items, points, disabled)
        if value is not None:
            subscores[subscale.code] = value
    facts = Facts(valid, frozenset(disabled), points, total, subscores, None, resolved)
    band = _band(instrument, facts)
    facts = Facts(valid, frozenset(disabled), points, total, subscores, band, resolved)
    flags = tuple(flag.code for flag in instrument.flags if flag.when.evaluate(facts) is True)
    return ScoreResult(
        instrument=instrument.id,
        total=total,
        band=band,
        subscores=subscores,
        flags=flags,
        complete=not missing,
        version=instrument.version,
        answers=valid,
    )


def _validate(
    instrument: Instrument, answers: Mapping[object, object]
) -> tuple[dict[str, AnswerValue], set[str], list[AnswerError]]:
    valid: dict[str, AnswerValue] = {}
    disabled: set[str] = set()
    errors: list[AnswerError] = []
    for item in instrument.items:
        given = answers.get(item.key)
        enabled: bool | None = True
        if item.enable_when is not None:
            enabled = item.enable_when.evaluate(Facts(valid, frozenset(disabled)))
        if enabled is False:
            disabled.add(item.key)
            if given is not None and not _is_none_answer(item, given):
                rule = item.enable_when.describe() if item.enable_when else ""
                message = f"not asked (asked only if {rule}); leave it out, got {_show(given)}"
                errors.append(AnswerError(item.key, "not_asked", message))
            continue
        if given is None:
            if enabled is True:
                errors.append(AnswerError(item.key, "missing", _missing_message(item, answers)))
            continue
        problem = _check(item, given)
        if problem is not None:
            errors.append(problem)
            continue
        assert isinstance(given, int)  # _check proved it (bool is an int)
        if item.not_above is not None and item.not_above in valid:
            limit = valid[item.not_above]
            if given > limit:
                message = f"{given} exceeds the answer to item {item.not_above} ({limit})"
                errors.append(AnswerError(item.key, "inconsistent", message))
                continue
        valid[item.key] = given
    known = set(instrument.keys)
    for key in answers:
        if not isinstance(key, str) or key not in known:
            message = f"unknown item {_show(key)}; items are {', '.join(instrument.keys)}"
            errors.append(AnswerError(str(key), "unknown_item", message))
    return valid, disabled, errors


def _check(item: Item, given: object) -> AnswerError | None:
    key = item.key
    if item.kind is ItemKind.YES_NO:
        if not isinstance(given, bool):
            return AnswerError(key, "wrong_type", f"expected true or false, got {_show(given)}")
        return None
    expected = _allowed(item)
    if isinstance(given, bool) or not isinstance(given, int):
        message = f"expected a whole number ({expected}), got {_show(given)}"
        return AnswerError(key, "wrong_type", message)
    if item.kind is ItemKind.COUNT:
        ok = item.minimum <= given <= item.maximum
    else:
        ok = any(o.value == given for o in item.options)
    if not ok:
        return AnswerError(key, "out_of_range", f"{given} is not allowed ({expected})")
    return None


def _allowed(item: Item) -> str:
    if item.kind is ItemKind.COUNT:
        return f"{item.minimum}-{item.maximum}"
    return "one of " + ", ".join(str(o.value) for o in item.options)


def _is_none_answer(item: Item, given: object) -> bool:
    none = item.none_value
    return none is not None and type(given) is type(none) and given == none


def _missing_message(item: Item, answers: Mapping[object, object]) -> str:
    return "answer is null" if item.key in answers else "missing answer"


def _sum(keys: tuple[str, ...], points: Mapping[str, int], disabled: set[str]) -> int | None:
    if any(k not in points and k not in disabled for k in keys):
        return None
    return sum(points.get(k, 0) for k in keys)


def _band(instrument: Instrument, facts: Facts) -> str | None:
    for band in instrument.bands:
        outcome = band.when.evaluate(facts)
        if outcome is None:
            return None
        if outcome:
            return band.code
    return None


def _show(value: object) -> str:
    """A value as the caller sent it (JSON spelling where possible): `"2"`, `2.0`, `true`."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
