"""Declarative conditions used by instrument definitions: skip logic, bands and flags.

A rule is a small frozen dataclass that answers a yes/no question about a set of answers. Rules
use three-valued logic: `True`, `False`, or `None` when the answer cannot be known yet because an
item it depends on is unanswered. Strict scoring never sees `None` (a missing answer is refused
first); the partial mode of `score(..., allow_incomplete=True)` relies on it so that, for example,
a positive PHQ-9 item 9 still raises its safety flag on a half-finished form, while nothing is
ever concluded from an unanswered item.

An item that skip logic did not ask ("disabled") is definitely not endorsed: rules about it are
`False`, never `None`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

AnswerValue = int | bool
Operator = Literal["==", ">", ">="]


@dataclass(frozen=True)
class Setting:
    """A threshold that is clinical policy rather than published fact: configurable per program.

    The instrument declares it (name, default, allowed range, source) in `Instrument.settings`.
    """

    name: str


Threshold = int | Setting


@dataclass(frozen=True)
class Facts:
    """What the rules may look at: validated answers, item points, total, subscores, band."""

    answers: Mapping[str, AnswerValue]
    disabled: frozenset[str] = frozenset()
    points: Mapping[str, int] = field(default_factory=dict)
    total: int | None = None
    subscores: Mapping[str, int] = field(default_factory=dict)
    band: str | None = None
    settings: Mapping[str, int] = field(default_factory=dict)

    def threshold(self, value: Threshold) -> int:
        """Resolve a literal or a configurable threshold."""
        return self.settings[value.name] if isinstance(value, Setting) else value


class Rule(Protocol):
    """A condition over `Facts`; see the module docstring for the three-valued logic."""

    def evaluate(self, facts: Facts) -> bool | None: ...

    def item_keys(self) -> frozenset[str]: ...

    def setting_names(self) -> frozenset[str]: ...

    def describe(self) -> str: ...


def _names(*values: Threshold | None) -> frozenset[str]:
    return frozenset(v.name for v in values if isinstance(v, Setting))


def _show(value: Threshold) -> str:
    return f"setting {value.name}" if isinstance(value, Setting) else str(value)


def _same(left: AnswerValue, right: AnswerValue) -> bool:
    # bool is a subclass of int: True must not equal 1 here.
    return type(left) is type(right) and left == right


@dataclass(frozen=True)
class Answer:
    """The answer to one item compared with a value (`==` is type-strict: True is not 1)."""

    key: str
    op: Operator
    value: AnswerValue

    def evaluate(self, facts: Facts) -> bool | None:
        if self.key in facts.disabled:
            return False
        if self.key not in facts.answers:
            return None
        given = facts.answers[self.key]
        if self.op == "==":
            return _same(given, self.value)
        if isinstance(given, bool):
            return False
        return given > self.value if self.op == ">" else given >= self.value

    def item_keys(self) -> frozenset[str]:
        return frozenset({self.key})

    def setting_names(self) -> frozenset[str]:
        return frozenset()

    def describe(self) -> str:
        if isinstance(self.value, bool):
            return f"item {self.key} is {'yes' if self.value else 'no'}"
        return f"item {self.key} {self.op} {self.value}"


@dataclass(frozen=True)
class Total:
    """The total lies within [at_least, at_most] (either bound optional)."""

    at_least: Threshold | None = None
    at_most: Threshold | None = None

    def evaluate(self, facts: Facts) -> bool | None:
        if facts.total is None:
            return None
        return _within(facts, facts.total, self.at_least, self.at_most)

    def item_keys(self) -> frozenset[str]:
        return frozenset()

    def setting_names(self) -> frozenset[str]:
        return _names(self.at_least, self.at_most)

    def describe(self) -> str:
        return _describe_range("total", self.at_least, self.at_most)


@dataclass(frozen=True)
class Subscore:
    """A named subscore lies within [at_least, at_most]."""

    name: str
    at_least: Threshold | None = None
    at_most: Threshold | None = None

    def evaluate(self, facts: Facts) -> bool | None:
        if self.name not in facts.subscores:
            return None
        return _within(facts, facts.subscores[self.name], self.at_least, self.at_most)

    def item_keys(self) -> frozenset[str]:
        return frozenset()

    def setting_names(self) -> frozenset[str]:
        return _names(self.at_least, self.at_most)

    def describe(self) -> str:
        return _describe_range(f"subscore {self.name}", self.at_least, self.at_most)


@dataclass(frozen=True)
class CountAtLeast:
    """At least `count` of `keys` scored `points_at_least` points or more (PCL-5 clusters)."""

    keys: tuple[str, ...]
    points_at_least: int
    count: int

    def evaluate(self, facts: Facts) -> bool | None:
        hits = sum(1 for k in self.keys if facts.points.get(k, -1) >= self.points_at_least)
        unknown = sum(1 for k in self.keys if k not in facts.points and k not in facts.disabled)
        if hits >= self.count:
            return True
        return None if hits + unknown >= self.count else False

    def item_keys(self) -> frozenset[str]:
        return frozenset(self.keys)

    def setting_names(self) -> frozenset[str]:
        return frozenset()

    def describe(self) -> str:
        items = ", ".join(self.keys)
        return f"at least {self.count} of items {items} scored >= {self.points_at_least}"


@dataclass(frozen=True)
class BandIs:
    """The instrument's band (computed before flags) is `code`."""

    code: str

    def evaluate(self, facts: Facts) -> bool | None:
        return None if facts.band is None else facts.band == self.code

    def item_keys(self) -> frozenset[str]:
        return frozenset()

    def setting_names(self) -> frozenset[str]:
        return frozenset()

    def describe(self) -> str:
        return f"band is {self.code}"


