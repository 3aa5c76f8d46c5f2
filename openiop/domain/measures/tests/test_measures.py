"""Measurement-based care rules (no database): reliable change, measure schedules, trajectory
chart geometry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from openiop.domain.measures.reliable_change import DEFAULT_RELIABILITY, ReliabilityValues
from openiop.domain.measures.schedule import ScheduledMeasure, default_schedule, due_measures
from openiop.domain.measures.trajectory import band_ranges, build_chart
from openiop.domain.screening import INSTRUMENTS
from openiop.domain.tapering import ReliableChange


def test_reliable_change_thresholds_match_the_published_criteria() -> None:
    # 6 points on the PHQ-9 and 4 on the GAD-7 (IAPT / NHS Talking Therapies) [S].
    phq9, gad7 = DEFAULT_RELIABILITY["phq9"], DEFAULT_RELIABILITY["gad7"]
    assert 5 < phq9.critical_difference < 6
    assert 3 < gad7.critical_difference < 4
    assert phq9.classify(15, 10) is ReliableChange.NO_CHANGE
    assert phq9.classify(15, 9) is ReliableChange.IMPROVED
    assert phq9.classify(8, 14) is ReliableChange.DETERIORATED
    assert gad7.classify(12, 8) is ReliableChange.IMPROVED


def test_reliability_values_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        ReliabilityValues("x", sd=0, reliability=0.8, source="s")
    with pytest.raises(ValueError):
        ReliabilityValues("x", sd=5, reliability=1.0, source="s")


def test_default_schedules_follow_the_track_kind() -> None:
    assert {m.instrument for m in default_schedule("mental_health")} == {"phq9", "gad7"}
    assert ScheduledMeasure("bam", 4) in default_schedule("substance_use")
    assert ScheduledMeasure("scoff", 4) in default_schedule("eating_disorders")
    assert all(m.every_weeks == 2 for m in default_schedule("adolescents"))


def test_a_measure_never_given_is_due_on_the_first_day_then_every_n_weeks() -> None:
    start, today = date(2026, 10, 5), date(2026, 11, 2)
    schedule = [ScheduledMeasure("phq9", 2), ScheduledMeasure("bam", 4)]
    due = due_measures(schedule, starts_on=start, last_given={}, today=today)
    assert [(d.instrument, d.due_on) for d in due] == [("bam", start), ("phq9", start)]
    last = {"phq9": today - timedelta(days=3), "bam": today - timedelta(weeks=4)}
    due = due_measures(schedule, starts_on=start, last_given=last, today=today)
    assert [d.instrument for d in due] == ["bam"]
    assert due_measures(schedule, starts_on=start, last_given=last, today=today, horizon_days=11)


def test_a_score_from_before_the_enrolment_does_not_count_as_its_baseline() -> None:
    start = date(2026, 10, 5)
    due = due_measures(
        [ScheduledMeasure("phq9", 2)],
        starts_on=start,
        last_given={"phq9": start - timedelta(days=60)},
        today=start + timedelta(days=1),
    )
    assert due and due[0].due_on == start and due[0].last_on is None


def test_bands_are_read_from_the_instrument_definition() -> None:
    assert band_ranges(INSTRUMENTS["phq9"]) == [
        ("None/minimal", 0, 4),
        ("Mild", 5, 9),
        ("Moderate", 10, 14),
        ("Moderately severe", 15, 19),
        ("Severe", 20, 27),
    ]


def test_the_chart_marks_reliable_change_and_describes_itself() -> None:
    start = date(2026, 9, 1)
    scores = [(start + timedelta(weeks=2 * i), float(t), "b") for i, t in enumerate((18, 15, 10))]
    chart = build_chart(INSTRUMENTS["phq9"], scores, DEFAULT_RELIABILITY["phq9"])
    assert [p.marker for p in chart.points] == ["rc-none", "rc-none", "rc-better"]
    assert chart.points[0].y > chart.plot_top and chart.points[-1].x == chart.plot_right
    assert len(chart.bands) == 5 and chart.corridor is not None
    assert "reliable improvement" in chart.summary and "3 scores" in chart.summary


def test_a_chart_without_reliability_values_says_so() -> None:
    chart = build_chart(INSTRUMENTS["scoff"], [(date(2026, 9, 1), 2.0, "Possible case")], None)
    assert chart.corridor is None and "not computed" in chart.summary
