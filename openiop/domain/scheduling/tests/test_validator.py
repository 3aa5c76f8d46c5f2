"""The validator catches each hard constraint of iop-week/1, one test per violation."""

from __future__ import annotations

from typing import Any

import pytest

from openiop.domain.scheduling import count_changes, validate
from openiop.domain.scheduling.tests.factories import (
    group,
    problem,
    problem_dict,
    solution,
    valid_groups,
)


def _errors(groups: list[dict[str, Any]], **changes: Any) -> tuple[str, ...]:
    report = validate(problem(**changes), solution(groups))
    assert not report.valid
    return report.errors


def _with(index: int, **fields: Any) -> list[dict[str, Any]]:
    groups = valid_groups()
    groups[index].update(fields)
    return groups


def test_the_hand_made_schedule_is_valid_with_no_shortfall() -> None:
    report = validate(problem(), solution(valid_groups()))
    assert report.valid, report.errors
    assert report.shortfall_hours == 0
    assert report.patients_meeting_minimum == 7
    assert report.groups == 6
    assert report.counselor_hours == {"c1": 9.0, "c2": 3.0, "c3": 6.0}
    assert report.to_dict()["valid"] is True


def test_shortfall_sums_the_hours_below_each_minimum() -> None:
    report = validate(problem(), solution(valid_groups()[:4]))  # p4 and p5 lose 3 h each
    assert report.valid
    assert report.shortfall_hours == 3 + 6  # p4 keeps tue-am, p5 has nothing
    assert report.patients_meeting_minimum == 5


# Constraint 1: every group names a known track, block, counselor and room.
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("track", "gambling", "[1] group g1: unknown track 'gambling'"),
        ("block", "sun-am", "[1] group g1: unknown block 'sun-am'"),
        ("counselor", "c9", "[1] group g1: unknown counselor 'c9'"),
        ("room", "z9", "[1] group g1: unknown room 'z9'"),
        ("patients", ["p1", "p2", "p99"], "[1] group g1: unknown patient 'p99'"),
        ("patients", ["p1", "p2", "p2"], "[1] group g1: lists patient 'p2' twice"),
    ],
)
def test_unknown_references_are_caught(field: str, value: Any, message: str) -> None:
    assert message in _errors(_with(0, **{field: value}))


def test_a_group_id_used_twice_is_caught() -> None:
    assert "[1] group id 'g1' is used 2 times" in _errors(_with(1, id="g1"))


# Constraint 2: group size within the track's min_group..max_group and the room's capacity.
def test_a_group_below_min_group_is_caught() -> None:
    errors = _errors(_with(2, patients=["p6"]))
    assert "[2] group g3: 1 patients, outside mh's 2..3" in errors


def test_a_group_above_max_group_is_caught() -> None:
    groups = [*valid_groups()[:4], group("g9", "mh", "wed-am", "c2", "v1", "p5", "p6", "p7", "p1")]
    assert "[2] group g9: 4 patients, outside mh's 2..3" in _errors(groups)


def test_a_group_above_room_capacity_is_caught() -> None:
    errors = _errors(_with(1, room="a2"))
    assert "[2] group g2: 4 patients exceed room a2's capacity 3" in errors


# Constraint 3: counselor credentialed, available, right site, one group a block, max_hours.
def test_a_counselor_not_credentialed_for_the_track_is_caught() -> None:
    assert "[3] group g3: counselor c1 is not credentialed for mh" in _errors(
        _with(2, counselor="c1")
    )


def test_a_counselor_not_available_in_the_block_is_caught() -> None:
    groups = _with(4, counselor="c3", track="mh", room="b1", patients=["p6", "p7"])
    assert "[3] group g5: counselor c3 is not available in block wed-am" in _errors(groups)


def test_a_counselor_at_the_wrong_site_is_caught() -> None:
    errors = _errors(
        _with(5, counselor="c3", track="mh", block="mon-am", room="a2", patients=["p5", "p4"])
    )
    assert "[3] group g6: counselor c3 works at B, room a2 is at A" in errors


