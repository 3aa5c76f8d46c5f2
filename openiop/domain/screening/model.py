"""The shape of an instrument definition and of a score: frozen dataclasses, no behaviour beyond
checking that a definition is internally consistent.

Conventions of the answer encoding (the contract of `openiop score` and the REST API):

- keys are the 1-based item numbers as strings (`"1"`, `"2"`, ...), plus the instrument's own
  sub-item keys (`"6b"` in the C-SSRS, `"a1"`/`"b1"` in the CRAFFT, `"7a"` in the BAM);
- a *points* item takes the option's points as an `int` (a bool, a float such as `2.0` or a
  string such as `"2"` is refused);
- a *yes/no* item takes `true`/`false` as the person answered; reversals (DAST-10 item 3) are the
  scorer's job, stored in the options' points;
- a *count* item takes a whole number within its range (days, for example).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from openiop.domain.screening.loinc import is_valid_loinc
from openiop.domain.screening.rules import AnswerValue, Rule, Total


class ItemKind(enum.Enum):
    """How an item is answered."""

    POINTS = "points"
    YES_NO = "yes_no"
    COUNT = "count"


@dataclass(frozen=True)
class AnswerOption:
    """One permitted answer and the points it scores (`loinc` = its LOINC answer code, LA...)."""

    value: AnswerValue
    points: int
    label: str
    loinc: str | None = None


@dataclass(frozen=True)
class Bin:
    """A count range scoring `points` (the BAM's Likert conversion of day counts)."""

    low: int
    high: int
    points: int


@dataclass(frozen=True)
class Item:
    """One question. `label` is a short label in our own words, not the licensed wording.

    `enable_when` is the skip logic: when it is false the item is not asked and must be left out
    (or given as null, or as its "none" answer: `false` / `0`). `not_above` names an earlier item
    whose answer this one may not exceed (BAM: heavy-drinking days <= drinking days).
    """

    key: str
    label: str
    kind: ItemKind
    options: tuple[AnswerOption, ...] = ()
    minimum: int = 0
    maximum: int = 0
    bins: tuple[Bin, ...] = ()
    enable_when: Rule | None = None
    not_above: str | None = None
    loinc: str | None = None

    def __post_init__(self) -> None:
        if self.kind is ItemKind.COUNT:
            if self.options or self.maximum <= self.minimum:
                raise ValueError(f"count item {self.key}: needs a range and no options")
            covered = [n for b in self.bins for n in range(b.low, b.high + 1)]
            if self.bins and covered != list(range(self.minimum, self.maximum + 1)):
                raise ValueError(f"count item {self.key}: bins must tile its range exactly")
            return
        values = [o.value for o in self.options]
        if len(set(map(repr, values))) != len(values) or not values:
            raise ValueError(f"item {self.key}: options must be present and distinct")
        if self.kind is ItemKind.YES_NO and sorted(map(repr, values)) != ["False", "True"]:
            raise ValueError(f"yes/no item {self.key}: options must be exactly true and false")
        if self.kind is ItemKind.POINTS and any(
            isinstance(v, bool) or v != o.points for v, o in zip(values, self.options, strict=True)
        ):
            raise ValueError(f"points item {self.key}: each option's value is its points")

    @property
    def scored(self) -> bool:
        """Whether the item has points (CRAFFT part A day counts, for instance, do not)."""
        return self.kind is not ItemKind.COUNT or bool(self.bins)

    @property
    def none_value(self) -> AnswerValue | None:
        """The answer meaning "none" that a skipped item may carry (`false` / `0`)."""
        if self.kind is ItemKind.YES_NO:
            return False
        return 0 if self.kind is ItemKind.COUNT else None

    def points_for(self, value: AnswerValue) -> int | None:
        """Points scored by a valid answer, or None for an unscored item."""
        if self.kind is ItemKind.COUNT:
            return next((b.points for b in self.bins if b.low <= value <= b.high), None)
        for option in self.options:
            if type(option.value) is type(value) and option.value == value:
                return option.points
        raise ValueError(f"item {self.key}: {value!r} is not an option")

    def min_points(self) -> int:
        return min(self._all_points(), default=0)

    def max_points(self) -> int:
        return max(self._all_points(), default=0)

    def _all_points(self) -> list[int]:
        if self.kind is ItemKind.COUNT:
            return [b.points for b in self.bins]
        return [o.points for o in self.options]


@dataclass(frozen=True)
class Subscale:
    """A named sum of item points (disabled items count 0: they were skipped as not applicable)."""

    code: str
    label: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    """An interpretation band. Bands are tried in order; the first whose rule holds applies."""

    code: str
    label: str
    when: Rule

    @classmethod
    def range(cls, code: str, label: str, low: int, high: int) -> Band:
        """A band over the total, both ends inclusive."""
        return cls(code, label, Total(at_least=low, at_most=high))


@dataclass(frozen=True)
class Flag:
    """A named finding a clinician must see; `urgent` ones require an urgent safety task."""

    code: str
    label: str
    when: Rule
    source: str
    urgent: bool = False


@dataclass(frozen=True)
class SettingDef:
    """A configurable threshold: its default, allowed range and why it is configurable."""

    name: str
    default: int
    minimum: int
    maximum: int
    description: str

    def __post_init__(self) -> None:
        if not self.minimum <= self.default <= self.maximum:
            raise ValueError(f"setting {self.name}: default outside its range")


@dataclass(frozen=True)
class Instrument:
    """A screening instrument as data. `version` is the version of *our* definition; `edition`
    the published form it encodes. LOINC codes are present only where verified (see docs)."""

    id: str
    name: str
    edition: str
    version: str
    source: str
    items: tuple[Item, ...]
    total_items: tuple[str, ...] | None
    subscales: tuple[Subscale, ...] = ()
    bands: tuple[Band, ...] = ()
    flags: tuple[Flag, ...] = ()
    settings: tuple[SettingDef, ...] = ()
    loinc_panel: str | None = None
    loinc_total: str | None = None
    loinc_band: str | None = None
    min_age: int | None = None
    max_age: int | None = None

    def __post_init__(self) -> None:
        keys = [item.key for item in self.items]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.id}: duplicate item keys")
        setting_names = {s.name for s in self.settings}
        for index, item in enumerate(self.items):
            earlier = set(keys[:index])
            rule = item.enable_when
            if rule is not None and not rule.item_keys() <= earlier:
                raise ValueError(f"{self.id}: item {item.key} skip rule must use earlier items")
            if item.not_above is not None and item.not_above not in earlier:
                raise ValueError(f"{self.id}: item {item.key} not_above must be an earlier item")
        grouped = [*(self.total_items or ()), *(k for s in self.subscales for k in s.items)]
        rules = [b.when for b in self.bands] + [f.when for f in self.flags]
        used = set(grouped).union(*(r.item_keys() for r in rules))
        if not used <= set(keys):
            raise ValueError(f"{self.id}: rules use unknown items {sorted(used - set(keys))}")
        if any(not self.item(k).scored for k in grouped):
            raise ValueError(f"{self.id}: total and subscales may only use scored items")
        needed = set().union(*(r.setting_names() for r in rules))
        if not needed <= setting_names:
            raise ValueError(f"{self.id}: undeclared settings {sorted(needed - setting_names)}")
        codes = [
            self.loinc_panel,
            self.loinc_total,
            self.loinc_band,
            *(i.loinc for i in self.items),
        ]
        bad = [c for c in codes if c is not None and not is_valid_loinc(c)]
        if bad:
            raise ValueError(f"{self.id}: invalid LOINC codes {bad}")

    def item(self, key: str) -> Item:
        """The item with this key (KeyError if there is none)."""
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @property
    def total_range(self) -> tuple[int, int] | None:
        """The lowest and highest possible total, or None if the instrument has no total."""
        if self.total_items is None:
            return None
        items = [self.item(k) for k in self.total_items]
        return sum(i.min_points() for i in items), sum(i.max_points() for i in items)

    def resolve_settings(self, overrides: Mapping[str, int] | None = None) -> dict[str, int]:
        """Defaults merged with a program's overrides; unknown or out-of-range ones raise."""
        resolved = {s.name: s.default for s in self.settings}
        for name, value in (overrides or {}).items():
            definition = next((s for s in self.settings if s.name == name), None)
            if definition is None:
                raise ValueError(f"{self.id}: unknown setting {name!r}")
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{self.id}: setting {name} must be a whole number")
            if not definition.minimum <= value <= definition.maximum:
                raise ValueError(
                    f"{self.id}: setting {name} must be {definition.minimum}-{definition.maximum}"
                )
            resolved[name] = value
        return resolved


