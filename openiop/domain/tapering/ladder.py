"""The taper ladder seen from the patient's current rung, and what a rule returns."""

from __future__ import annotations

from dataclasses import dataclass

from openiop.domain.tapering.model import Stance, TaperReason
from openiop.domain.tapering.policy import PhaseKind, TaperPhase, TaperPolicy


@dataclass(frozen=True)
class Assessment:
    reason: TaperReason
    target: TaperPhase | None = None


@dataclass(frozen=True)
class Ladder:
    """The current rung and its neighbours on the program's ladder."""

    policy: TaperPolicy
    current: TaperPhase

    def regular(self) -> list[TaperPhase]:
        return [p for p in self.policy.phases if p.kind is PhaseKind.REGULAR]

    def one_up(self) -> TaperPhase | None:
        """The next more intensive IOP phase; step-down phases are never a step-up target."""
        regular = self.regular()
        if self.current.kind is not PhaseKind.REGULAR:
            return regular[-1]
        index = regular.index(self.current)
        return regular[index - 1] if index > 0 else None

    def one_down(self) -> TaperPhase | None:
        phases = list(self.policy.phases)
        index = phases.index(self.current)
        return phases[index + 1] if index + 1 < len(phases) else None

    def at_top(self) -> bool:
        return self.one_up() is None


def reason(
    name: str, stance: Stance, rule: str, facts: tuple[str, ...], text: str, source: str
) -> TaperReason:
    return TaperReason(input=name, stance=stance, rule=rule, facts=facts, text=text, source=source)
