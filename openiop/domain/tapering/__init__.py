"""Tapering: propose step down, hold or step up from the evidence, citing every input.

Pure Python. ``recommend_taper`` reads one patient's phase and weeks in it,
weeks without use (self-report, drug screens, relapse events; prescribed medications are not
use), plan progress, community support, measure trends, attendance, safety flags and age, and
returns the decision, the target level, phase and weekly hours, and a reason for every input.
Phases and thresholds are per program in ``TaperPolicy``. What it reads from the past (a
look-back for screens and relapse events, 26 weeks by default; attendance over the last
complete weeks, 4 by default, a week without any record counting as missed; both program
policy in ``TaperPolicy``) is in ``window``. See docs/tapering.md.
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
from openiop.domain.tapering.policy import (
    ATTENDANCE_WEEKS_BOUNDS,
    LOOKBACK_WEEKS_BOUNDS,
    PhaseKind,
    TaperPhase,
    TaperPolicy,
    window_problems,
)
from openiop.domain.tapering.window import (
    ATTENDANCE_WEEKS,
    LOOKBACK_WEEKS,
    AttendanceSummary,
    WeekAttendance,
    attendance_weeks,
    look_back_weeks,
    weekly_attendance,
)

__all__ = [
    "ATTENDANCE_WEEKS",
    "ATTENDANCE_WEEKS_BOUNDS",
    "LOOKBACK_WEEKS",
    "LOOKBACK_WEEKS_BOUNDS",
    "AttendanceSummary",
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
    "WeekAttendance",
    "attendance_weeks",
    "look_back_weeks",
    "recommend_taper",
    "weekly_attendance",
    "window_problems",
]
