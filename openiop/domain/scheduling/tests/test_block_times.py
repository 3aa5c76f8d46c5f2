"""Rooms' own blocks, blocks keeping one site's hours, blocks overlapping in time and tracks'
own hours: the format extension, the validator (a failing and a passing case each), and the
greedy and CP-SAT solvers on small instances whose optimum is worked out by hand."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openiop.domain.scheduling import (
    FormatError,
    greedy,
    parse_problem,
    problem_to_dict,
    solve,
    validate,
)
from openiop.domain.scheduling.tests.factories import (
    ALL,
    group,
    problem,
    problem_dict,
    solution,
    valid_groups,
)

QUICK = 5.0


def _blocks(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [*problem_dict()["blocks"], *extra]


def _problem_with(**changes: Any) -> Any:
    data = copy.deepcopy(problem_dict())
    data.update(changes)
    return parse_problem(data)


# The format extension.
def test_older_files_parse_with_the_extensions_at_their_defaults() -> None:
    parsed = problem()
    assert all(b.site is None for b in parsed.blocks)
    assert all(t.blocks is None for t in parsed.tracks)
    out = problem_to_dict(parsed)
    assert all("site" not in b for b in out["blocks"])  # older readers see the same document
    assert all("blocks" not in t for t in out["tracks"])


def test_block_sites_and_track_blocks_round_trip() -> None:
    data = problem_dict()
    data["blocks"].append(
        {"id": "mon-ev-A", "day": "mon", "start": "17:30", "end": "20:30", "site": "A"}
    )
    data["tracks"][0]["blocks"] = ["mon-am", "mon-ev-A"]
    parsed = parse_problem(data)
    assert parsed.block_by_id["mon-ev-A"].site == "A"
    assert parsed.track_by_id["sud"].blocks == ("mon-am", "mon-ev-A")
    assert parse_problem(problem_to_dict(parsed)) == parsed


def test_a_block_of_an_unknown_site_and_a_track_naming_an_unknown_block_are_refused() -> None:
    data = problem_dict()
    data["blocks"].append(
        {"id": "mon-ev-Z", "day": "mon", "start": "17:30", "end": "20:30", "site": "Z"}
    )
    data["tracks"][0]["blocks"] = ["fri-am"]
    with pytest.raises(FormatError) as caught:
        parse_problem(data)
    assert "blocks[mon-ev-Z].site: unknown site 'Z' (no room there)" in caught.value.problems
    assert "tracks[sud].blocks: unknown block 'fri-am'" in caught.value.problems


def test_clash_sets_are_the_maximal_sets_of_overlapping_blocks_of_each_day() -> None:
    parsed = _problem_with(
        blocks=_blocks(
            {"id": "mon-x", "day": "mon", "start": "11:00", "end": "14:00"},
            {"id": "mon-y", "day": "mon", "start": "15:30", "end": "18:30"},
            {"id": "mon-z", "day": "mon", "start": "18:00", "end": "21:00"},
            {"id": "mon-w", "day": "mon", "start": "15:45", "end": "16:30"},
        )
    )
    sets = {frozenset(s) for s in parsed.clash_sets}
    assert frozenset({"mon-am", "mon-x"}) in sets
    assert frozenset({"mon-x", "mon-pm"}) in sets
    assert frozenset({"mon-pm", "mon-y", "mon-w"}) in sets  # 15:45-16:00 holds all three
    assert frozenset({"mon-y", "mon-z"}) in sets
    assert frozenset({"tue-am"}) in sets
    assert parsed.overlapping["mon-z"] == {"mon-z", "mon-y"}
    touching = _problem_with(
        blocks=_blocks({"id": "mon-noon", "day": "mon", "start": "12:00", "end": "13:00"})
    )
    assert touching.overlapping["mon-noon"] == {"mon-noon"}  # touching ends do not overlap


# Room availability (constraint 4).
def test_a_room_used_outside_its_blocks_is_caught_and_inside_them_passes() -> None:
    groups = valid_groups()
    groups[5]["room"] = "a2"  # a2 is free only mon-am and tue-am; g6 is on mon-pm
    groups[5]["patients"] = ["p4", "p5"]
    report = validate(problem(), solution(groups))
    assert "[4] group g6: room a2 is not available in block mon-pm" in report.errors
    rooms = problem_dict()["rooms"]
    rooms[1]["blocks"] = [*ALL]
    assert validate(problem(rooms=rooms), solution(groups)).valid


# Blocks keeping one site's hours (constraint 4).
def _site_block_problem() -> Any:
    return _problem_with(
        blocks=_blocks(
            {"id": "thu-ev-B", "day": "thu", "start": "17:30", "end": "20:30", "site": "B"}
        ),
        rooms=[
            {**r, "blocks": [*r["blocks"], "thu-ev-B"]} if r["id"] in ("a1", "b1", "v1") else r
            for r in problem_dict()["rooms"]
        ],
        counselors=[
            {**c, "blocks": [*c["blocks"], "thu-ev-B"]} for c in problem_dict()["counselors"]
        ],
        patients=[{**p, "blocks": [*p["blocks"], "thu-ev-B"]} for p in problem_dict()["patients"]],
    )


def test_a_block_of_one_site_used_in_another_sites_room_is_caught() -> None:
    groups = [*valid_groups(), group("g9", "sud", "thu-ev-B", "c1", "a1", "p1", "p2")]
    errors = validate(_site_block_problem(), solution(groups)).errors
    assert "[4] group g9: block thu-ev-B keeps the hours of site B, room a1 is at A" in errors


def test_a_block_of_one_site_in_its_own_room_or_a_virtual_room_passes() -> None:
    prob = _site_block_problem()
    own = [group("g9", "mh", "thu-ev-B", "c3", "b1", "p6", "p7")]
    assert validate(prob, solution(own)).valid
    virtual = [group("g9", "sud", "thu-ev-B", "c2", "v1", "p5", "p4")]
    report = validate(prob, solution(virtual))
    # p4 is not cleared for telehealth; nothing is said about the block's site.
    assert report.errors == (
        "[5] group g9: patient p4 is not cleared for telehealth (room v1 is virtual)",
    )


# Blocks overlapping in time clash whatever their ids (constraints 3 to 5).
def _overlap_problem() -> Any:
    late = {"id": "mon-late", "day": "mon", "start": "15:00", "end": "18:00"}
    return _problem_with(
        blocks=_blocks(late),
        rooms=[{**r, "blocks": [*r["blocks"], "mon-late"]} for r in problem_dict()["rooms"]],
        counselors=[
            {**c, "blocks": [*c["blocks"], "mon-late"]} for c in problem_dict()["counselors"]
        ],
        patients=[{**p, "blocks": [*p["blocks"], "mon-late"]} for p in problem_dict()["patients"]],
    )


def test_a_counselor_a_room_and_a_patient_in_overlapping_blocks_are_caught() -> None:
    groups = valid_groups()  # g6: sud mon-pm (13:00-16:00), c2, a1, p4 p5
    groups.append(group("g9", "sud", "mon-late", "c2", "a1", "p5", "p1"))
    errors = validate(_overlap_problem(), solution(groups)).errors
    both = "blocks mon-pm (mon 13:00-16:00) and mon-late (mon 15:00-18:00), which overlap: g6, g9"
    assert f"[3] counselor c2 leads groups in {both}" in errors
    assert f"[4] room a1 holds groups in {both}" in errors
    assert f"[5] patient p5 is in groups in {both}" in errors


def test_groups_in_blocks_that_do_not_overlap_pass() -> None:
    prob = _problem_with(
        blocks=_blocks({"id": "mon-late", "day": "mon", "start": "16:00", "end": "19:00"}),
        rooms=[{**r, "blocks": [*r["blocks"], "mon-late"]} for r in problem_dict()["rooms"]],
        counselors=[
            {**c, "blocks": [*c["blocks"], "mon-late"]} for c in problem_dict()["counselors"]
        ],
        patients=[{**p, "blocks": [*p["blocks"], "mon-late"]} for p in problem_dict()["patients"]],
    )
    groups = [*valid_groups(), group("g9", "mh", "mon-late", "c2", "a1", "p5", "p6")]
    errors = validate(prob, solution(groups)).errors
    assert not any("overlap" in e for e in errors), errors


# Tracks keep to their own hours (constraint 6).
def test_a_track_meeting_outside_its_blocks_is_caught_and_inside_them_passes() -> None:
    tracks = problem_dict()["tracks"]
    tracks[0]["blocks"] = ["mon-am", "tue-am", "wed-am"]  # sud never meets on Monday afternoon
    errors = validate(problem(tracks=tracks), solution(valid_groups())).errors
    assert errors == ("[6] group g6: track sud does not meet in block mon-pm",)
    tracks[0]["blocks"] = ALL
    assert validate(problem(tracks=tracks), solution(valid_groups())).valid


# The solvers respect all four on small instances.
def _after_school_dict() -> dict[str, Any]:
    """One site, one room, one counselor; each of three days has an after-school block
    (15:30-18:30, teens only) overlapping the evening block (18:00-21:00, adults only).
    Two teens and two adults need 6 h each: only three groups fit the week, so the best
    schedule leaves one pair 3 h short each (6 h in all); ignoring the overlap would give 0."""
    days = ("mon", "tue", "wed")
    blocks = [
        {"id": f"{d}-{part}", "day": d, "start": start, "end": end}
        for d in days
        for part, start, end in (("as", "15:30", "18:30"), ("ev", "18:00", "21:00"))
    ]
    every = [b["id"] for b in blocks]
    return {
        "format": "iop-week/1",
        "week_start": "2026-12-07",
        "blocks": blocks,
        "tracks": [
            {"id": "teen", "min_group": 2, "max_group": 4, "blocks": [f"{d}-as" for d in days]},
            {"id": "adult", "min_group": 2, "max_group": 4, "blocks": [f"{d}-ev" for d in days]},
        ],
        "rooms": [
            {"id": "a1", "site": "A", "capacity": 4, "blocks": every},
            {"id": "a2", "site": "A", "capacity": 4, "blocks": []},  # never free
        ],
        "counselors": [{"id": "c1", "tracks": ["teen", "adult"], "blocks": every, "site": "A"}],
        "patients": [
            {
                "id": f"{kind}{i}",
                "site": "A",
                "tracks": [kind],
                "min_hours": 6,
                "max_hours": 9,
                "blocks": every,
            }
            for kind in ("teen", "adult")
            for i in (1, 2)
        ],
    }


def _check(prob: Any, result: Any) -> Any:
    report = validate(prob, result)
    assert report.valid, report.errors
    blocks = prob.block_by_id
    for g in result.groups:
        assert prob.track_by_id[g.track].meets_in(g.block)
        assert g.block in prob.room_by_id[g.room].blocks
        site = blocks[g.block].site
        assert site is None or prob.room_by_id[g.room].site in (site, None)
    return report


def test_cpsat_and_greedy_keep_people_and_rooms_out_of_overlapping_blocks() -> None:
    prob = parse_problem(_after_school_dict())
    best = _check(prob, solve(prob, time_limit=QUICK, seed=0))
    assert best.shortfall_hours == 6
    assert best.groups == 3
    assert _check(prob, greedy(prob)).shortfall_hours >= 6


def test_cpsat_and_greedy_use_a_sites_own_block_only_at_that_site() -> None:
    data = _after_school_dict()
    for b in data["blocks"]:
        if b["id"].endswith("-as"):
            b["site"] = "B"  # the after-school blocks are site B's: site A cannot use them
    data["rooms"].append({"id": "b1", "site": "B", "capacity": 4, "blocks": []})
    prob = parse_problem(data)
    for result in (solve(prob, time_limit=QUICK, seed=0), greedy(prob)):
        report = _check(prob, result)
        assert {g.track for g in result.groups} == {"adult"}
        assert report.shortfall_hours == 12  # the teens have nowhere to meet


def test_cpsat_and_greedy_keep_rooms_to_their_blocks() -> None:
    data = _after_school_dict()
    data["tracks"][0].pop("blocks")
    data["rooms"][0]["blocks"] = ["mon-as", "tue-ev"]
    prob = parse_problem(data)
    for result in (solve(prob, time_limit=QUICK, seed=0), greedy(prob)):
        report = _check(prob, result)
        assert {g.block for g in result.groups} <= {"mon-as", "tue-ev"}
        assert report.shortfall_hours >= 12  # two groups of 3 h for four patients of 6 h


def test_without_track_hours_or_overlaps_the_same_people_reach_their_minimum() -> None:
    data = _after_school_dict()
    for b in data["blocks"]:
        if b["id"].endswith("-as"):
            b["start"], b["end"] = "14:00", "17:00"  # after school ends before the evening
    data["rooms"][1]["blocks"] = []
    prob = parse_problem(data)
    best = _check(prob, solve(prob, time_limit=QUICK, seed=0))
    assert best.shortfall_hours == 0