@dataclass(frozen=True)
class Always:
    """Always true: the last, catch-all band of a rule-based band list."""

    def evaluate(self, facts: Facts) -> bool | None:
        return True

    def item_keys(self) -> frozenset[str]:
        return frozenset()

    def setting_names(self) -> frozenset[str]:
        return frozenset()

    def describe(self) -> str:
        return "otherwise"


@dataclass(frozen=True)
class AnyOf:
    """True if any rule is true; unknown if none is true but some are unknown."""

    rules: tuple[Rule, ...]

    def evaluate(self, facts: Facts) -> bool | None:
        results = [rule.evaluate(facts) for rule in self.rules]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False

    def item_keys(self) -> frozenset[str]:
        return frozenset().union(*(r.item_keys() for r in self.rules))

    def setting_names(self) -> frozenset[str]:
        return frozenset().union(*(r.setting_names() for r in self.rules))

    def describe(self) -> str:
        return "(" + " or ".join(r.describe() for r in self.rules) + ")"


@dataclass(frozen=True)
class AllOf:
    """True if every rule is true; unknown if none is false but some are unknown."""

    rules: tuple[Rule, ...]

    def evaluate(self, facts: Facts) -> bool | None:
        results = [rule.evaluate(facts) for rule in self.rules]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True

    def item_keys(self) -> frozenset[str]:
        return frozenset().union(*(r.item_keys() for r in self.rules))

    def setting_names(self) -> frozenset[str]:
        return frozenset().union(*(r.setting_names() for r in self.rules))

    def describe(self) -> str:
        return "(" + " and ".join(r.describe() for r in self.rules) + ")"


def any_of(*rules: Rule) -> AnyOf:
    """Shorthand for `AnyOf((...))`."""
    return AnyOf(tuple(rules))


def all_of(*rules: Rule) -> AllOf:
    """Shorthand for `AllOf((...))`."""
    return AllOf(tuple(rules))


def _within(facts: Facts, value: int, low: Threshold | None, high: Threshold | None) -> bool:
    if low is not None and value < facts.threshold(low):
        return False
    return not (high is not None and value > facts.threshold(high))


def _describe_range(what: str, low: Threshold | None, high: Threshold | None) -> str:
    if low is not None and high is not None:
        return f"{what} {_show(low)}-{_show(high)}"
    if low is not None:
        return f"{what} >= {_show(low)}"
    if high is not None:
        return f"{what} <= {_show(high)}"
    return f"{what} any"
