"""Reliable change (Jacobson & Truax 1991) for repeated measures.

A change from baseline is *reliable* when it is larger than measurement error alone would
explain at 95% confidence: |latest - baseline| > 1.96 x S_diff, where
S_diff = sqrt(2) x SD x sqrt(1 - r) (Jacobson & Truax, J Consult Clin Psychol 1991;59:12-19,
with the sqrt(2) of Christensen & Mendoza 1986) [S: the formula as given by Blampied, Cogn
Behav Ther 2022, and the CECPfuns R package documentation, read with the search tool].

Values used (every one is configurable per organization through ``ReliabilitySetting``):

| instrument | SD | r | critical change | sources |
|---|---|---|---|---|
| PHQ-9 | 5.5 | 0.89 | 5.06 -> 6 points | r: Cronbach's alpha, Kroenke, Spitzer & Williams 2001 [S]; SD: NHS Talking Therapies 2022-23 start-of-treatment PHQ-9 15.4 (5.5) [S] |
| GAD-7 | 4.5 | 0.92 | 3.53 -> 4 points | r: Cronbach's alpha, Spitzer et al. 2006 [S]; SD: NHS Talking Therapies 2022-23 start-of-treatment GAD-7 14.0 (4.5) [S] |

The resulting whole-point thresholds (6 and 4) agree with the reliable-improvement criteria of
the IAPT / NHS Talking Therapies manual (a fall of 6 or more on the PHQ-9, 4 or more on the
GAD-7) [S], which is a check on the values. Other instruments (SCOFF, BAM) have no values
here: their reliable change is "not computed", shown as such, and never treated as no change.
Higher scores are worse for PHQ-9 and GAD-7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from openiop.domain.tapering import ReliableChange

Z_95 = 1.96


@dataclass(frozen=True)
class ReliabilityValues:
    """What reliable change needs for one instrument's total: SD, reliability and their source."""

    instrument: str
    sd: float
    reliability: float
    source: str
    higher_is_worse: bool = True

    def __post_init__(self) -> None:
        if not self.sd > 0:
            raise ValueError(f"{self.instrument}: SD must be above 0")
        if not 0 <= self.reliability < 1:
            raise ValueError(f"{self.instrument}: reliability must be in [0, 1)")

    @property
    def s_diff(self) -> float:
        """Standard error of the difference between two scores."""
        return math.sqrt(2) * self.sd * math.sqrt(1 - self.reliability)

    @property
    def critical_difference(self) -> float:
        """The smallest change (in points) that is reliable at 95%."""
        return Z_95 * self.s_diff

    def rci(self, baseline: float, latest: float) -> float:
        """The reliable change index (latest - baseline) / S_diff."""
        return (latest - baseline) / self.s_diff

    def classify(self, baseline: float, latest: float) -> ReliableChange:
        change = latest - baseline
        if abs(change) <= self.critical_difference:
            return ReliableChange.NO_CHANGE
        worse = change > 0 if self.higher_is_worse else change < 0
        return ReliableChange.DETERIORATED if worse else ReliableChange.IMPROVED


DEFAULT_RELIABILITY: dict[str, ReliabilityValues] = {
    "phq9": ReliabilityValues(
        "phq9",
        sd=5.5,
        reliability=0.89,
        source="r = 0.89 (Cronbach's alpha, Kroenke et al. 2001); SD = 5.5 (NHS Talking "
        "Therapies 2022-23 start of treatment)",
    ),
    "gad7": ReliabilityValues(
        "gad7",
        sd=4.5,
        reliability=0.92,
        source="r = 0.92 (Cronbach's alpha, Spitzer et al. 2006); SD = 4.5 (NHS Talking "
        "Therapies 2022-23 start of treatment)",
    ),
}
