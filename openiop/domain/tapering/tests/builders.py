"""Test builders: a patient ready to step down, changed in one place per test."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from openiop.domain.tapering import (
    CommunitySupport,
    DrugScreen,
    MeasureTrend,
    PlanProgress,
    ReliableChange,
    TaperInput,
    TaperPolicy,
    TaperRecommendation,
    recommend_taper,
)

ALL_INPUTS = frozenset(
    {
        "phase",
        "weeks_without_use",
        "relapse",
        "plan",
        "community",
        "measures",
        "attendance",
        "safety",
        "age",
        "decision",
    }
)

READY = TaperInput(
    age=34,
    phase_id="phase-2",
    weeks_in_phase=3,
    self_reported_weeks_without_use=10,
    attendance_fraction=0.95,
    plan=PlanProgress(met=2, on_track=3, behind=0),
    community=CommunitySupport((2, 2, 3, 3), sponsor_or_mentor=True, sober_supports=1),
    screens=(DrugScreen(weeks_ago=1), DrugScreen(weeks_ago=3)),
    measures=(
        MeasureTrend("phq9", 16, 7, ReliableChange.IMPROVED),
        MeasureTrend("bam-use", 6, 4, ReliableChange.NO_CHANGE),
    ),
)


def patient(**changes: Any) -> TaperInput:
    return replace(READY, **changes)


def taper(policy: TaperPolicy | None = None, **changes: Any) -> TaperRecommendation:
    rec = recommend_taper(patient(**changes), policy)
    assert rec.inputs_cited == ALL_INPUTS, "every input must be cited"
    return rec