def test_a_counselor_leading_two_groups_in_one_block_is_caught() -> None:
    groups = [*valid_groups()[:1], group("g9", "sud", "mon-am", "c1", "a2", "p4", "p5")]
    assert "[3] counselor c1 leads 2 groups in block mon-am: g1, g9" in _errors(groups)


def test_a_counselor_over_max_hours_is_caught() -> None:
    groups = valid_groups()
    groups[0]["counselor"] = groups[1]["counselor"] = "c2"  # c2 may work 6 h; now 3 + 3 + 3
    assert "[3] counselor c2: 9 h exceed max_hours 6" in _errors(groups)


# Constraint 4: the room is available in the block and holds one group at a time.
def test_a_room_not_available_in_the_block_is_caught() -> None:
    groups = _with(5, room="a2", patients=["p4", "p5"])
    assert "[4] group g6: room a2 is not available in block mon-pm" in _errors(groups)


def test_a_room_holding_two_groups_in_one_block_is_caught() -> None:
    groups = [*valid_groups()[:1], group("g9", "sud", "mon-am", "c2", "a1", "p4", "p5")]
    assert "[4] room a1 holds 2 groups in block mon-am: g1, g9" in _errors(groups)


# Constraint 5: the patient's own tracks, free blocks, one group a block, max_blocks_per_day,
# their site or a virtual room when telehealth_ok, max_hours.
def test_a_patient_outside_their_tracks_is_caught() -> None:
    groups = [*valid_groups()[:4], group("g9", "mh", "wed-am", "c2", "b1", "p6", "p7", "p1")]
    assert "[5] group g9: patient p1 is not in track mh" in _errors(groups)


def test_a_patient_outside_their_free_blocks_is_caught() -> None:
    patients = problem_dict()["patients"]
    patients[0]["blocks"] = ["mon-am", "wed-am"]
    errors = _errors(valid_groups(), patients=patients)
    assert "[5] group g2: patient p1 is not free in block tue-am" in errors


def test_a_patient_in_two_groups_in_one_block_is_caught() -> None:
    groups = [*valid_groups(), group("g9", "mh", "mon-am", "c2", "v1", "p5", "p1")]
    assert "[5] patient p1 is in 2 groups in block mon-am: g1, g9" in _errors(groups)


def test_a_patient_over_max_blocks_per_day_is_caught() -> None:
    groups = _with(5, patients=["p4", "p5", "p1"])  # p1 already has mon-am
    assert "[5] patient p1 has 2 groups on mon, max_blocks_per_day is 1" in _errors(groups)


def test_a_patient_at_another_sites_room_is_caught() -> None:
    groups = _with(4, room="b1")
    assert "[5] group g5: patient p4 belongs to A, room b1 is at B" in _errors(groups)


def test_a_patient_in_a_virtual_room_without_telehealth_is_caught() -> None:
    groups = _with(4, room="v1")
    errors = _errors(groups)
    assert "[5] group g5: patient p4 is not cleared for telehealth (room v1 is virtual)" in errors
    assert not any("p5" in e for e in errors)  # p5 accepts telehealth


def test_a_patient_over_max_hours_is_caught() -> None:
    groups = _with(0, patients=["p1", "p2", "p3", "p4"])  # p4 already has 9 h
    assert "[5] patient p4: 12 h exceed max_hours 9" in _errors(groups)


def test_changes_count_patients_whose_blocks_differ_and_groups_whose_counselor_differs() -> None:
    before = valid_groups()
    after = valid_groups()
    after[0]["counselor"] = "c2"  # g1 (sud mon-am at site A) changes counselor
    after[4]["block"] = "mon-pm"  # p4 and p5 move from wed-am...
    after[5]["block"] = "wed-am"  # ...and back: their (block, track) sets are unchanged
    prob = problem(previous={"groups": before})
    assert count_changes(prob, solution(before)) == 0
    assert count_changes(prob, solution(after)) == 3  # g1's counselor; g5 and g6 swapped leads
    after[1]["patients"] = ["p1", "p2", "p4"]  # p3 loses tue-am
    assert count_changes(prob, solution(after)) == 4
