"""Tapering: propose step down, hold or step up from the evidence, citing every input.

Pure Python. ``recommend_taper`` reads one patient's phase and weeks in it,
weeks without use (self-report, drug screens, relapse events; prescribed medications are not
use), plan progress, community support, measure trends, attendance, safety flags and age, and
returns the decision, the target level, phase and weekly hours, and a reason for every input.
Phases and thresholds are per program in ``TaperPolicy``. See docs/tapering.md.
"""

from openiop.domain.tapering.engine import recommend_taper
from openiop.domain.tapering.model import (
    CommunitySupport,
    Decision,
    DrugScreen,
    MeasureTrend,
    PlanProgress,
    RelapseEvent,
    RelapseSource,
    ReliableChange,
    SafetyFlag,
    Stance,
    TaperInput,
    TaperInputError,
    TaperReason,
    TaperRecommendation,
)
from openiop.domain.tapering.policy import PhaseKind, TaperPhase, TaperPolicy

__all__ = [
    "CommunitySupport",
    "Decision",
    "DrugScreen",
    "MeasureTrend",
    "PhaseKind",
    "PlanProgress",
    "RelapseEvent",
    "RelapseSource",
    "ReliableChange",
    "SafetyFlag",
    "Stance",
    "TaperInput",
    "TaperInputError",
    "TaperPhase",
    "TaperPolicy",
    "TaperReason",
    "TaperRecommendation",
    "recommend_taper",
]
