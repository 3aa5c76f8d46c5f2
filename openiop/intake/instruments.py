"""Screening forms generated from the domain's instrument definitions.

Nothing here scores or validates an answer: the form only turns what was posted into the
domain's answer encoding (docs/instruments.md) and hands it to `openiop.domain.screening`,
which refuses missing, unknown, out-of-range and wrongly typed answers naming each item.

Skip logic is honoured twice: a static script hides questions whose condition is not met
(progressive enhancement, no inline script under the CSP), and the server drops any answer
to a question the routing did not ask before scoring, so a stale hidden answer never counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django import forms

from openiop.domain.screening import INSTRUMENTS, Instrument, Item, ItemKind
from openiop.domain.screening.rules import AllOf, Answer, AnswerValue, AnyOf, Facts

FIELD_PREFIX = "item_"
_WHOLE = re.compile(r"^-?\d+$")
RADIO_MAX_OPTIONS = 5  # more options than this (CIWA-Ar, COWS) use a drop-down list


def field_name(key: str) -> str:
    return f"{FIELD_PREFIX}{key}"


def item_key(name: str) -> str:
    return name.removeprefix(FIELD_PREFIX)


def _rule_json(rule: object) -> object | None:
    """The skip rule as JSON for the browser script; None for a rule it cannot evaluate."""
    if isinstance(rule, Answer):
        value: object = (
            ("yes" if rule.value else "no") if isinstance(rule.value, bool) else rule.value
        )
        return {"key": rule.key, "op": rule.op, "value": value}
    if isinstance(rule, AnyOf | AllOf):
        parts = [_rule_json(r) for r in rule.rules]
        if any(p is None for p in parts):
            return None
        return {"any" if isinstance(rule, AnyOf) else "all": parts}
    return None


def _option_label(item: Item, value: AnswerValue, label: str) -> str:
    if item.kind is ItemKind.YES_NO:
        return label
    return label if label == str(value) else f"{value}: {label}"


class AnswerField(forms.ChoiceField):
    """A choice field that leaves checking the value to the domain, so that one refusal
    lists every offending item (out of range, wrong type, missing) in the domain's words."""

    def valid_value(self, value: Any) -> bool:
        return True


def _build_field(item: Item) -> forms.Field:
    help_text = ""
    if item.enable_when is not None:
        help_text = f"Asked only if {item.enable_when.describe()}."
    attrs: dict[str, str] = {}
    if item.enable_when is not None:
        rule = _rule_json(item.enable_when)
        if rule is not None:
            attrs["data-enable-when"] = json.dumps(rule)
    if item.kind is ItemKind.COUNT:
        return forms.CharField(
            label=f"{item.key}. {item.label} ({item.minimum}-{item.maximum})",
            required=False,
            help_text=help_text,
            widget=forms.NumberInput(
                attrs={
                    "min": str(item.minimum),
                    "max": str(item.maximum),
                    "step": "1",
                    "inputmode": "numeric",
                    **attrs,
                }
            ),
        )
    if item.kind is ItemKind.YES_NO:
        choices = [("yes", "Yes"), ("no", "No")]
    else:
        choices = [(str(o.value), _option_label(item, o.value, o.label)) for o in item.options]
    widget: forms.Widget
    if len(choices) > RADIO_MAX_OPTIONS:
        widget = forms.Select(attrs=attrs)
        choices = [("", "—"), *choices]
    else:
        widget = forms.RadioSelect(attrs=attrs)
    return AnswerField(
        label=f"{item.key}. {item.label}",
        choices=choices,
        required=False,  # missing answers are named by the domain, never defaulted
        help_text=help_text,
        widget=widget,
    )


def typed(item: Item, raw: str | None) -> object:
    """A posted string as the domain's encoding: "" -> None; otherwise int or bool where it
    parses, else the raw text (which the domain refuses with a message naming the item)."""
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if item.kind is ItemKind.YES_NO:
        return {"yes": True, "no": False}.get(text, text)
    return int(text) if _WHOLE.match(text) else text


def asked_answers(instrument: Instrument, answers: Mapping[str, object]) -> dict[str, object]:
    """`answers` without those to questions the skip logic did not ask (a rule that is
    definitely false given the earlier answers). Unanswered questions stay unanswered."""
    kept: dict[str, object] = {}
    valid: dict[str, AnswerValue] = {}
    disabled: set[str] = set()
    for item in instrument.items:
        given = answers.get(item.key)
        if item.enable_when is not None:
            enabled = item.enable_when.evaluate(Facts(valid, frozenset(disabled)))
            if enabled is False:
                disabled.add(item.key)
                continue
        if given is None:
            continue
        kept[item.key] = given
        if isinstance(given, int):  # bool is an int: both are valid rule inputs
            valid[item.key] = given
    return kept


class ScreeningForm(forms.Form):
    """One field per item of the instrument, named `item_<key>`, all optional at form level."""

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            self.fields[field_name(item.key)] = _build_field(item)

    def answers(self) -> dict[str, object]:
        """The posted answers in the domain encoding, skipped questions removed."""
        raw = {
            item.key: typed(item, self.data.get(field_name(item.key)))
            for item in self.instrument.items
        }
        return asked_answers(self.instrument, {k: v for k, v in raw.items() if v is not None})

    def add_item_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Show the domain's refusals next to the questions they name."""
        for key, messages in errors.items():
            name = field_name(key)
            self.add_error(name if name in self.fields else None, messages)

    def refused(self, errors: Mapping[str, list[str]], answers: Mapping[str, object]) -> bool:
        """Put a refused recording's errors on the form; say whether the answers given so far
        already show an urgent flag (a positive suicide item on an unfinished form shows the
        crisis guidance at once; nothing is saved until the form is complete)."""
        from openiop.domain.screening import requires_urgent_safety_task, score
        from openiop.domain.screening.model import InvalidAnswers

        self.add_item_errors({k: v for k, v in errors.items() if k != "instrument"})
        if "instrument" in errors:
            self.add_error(None, errors["instrument"])
        provable = {k: v for k, v in answers.items() if k not in errors}
        try:
            partial = score(self.instrument.id, provable, allow_incomplete=True)
        except (InvalidAnswers, ValueError):
            return False
        return requires_urgent_safety_task(partial)


def instrument_choices(age: int | None) -> list[tuple[Instrument, bool]]:
    """Every instrument with whether it is offered at this age (CRAFFT: 12 to 21)."""
    from openiop.domain.screening import applicable

    return [
        (instrument, age is None or applicable(instrument.id, age))
        for instrument in INSTRUMENTS.values()
    ]


def band_label(instrument_id: str, band: str) -> str:
    instrument = INSTRUMENTS.get(instrument_id)
    if instrument is None or not band:
        return band
    return next((b.label for b in instrument.bands if b.code == band), band)


def flag_labels(instrument_id: str, flags: list[str]) -> list[tuple[str, str, bool]]:
    """(code, label, urgent) for each flag of a stored result."""
    instrument = INSTRUMENTS.get(instrument_id)
    defined = {f.code: f for f in instrument.flags} if instrument else {}
    return [
        (
            code,
            defined[code].label if code in defined else code,
            defined[code].urgent if code in defined else False,
        )
        for code in flags
    ]


def instrument_name(instrument_id: str) -> str:
    instrument = INSTRUMENTS.get(instrument_id)
    return instrument.edition if instrument else instrument_id
