"""Peer recovery support contacts and social needs as tapering inputs (no database)."""

from __future__ import annotations

import pytest

from openiop.domain.tapering import (
    CommunitySupport,
    Decision,
    Stance,
    TaperInputError,
    recommend_taper,
)
from openiop.domain.tapering.tests.builders import ALL_INPUTS, patient, taper


def test_defaults_keep_the_rule_as_it_was() -> None:
    c = CommunitySupport((2, 2, 3, 3), sponsor_or_mentor=True)
    assert c.peer_contacts_per_week == () and c.needs_open == () and c.needs_resolved == ()
    assert c.engagement_per_week == (2, 2, 3, 3)
    rec = taper(community=c)
    assert rec.decision is Decision.STEP_DOWN
    assert not any(f.startswith("peer_contacts") for f in rec.reason("community").facts)
    assert "peer meetings a week" in rec.reason("community").text


def test_a_peer_contact_counts_as_engagement_for_its_week() -> None:
    # One meeting short every week; a peer recovery support contact each week makes it up.
    short = CommunitySupport((0, 1, 0, 0), sponsor_or_mentor=True)
    assert taper(community=short).decision is Decision.HOLD
    helped = CommunitySupport(
        (0, 1, 0, 0), sponsor_or_mentor=True, peer_contacts_per_week=(1, 0, 1, 1)
    )
    rec = taper(community=helped)
    assert rec.decision is Decision.STEP_DOWN
    reason = rec.reason("community")
    assert reason.stance is Stance.FOR_STEP_DOWN
    assert "peer meetings or peer support contacts" in reason.text
    assert "engagement_per_week=[1, 1, 1, 1]" in reason.facts
    assert "Peer Recovery Support Services" in reason.source


def test_at_most_one_contact_counts_a_week() -> None:
    # Five texts in one week are one week of engagement, not five meetings.
    c = CommunitySupport((0, 0, 0, 0), sponsor_or_mentor=True, peer_contacts_per_week=(0, 0, 5, 0))
    assert c.engagement_per_week == (0, 0, 1, 0)
    rec = taper(community=c)
    assert rec.decision is Decision.HOLD
    assert (
        "fewer than 1 peer meetings or peer support contacts a week" in rec.reason("community").text
    )


def test_contacts_do_not_hide_a_fall_in_meetings() -> None:
    c = CommunitySupport((4, 4, 1, 1), sponsor_or_mentor=True, peer_contacts_per_week=(0, 0, 1, 1))
    rec = taper(community=c)
    assert rec.decision is Decision.HOLD
    assert "falling" in rec.reason("community").text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"peer_contacts_per_week": (1, -1, 0, 0)}, "peer_contacts_per_week must not be negative"),
        ({"peer_contacts_per_week": (1, 1)}, "same weeks as peer_meetings_per_week"),
    ],
)
def test_invalid_contacts_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(TaperInputError, match=message):
        CommunitySupport((1, 1, 1, 1), **changes)  # type: ignore[arg-type]


def test_no_needs_on_record_adds_no_reason() -> None:
    rec = taper()
    assert "social_needs" not in rec.inputs_cited


def _needs(**changes: object) -> CommunitySupport:
    return CommunitySupport((2, 2, 3, 3), sponsor_or_mentor=True, **changes)  # type: ignore[arg-type]


def test_an_open_housing_need_is_a_caution_that_does_not_change_the_decision() -> None:
    rec = recommend_taper(patient(community=_needs(needs_open=("housing",))))
    assert rec.inputs_cited == ALL_INPUTS | {"social_needs"}
    assert rec.decision is Decision.STEP_DOWN
    reason = rec.reason("social_needs")
    assert reason.stance is Stance.NEUTRAL
    assert reason.rule == "TP-NEEDS"
    assert "An open housing need: stepping down may wait until it is met." in reason.text
    assert "TIP 47" in reason.source


def test_an_open_safety_need_is_named() -> None:
    rec = recommend_taper(patient(community=_needs(needs_open=("safety", "food"))))
    text = rec.reason("social_needs").text
    assert "An open need for safety at home: stepping down may wait until it is met." in text
    assert "Still open: food." in text
    assert rec.decision is Decision.STEP_DOWN


def test_resolved_needs_are_named_without_caution() -> None:
    rec = recommend_taper(patient(community=_needs(needs_resolved=("housing", "transportation"))))
    reason = rec.reason("social_needs")
    assert reason.text == "Met during treatment: housing, transportation."
    assert "needs_open=none" in reason.facts
    assert "may wait" not in reason.text


def test_a_hold_stays_a_hold_with_needs() -> None:
    rec = recommend_taper(
        patient(
            attendance_fraction=0.4,
            community=_needs(needs_open=("housing",), needs_resolved=("food",)),
        )
    )
    assert rec.decision is Decision.HOLD
    assert rec.reason("social_needs").stance is Stance.NEUTRAL
