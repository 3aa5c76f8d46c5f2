"""Program phases are configurable within the published ASAM bounds; bad input is refused."""

from dataclasses import replace
from typing import Any

import pytest

from openiop.domain.placement import LevelOfCare
from openiop.domain.tapering import (
    CommunitySupport,
    Decision,
    DrugScreen,
    PhaseKind,
    PlanProgress,
    RelapseEvent,
    RelapseSource,
    TaperInputError,
    TaperPhase,
    TaperPolicy,
    recommend_taper,
)
from openiop.domain.tapering.policy import default_phases
from openiop.domain.tapering.tests.builders import patient, taper

IOP = LevelOfCare.INTENSIVE_OUTPATIENT


def _with(phase_id: str, **changes: Any) -> tuple[TaperPhase, ...]:
    return tuple(replace(p, **changes) if p.id == phase_id else p for p in default_phases())


def test_default_phases_match_issue_6() -> None:
    hours = [(p.id, p.days_per_week, p.hours_per_week) for p in default_phases()]
    assert hours == [
        ("phase-1", 5, 15.0),
        ("phase-2", 4, 12.0),
        ("phase-3", 3, 9.0),
        ("step-down", 2, 6.0),
        ("continuing-care", None, None),
    ]
    assert default_phases()[3].max_weeks == 2


@pytest.mark.parametrize(
    ("phases", "message"),
    [
        (_with("phase-3", hours_per_week=8.0), "9-19 hours"),
        (_with("phase-1", hours_per_week=20.0), "9-19 hours"),
        (_with("step-down", max_weeks=3), "at most 2 weeks"),
        (_with("step-down", max_weeks=None), "at most 2 weeks"),
        (_with("phase-2", hours_per_week=16.0), "must not increase"),
        (_with("phase-2", id="phase-1"), "unique"),
        (_with("phase-1", days_per_week=8), "days_per_week"),
        (default_phases()[3:], "start with at least one regular phase"),
        ((default_phases()[4], *default_phases()[:4]), "start with"),
    ],
)
def test_phases_outside_the_published_bounds_are_refused(
    phases: tuple[TaperPhase, ...], message: str
) -> None:
    with pytest.raises(TaperInputError, match=message):
        TaperPolicy(phases=phases)


def test_step_down_at_the_adult_minimum_needs_no_week_limit() -> None:
    assert TaperPolicy(phases=_with("step-down", hours_per_week=9.0, max_weeks=None))


def test_partial_hospitalisation_needs_twenty_hours() -> None:
    ph = TaperPhase(
        "ph", "PH", PhaseKind.PARTIAL_HOSPITALISATION, LevelOfCare.PARTIAL_HOSPITALISATION, 19.0, 5
    )
    with pytest.raises(TaperInputError, match="20 hours"):
        TaperPolicy(partial_hospitalisation=ph)


def test_inconsistent_thresholds_are_refused() -> None:
    with pytest.raises(TaperInputError, match="low_attendance"):
        TaperPolicy(low_attendance=0.9, min_attendance_for_step_down=0.8)
    with pytest.raises(TaperInputError, match="relapses_for_partial"):
        TaperPolicy(relapses_for_partial_hospitalisation=3, relapses_for_residential=2)
    with pytest.raises(TaperInputError, match=r"2\.5 or 3\.x"):
        TaperPolicy(suicide_risk_high_level=LevelOfCare.INTENSIVE_OUTPATIENT)


def test_a_program_with_two_phases_and_no_step_down() -> None:
    phases = (
        TaperPhase("intensive", "Intensive", PhaseKind.REGULAR, IOP, 12.0, 4, min_weeks=3),
        TaperPhase("light", "Light", PhaseKind.REGULAR, IOP, 9.0, 3, min_weeks=3),
        TaperPhase(
            "aftercare", "Aftercare", PhaseKind.CONTINUING_CARE, LevelOfCare.OUTPATIENT, None, None
        ),
    )
    policy = TaperPolicy(phases=phases)
    assert taper(policy, phase_id="intensive").target_phase == "light"
    assert taper(policy, phase_id="light").target_phase == "aftercare"
    assert taper(policy, phase_id="light", weeks_in_phase=2).decision is Decision.HOLD


def test_unknown_phase_is_refused() -> None:
    with pytest.raises(TaperInputError, match="unknown phase 'phase-9'"):
        recommend_taper(patient(phase_id="phase-9"))


@pytest.mark.parametrize("phase_id", ["partial-hospitalisation", "residential"])
def test_phases_above_the_iop_are_not_tapered_here(phase_id: str) -> None:
    with pytest.raises(TaperInputError, match="not an IOP phase"):
        recommend_taper(patient(phase_id=phase_id))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"attendance_fraction": 1.2}, "attendance_fraction must be 0-1"),
        ({"weeks_in_phase": -1}, "weeks_in_phase"),
        ({"self_reported_weeks_without_use": -2}, "self_reported_weeks_without_use"),
        ({"age": -1}, "age"),
    ],
)
def test_invalid_input_is_refused_naming_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(TaperInputError, match=message):
        patient(**changes)


def test_invalid_parts_are_refused() -> None:
    with pytest.raises(TaperInputError, match="plan behind"):
        PlanProgress(1, 1, -1)
    with pytest.raises(TaperInputError, match="peer_meetings_per_week"):
        CommunitySupport((1, -1))
    with pytest.raises(TaperInputError, match="drug screen weeks_ago"):
        DrugScreen(-1)
    with pytest.raises(TaperInputError, match="relapse weeks_ago"):
        RelapseEvent(-1, RelapseSource.OTHER)
