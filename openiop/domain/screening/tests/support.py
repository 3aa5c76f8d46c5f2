"""Helpers that build answer sets for tests (from the definitions' options, never by guessing)."""

from __future__ import annotations

from functools import cache

from openiop.domain.screening import INSTRUMENTS, Instrument, Item, ItemKind
from openiop.domain.screening.rules import AnswerValue

# Answers that switch on every skip-logic branch, so that every item is asked (and required).
_OPEN_ALL: dict[str, dict[str, AnswerValue]] = {
    "crafft": {"a1": 1},
    "cssrs": {"2": True, "6": True},
    "bam": {"4": 1, "6": 1},
}


def _lowest(item: Item) -> AnswerValue:
    if item.kind is ItemKind.COUNT:
        return item.minimum
    return min(item.options, key=lambda o: o.points).value


def every_item_asked(instrument_id: str) -> dict[str, AnswerValue]:
    """A complete valid answer set in which skip logic asks every item (lowest answers)."""
    instrument = INSTRUMENTS[instrument_id]
    answers = {item.key: _lowest(item) for item in instrument.items}
    answers.update(_OPEN_ALL.get(instrument_id, {}))
    return answers


def answers_for_total(instrument_id: str, total: int) -> dict[str, AnswerValue]:
    """A complete valid answer set whose total is `total` (points fill early items first)."""
    instrument = INSTRUMENTS[instrument_id]
    assert instrument.total_items is not None
    answers = every_item_asked(instrument_id)
    chosen = _fill(instrument, tuple(instrument.total_items), total)
    assert chosen is not None, f"{instrument_id}: total {total} is not reachable"
    answers.update(chosen)
    return answers


def _fill(
    instrument: Instrument, keys: tuple[str, ...], total: int
) -> dict[str, AnswerValue] | None:
    @cache
    def solve(index: int, remaining: int) -> tuple[tuple[str, AnswerValue], ...] | None:
        if index == len(keys):
            return () if remaining == 0 else None
        item = instrument.item(keys[index])
        for option in sorted(item.options, key=lambda o: -o.points):
            if option.points <= remaining:
                rest = solve(index + 1, remaining - option.points)
                if rest is not None:
                    return ((item.key, option.value), *rest)
        return None

    found = solve(0, total)
    return None if found is None else dict(found)