@dataclass(frozen=True)
class ScoreResult:
    """A score. `to_dict()` is the public contract: exactly six keys.

    `version` and `answers` (the validated answers actually asked) are kept for storage in a
    QuestionnaireResponse-like record, see `response.py`.
    """

    instrument: str
    total: int | None
    band: str | None
    subscores: Mapping[str, int]
    flags: tuple[str, ...]
    complete: bool
    version: str = ""
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "instrument": self.instrument,
            "total": self.total,
            "band": self.band,
            "subscores": dict(self.subscores),
            "flags": list(self.flags),
            "complete": self.complete,
        }


class ScreeningError(ValueError):
    """Base class of the errors the screening package raises for bad input."""


class UnknownInstrument(ScreeningError):
    """No instrument has this id."""

    def __init__(self, instrument_id: object, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown instrument {instrument_id!r}; known: {', '.join(known)}")
        self.instrument_id = instrument_id


@dataclass(frozen=True)
class AnswerError:
    """One refused answer: the item key (`*` for the whole payload), a code and a message.

    Codes: missing, unknown_item, wrong_type, out_of_range, not_asked, inconsistent, not_an_object.
    """

    item: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"item": self.item, "code": self.code, "message": self.message}


class InvalidAnswers(ScreeningError):
    """Answers were refused. `errors` names every offending item; so does the message."""

    def __init__(self, instrument_id: str, errors: tuple[AnswerError, ...]) -> None:
        details = "; ".join(
            e.message if e.item == "*" else f"item {e.item}: {e.message}" for e in errors
        )
        super().__init__(f"{instrument_id}: invalid or incomplete answers: {details}")
        self.instrument_id = instrument_id
        self.errors = errors

    @property
    def items(self) -> tuple[str, ...]:
        """The offending item keys, in instrument order (unknown keys last)."""
        return tuple(e.item for e in self.errors)
