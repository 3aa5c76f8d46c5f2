"""Parsing iop-week/1: every bad input is refused with a message naming the offending entry."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from openiop.domain.scheduling import (
    FormatError,
    parse_problem,
    parse_solution,
    problem_to_dict,
    solution_to_dict,
)
from openiop.domain.scheduling.generator import generate
from openiop.domain.scheduling.tests.factories import problem_dict, solution, valid_groups


def _errors(change: Callable[[dict[str, Any]], None]) -> tuple[str, ...]:
    data = copy.deepcopy(problem_dict())
    change(data)
    with pytest.raises(FormatError) as caught:
        parse_problem(data)
    return caught.value.problems


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets e.g. "patients.0.min_hours" to ``value``."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return change


def test_a_generated_problem_round_trips_through_json() -> None:
    problem = generate(40, seed=3).problem
    assert parse_problem(problem_to_dict(problem)) == problem


def test_a_solution_round_trips_through_json() -> None:
    sol = solution(valid_groups())
    assert parse_solution(solution_to_dict(sol)) == sol


def test_defaults_fill_missing_optional_keys() -> None:
    data = problem_dict()  # counselor c3 has no max_hours, room a1 no "virtual", p1 no extras
    del data["previous"]
    problem = parse_problem(data)
    assert problem.counselors[2].max_hours == 40
    assert problem.rooms[0].virtual is False
    assert problem.patients[0].max_blocks_per_day == 1
    assert problem.patients[0].telehealth_ok is False
    assert problem.previous is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("week_start", "2026-12-08"), "week_start: 2026-12-08 is a Tuesday, not a Monday"),
        (_set("week_start", "next week"), "week_start: must be an ISO date"),
        (_set("blocks.0.start", "25:00"), "blocks[mon-am].start: must be a 24-hour time HH:MM"),
        (_set("blocks.0.day", "monday"), "blocks[mon-am].day: must be one of mon"),
        (_set("blocks.0.end", "08:00"), "blocks[mon-am]: end 08:00 is not after start 09:00"),
        (_set("blocks.1.id", "mon-am"), "blocks[mon-am]: duplicate id"),
        (_set("tracks.0.min_group", 5), "tracks[sud]: min_group 5 > max_group 4"),
        (
            _set("tracks.0.max_group", 0),
            "tracks[sud].max_group: must be a whole number of at least 1",
        ),
        (_set("rooms.0.blocks", ["mon-am", "fri-ev"]), "rooms[a1].blocks: unknown block 'fri-ev'"),
        (_set("rooms.0.site", None), "rooms[a1].site: a room that is not virtual needs a site"),
        (_set("rooms.3.site", "A"), "rooms[v1].site: a virtual room has no site"),
        (_set("rooms.0.capacity", 2.5), "rooms[a1].capacity: must be a whole number"),
        (
            _set("counselors.0.tracks", ["sud", "gambling"]),
            "counselors[c1].tracks: unknown track 'gambling'",
        ),
        (_set("counselors.0.site", "Z"), "counselors[c1].site: unknown site 'Z' (no room there)"),
        (_set("counselors.1.id", "c1"), "counselors[c1]: duplicate id"),
        (
            _set("counselors.0.max_hours", -1),
            "counselors[c1].max_hours: must be a number of at least 0",
        ),
        (_set("patients.0.min_hours", 12), "patients[p1]: min_hours 12 > max_hours 9"),
        (_set("patients.0.tracks", []), "patients[p1].tracks: must name at least one track"),
        (_set("patients.0.tracks", ["sud", "sud"]), "patients[p1].tracks: lists an id twice"),
        (_set("patients.0.blocks", "mon-am"), "patients[p1].blocks: must be a list of ids"),
        (_set("patients.0.site", "Z"), "patients[p1].site: unknown site 'Z' (no room there)"),
        (
            _set("patients.0.telehealth_ok", "yes"),
            "patients[p1].telehealth_ok: must be true or false",
        ),
        (_set("patients.1.id", "p1"), "patients[p1]: duplicate id"),
        (_set("patients.2", "p3"), "patients[2]: must be a JSON object"),
        (_set("format", "iop-week/2"), "format: expected 'iop-week/1'"),
        (_set("previous", {"groups": [{"id": "g1"}]}), "previous.groups[g1].track: is required"),
    ],
)
def test_bad_input_is_refused_naming_the_entry(
    change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    problems = _errors(change)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_missing_required_key_is_named() -> None:
    problems = _errors(lambda d: d["patients"][0].pop("min_hours"))
    assert "patients[p1].min_hours: is required" in problems


def test_every_error_is_reported_at_once() -> None:
    def break_three(data: dict[str, Any]) -> None:
        data["week_start"] = "2026-12-09"
        data["patients"][0]["tracks"] = ["nope"]
        data["counselors"][0]["blocks"] = ["never"]

    problems = _errors(break_three)
    assert len(problems) == 3
    assert "patients[p1].tracks: unknown track 'nope'" in problems
    assert "counselors[c1].blocks: unknown block 'never'" in problems


def test_a_problem_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(FormatError, match="problem: must be a JSON object"):
        parse_problem([1, 2])


def test_a_solution_group_without_patients_list_is_refused() -> None:
    bad = {
        "groups": [{"id": "g1", "track": "sud", "block": "mon-am", "counselor": "c1", "room": "a1"}]
    }
    with pytest.raises(FormatError, match=r"groups\[g1\]\.patients: must be a list of patient ids"):
        parse_solution(bad)


def test_previous_may_name_patients_who_have_left() -> None:
    groups = valid_groups()
    groups[0]["patients"].append("discharged")
    problem = parse_problem({**problem_dict(), "previous": {"groups": groups}})
    assert problem.previous is not None
    assert "discharged" in problem.previous.groups[0].patients
