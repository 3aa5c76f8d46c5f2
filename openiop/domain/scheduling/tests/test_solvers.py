"""Greedy, CP-SAT, bounds, explanations and the generator, on small instances (seconds, 1 worker)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openiop.domain.scheduling import (
    count_changes,
    explain,
    generate,
    greedy,
    parse_problem,
    solution_to_dict,
    solve,
    validate,
)
from openiop.domain.scheduling.bound import groups_bound, shortfall_bound
from openiop.domain.scheduling.index import build_index, components
from openiop.domain.scheduling.tests.factories import problem_dict, valid_groups

QUICK = 5.0  # seconds: every instance here is solved to optimality well within it


def _problem(**changes: Any) -> Any:
    data = copy.deepcopy(problem_dict())
    data.update(changes)
    return parse_problem(data)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_planted_schedule_is_valid_with_zero_shortfall(seed: int) -> None:
    made = generate(80, seed=seed, sites=2)
    assert made.planted is not None
    report = validate(made.problem, made.planted)
    assert report.valid, report.errors
    assert report.shortfall_hours == 0


@pytest.mark.parametrize(("seed", "plant"), [(1, True), (2, False), (3, True), (4, False)])
def test_greedy_output_is_always_valid(seed: int, plant: bool) -> None:
    problem = generate(120, seed=seed, sites=3, plant=plant).problem
    report = validate(problem, greedy(problem))
    assert report.valid, report.errors


def test_greedy_replays_a_valid_previous_schedule_unchanged() -> None:
    problem = _problem(previous={"groups": valid_groups()})
    assert problem.previous is not None
    kept = greedy(problem, start=problem.previous)
    assert validate(problem, kept).valid
    assert count_changes(problem, kept) == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_planted_instances_are_solved_with_zero_shortfall(seed: int) -> None:
    made = generate(60, seed=seed)
    assert made.planted is not None
    result = solve(made.problem, time_limit=QUICK, seed=0)
    report = validate(made.problem, result)
    assert report.valid, report.errors
    assert result.stats["shortfall_hours"] == 0 == report.shortfall_hours
    assert result.stats["status"] == "OPTIMAL"
    assert report.groups <= len(made.planted.groups)
    assert result.stats["shortfalls"] == []


def test_fewer_groups_are_preferred_when_shortfall_is_equal() -> None:
    # Four sud patients at site A need 6 h; one group of four twice beats two pairs twice.
    data = problem_dict()
    data["patients"] = data["patients"][:4]
    result = solve(parse_problem(data), time_limit=QUICK)
    assert result.stats["shortfall_hours"] == 0
    assert result.stats["groups"] == 2
    assert {len(g.patients) for g in result.groups} == {4}


def test_a_previous_schedule_that_is_still_optimal_is_kept() -> None:
    problem = _problem(previous={"groups": valid_groups()})
    first = solve(problem, time_limit=QUICK)
    assert first.stats["groups"] == 5  # the hand-made schedule has 6: one can go
    # Re-solving against that answer changes nothing: same blocks, tracks and counselors.
    again = solve(_problem(previous=solution_to_dict(first)), time_limit=QUICK)
    assert again.stats["changes"] == 0
    assert {(g.block, g.track, g.counselor, g.patients) for g in again.groups} == {
        (g.block, g.track, g.counselor, g.patients) for g in first.groups
    }


def test_among_equal_schedules_the_one_closest_to_previous_wins() -> None:
    # mh at site B can meet in mon-am and tue-am (c3's only blocks) or, with c2, in any two.
    data = problem_dict()
    data["patients"] = data["patients"][5:]  # p6 and p7 only
    data["previous"] = {
        "groups": [
            {
                "id": "x",
                "track": "mh",
                "block": "mon-pm",
                "counselor": "c2",
                "room": "b1",
                "patients": ["p6", "p7"],
            },
            {
                "id": "y",
                "track": "mh",
                "block": "wed-am",
                "counselor": "c2",
                "room": "b1",
                "patients": ["p6", "p7"],
            },
        ]
    }
    result = solve(parse_problem(data), time_limit=QUICK)
    assert result.stats["changes"] == 0
    assert sorted((g.block, g.counselor) for g in result.groups) == [
        ("mon-pm", "c2"),
        ("wed-am", "c2"),
    ]


def test_same_seed_and_one_worker_give_identical_output() -> None:
    problem = generate(90, seed=5, sites=2, plant=False).problem
    runs = [solve(problem, time_limit=QUICK, workers=1, seed=7) for _ in range(2)]
    if not all(r.stats["status"] == "OPTIMAL" for r in runs):
        # On a machine too loaded for a stage to finish within its time, CP-SAT stops at a
        # point that depends on speed; sameness is claimed only for completed searches.
        pytest.skip("a stage stopped at its time limit on this machine (too loaded)")
    assert runs[0].groups == runs[1].groups
    strip = [
        {k: v for k, v in r.stats.items() if k not in ("seconds", "seconds_to_shortfall", "stages")}
        for r in runs
    ]
    assert strip[0] == strip[1]


def test_decomposition_gives_the_same_result_as_one_model() -> None:
    problem = generate(90, seed=6, sites=3, telehealth=0.0, plant=False).problem
    assert len(components(build_index(problem))) == 3
    split = solve(problem, time_limit=QUICK)
    whole = solve(problem, time_limit=QUICK, decompose=False)
    assert split.stats["components"] == 3 and whole.stats["components"] == 1
    assert split.stats["status"] == whole.stats["status"] == "OPTIMAL"
    assert split.stats["shortfall_hours"] == whole.stats["shortfall_hours"] > 0
    assert split.stats["groups"] == whole.stats["groups"]


@pytest.mark.parametrize("seed", [11, 12])
def test_lower_bounds_never_exceed_what_the_solver_achieves(seed: int) -> None:
    problem = generate(70, seed=seed, plant=False).problem
    result = solve(problem, time_limit=QUICK)
    report = validate(problem, result)
    assert report.valid
    # Both the standalone LP bound and the solver's reported bound are lower bounds. (Which
    # of the two is tighter depends on how much time the LP got, so it is not asserted.)
    assert shortfall_bound(problem) <= report.shortfall_hours + 1e-9
    assert result.stats["lower_bound"]["shortfall_hours"] <= report.shortfall_hours + 1e-9
    assert groups_bound(problem, report.shortfall_hours) <= report.groups
    assert result.stats["lower_bound"]["groups"] <= report.groups


@pytest.mark.parametrize("seed", [21, 22])
def test_cp_sat_is_never_worse_than_greedy(seed: int) -> None:
    problem = generate(80, seed=seed, plant=False).problem
    result = solve(problem, time_limit=QUICK)
    baseline = validate(problem, greedy(problem))
    assert "fallback" not in result.stats
    assert (result.stats["shortfall_hours"], result.stats["groups"]) <= (
        baseline.shortfall_hours,
        baseline.groups,
    )


def _only_patient(**fields: Any) -> dict[str, Any]:
    data = problem_dict()
    data["patients"][0].update(fields)
    return data


def test_a_patient_free_in_too_few_blocks_is_explained() -> None:
    problem = parse_problem(_only_patient(blocks=["mon-am", "tue-am"], min_hours=9))
    result = solve(problem, time_limit=QUICK)
    short = {s["patient"]: s for s in result.stats["shortfalls"]}
    assert short["p1"]["short_hours"] == 3
    assert short["p1"]["reason"] == "free in only 2 blocks (6 h); needs 9 h"


def test_a_patient_limited_to_one_block_a_day_is_explained() -> None:
    problem = parse_problem(_only_patient(blocks=["mon-am", "mon-pm", "tue-am"], min_hours=9))
    [reason] = [
        s.reason for s in explain(problem, solve(problem, time_limit=QUICK)) if s.patient == "p1"
    ]
    assert reason == "free in only 3 blocks on 2 days, at most 1 a day: 6 h; needs 9 h"


def test_a_patient_without_a_credentialed_counselor_is_explained() -> None:
    data = problem_dict()
    data["tracks"].append({"id": "adolescent", "min_group": 1, "max_group": 8})
    data["patients"][0].update(tracks=["adolescent"], min_hours=6)
    problem = parse_problem(data)
    [short] = [s for s in explain(problem, solve(problem, time_limit=QUICK)) if s.patient == "p1"]
    assert short.short_hours == 6
    assert short.reason == (
        "no counselor credentialed for adolescent is available in their free blocks; needs 6 h"
    )


def test_a_patient_with_too_few_peers_for_min_group_is_explained() -> None:
    data = problem_dict()
    data["patients"][6]["blocks"] = ["wed-am"]  # p7 leaves p6 alone in mh except on wed-am
    problem = parse_problem(data)
    [short] = [s for s in explain(problem, solve(problem, time_limit=QUICK)) if s.patient == "p6"]
    assert short.reason == (
        "too few other mh patients are free at their times to reach the smallest group size (2) except wed-am;"
        " needs 6 h"
    )


def test_a_patient_left_out_of_full_groups_is_explained() -> None:
    data = problem_dict()
    data["rooms"] = [r for r in data["rooms"] if r["id"] in ("a1", "b1")]
    data["rooms"][0]["blocks"] = ["mon-am", "tue-am"]  # site A: one room of 4, two blocks
    data["counselors"][1]["site"] = "A"
    problem = parse_problem(data)
    result = solve(problem, time_limit=QUICK)
    assert validate(problem, result).valid
    # Five patients at site A, four seats in each of two blocks: 6 hours must go missing.
    assert sum(s["short_hours"] for s in result.stats["shortfalls"]) == 6
    for short in result.stats["shortfalls"]:
        assert short["reason"].startswith("groups at their times are full (")


def test_a_patient_whose_counselor_is_out_of_hours_is_explained() -> None:
    data = problem_dict()
    data["counselors"][1]["tracks"] = ["sud"]  # only c3 leads mh, and for 3 hours a week
    data["counselors"][2]["max_hours"] = 3
    problem = parse_problem(data)
    shorts = explain(problem, solve(problem, time_limit=QUICK))
    assert [(s.patient, s.short_hours) for s in shorts] == [("p6", 3), ("p7", 3)]
    assert shorts[0].reason.startswith(
        "every credentialed counselor is leading another group or out of hours ("
    )


def test_a_patient_with_no_room_at_their_site_is_explained() -> None:
    data = problem_dict()
    data["rooms"][2]["blocks"] = ["wed-am"]  # site B's only room opens once a week
    problem = parse_problem(data)
    [short, _] = [s for s in explain(problem, solve(problem, time_limit=QUICK))]
    assert short.patient == "p6"
    assert short.reason == "no room at B is open in their free blocks except wed-am; needs 6 h"


def test_components_split_sites_that_share_nothing() -> None:
    data = problem_dict()
    data["counselors"][1]["site"] = "A"  # c2 no longer floats between sites
    data["patients"][4]["telehealth_ok"] = False
    parts = components(build_index(parse_problem(data)))
    assert sorted(sorted(p.id for p in part.patients) for part in parts) == [
        ["p1", "p2", "p3", "p4", "p5"],
        ["p6", "p7"],
    ]
    assert [sorted(r.id for r in part.rooms) for part in parts] == [["a1", "a2"], ["b1"]]


def test_progress_is_reported_after_each_stage() -> None:
    seen: list[dict[str, Any]] = []
    result = solve(
        _problem(previous={"groups": valid_groups()}), time_limit=QUICK, progress=seen.append
    )
    assert [e["objective"] for e in seen] == ["shortfall", "groups", "changes"]
    assert all(e["part"] == 1 == e["parts"] and e["status"] == "OPTIMAL" for e in seen)
    assert [e["value"] for e in seen] == [0, 5, result.stats["changes"]]
