"""The outcomes dashboard: plain facts in (``facts``), figures out (``metrics.compute``).
Pure Python, no Django."""

from openiop.domain.outcomes.facts import (
    Dashboard,
    EpisodeFact,
    Facts,
    Figure,
    Point,
    ReferralFact,
    ScoreFact,
    ScreenFact,
    WeekFact,
)
from openiop.domain.outcomes.metrics import PeriodError, compute, in_treatment, median, months

__all__ = [
    "Dashboard",
    "EpisodeFact",
    "Facts",
    "Figure",
    "PeriodError",
    "Point",
    "ReferralFact",
    "ScoreFact",
    "ScreenFact",
    "WeekFact",
    "compute",
    "in_treatment",
    "median",
    "months",
]
