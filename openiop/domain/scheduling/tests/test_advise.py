"""What would close a shortfall: each kind of advice on a small week where it is the fix, the
what-if figures checked by the validator and by solving again, the ranking, and properties of
every advice on generated weeks (none depends on the machine's speed: the what-ifs are greedy)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from openiop.domain.scheduling import (
    generate,
    greedy,
    parse_problem,
    solve,
    validate,
)
from openiop.domain.scheduling.advise import COST, Advice, advise, apply
from openiop.domain.scheduling.model import Problem, Solution
from openiop.domain.scheduling.tests.factories import group, problem, solution, valid_groups

BLOCKS = ["mon-am", "tue-am", "wed-am"]
QUICK = 5.0  # seconds; these weeks are solved to optimality well within it


def week(
    *,
    rooms: list[dict[str, Any]],
    counselors: list[dict[str, Any]],
    patients: int = 3,
    telehealth: bool = False,
    extra: list[dict[str, Any]] | None = None,
) -> Problem:
    """Site A, three 3-hour mornings, a track of 2..4; ``patients`` need 6 h each."""
    return parse_problem(
        {
            "format": "iop-week/1",
            "week_start": "2026-12-07",
            "blocks": [{"id": b, "day": b[:3], "start": "09:00", "end": "12:00"} for b in BLOCKS],
            "tracks": [
                {"id": "sud", "min_group": 2, "max_group": 4},
                {"id": "mh", "min_group": 2, "max_group": 4},
            ],
            "rooms": rooms,
            "counselors": counselors,
            "patients": [
                {
                    "id": f"p{i}",
                    "site": "A",
                    "tracks": ["sud"],
                    "min_hours": 6,
                    "max_hours": 9,
                    "blocks": BLOCKS,
                    "telehealth_ok": telehealth,
                }
                for i in range(1, patients + 1)
            ]
            + (extra or []),
        }
    )


def room(ident: str, blocks: list[str], capacity: int = 4) -> dict[str, Any]:
    return {"id": ident, "site": "A", "capacity": capacity, "blocks": blocks}


def counselor(
    ident: str, blocks: list[str], tracks: tuple[str, ...] = ("sud",), max_hours: float = 40
) -> dict[str, Any]:
    return {
        "id": ident,
        "tracks": list(tracks),
        "blocks": blocks,
        "max_hours": max_hours,
        "site": "A",
    }


def monday_only(*members: str) -> Solution:
    return solution([group("g1", "sud", "mon-am", "c1", "a1", *(members or ("p1", "p2", "p3")))])


def check(problem_: Problem, start: Solution, advice: tuple[Advice, ...]) -> None:
    """What every advice claims, checked independently."""
    before = validate(problem_, start).shortfall_hours
    for a in advice:
        changed = apply(problem_, a)
        report = validate(changed, a.schedule)
        assert report.valid, report.errors
        assert report.shortfall_hours == a.shortfall_after < a.shortfall_before == before
        assert 1 <= a.patients_helped <= a.short_patients
        assert a.cost == COST[a.kind]
        # Every group of the schedule stays in the what-if (only groups are added).
        assert set(start.groups) <= set(a.schedule.groups)
        if a.kind != "new_group":  # setup changes: solving again does at least as well
            again = greedy(changed, start=start)
            assert validate(changed, again).shortfall_hours <= a.shortfall_after
        else:
            assert changed == problem_ and len(a.groups) == 1
        json.dumps(a.to_dict())
    assert [a.rank for a in advice] == list(range(1, len(advice) + 1))
    keys = [(a.shortfall_after, a.cost) for a in advice]
    assert keys == sorted(keys)


def test_no_shortfall_no_advice() -> None:
    p = problem()
    s = solution(valid_groups())
    assert validate(p, s).shortfall_hours == 0
    assert advise(p, s) == ()


def test_a_room_closed_in_the_free_blocks_is_opened() -> None:
    p = week(rooms=[room("a1", ["mon-am"])], counselors=[counselor("c1", BLOCKS)])
    s = monday_only()
    advice = advise(p, s)
    check(p, s, advice)
    assert advice and {a.kind for a in advice} == {"room"}
    best = advice[0]
    assert best.shortfall_before == 9 and best.shortfall_after == 0
    assert best.patients_helped == 3 == best.patients_reaching_minimum
    assert best.rooms[0].id == "a1" and best.block in best.rooms[0].blocks
    assert best.description.startswith(f"Open room a1 on {best.block} too")
    # Solving the changed week really closes it.
    assert solve(apply(p, best), time_limit=QUICK).stats["shortfall_hours"] == 0


def test_a_video_room_is_advised_when_every_room_is_taken() -> None:
    mh = [
        {
            "id": f"q{i}",
            "site": "A",
            "tracks": ["mh"],
            "min_hours": 6,
            "max_hours": 9,
            "blocks": BLOCKS,
            "telehealth_ok": True,
        }
        for i in (1, 2)
    ]
    p = week(
        rooms=[room("a1", BLOCKS)],
        counselors=[counselor("c1", BLOCKS), counselor("c2", BLOCKS, ("mh",))],
        telehealth=True,
        extra=mh,
    )
    s = greedy(p)
    assert validate(p, s).shortfall_hours > 0  # three room-blocks for four groups
    advice = advise(p, s)
    check(p, s, advice)
    assert advice and {a.kind for a in advice} == {"virtual_room"}
    best = advice[0]
    assert best.shortfall_after == 0
    video = best.rooms[0]
    assert video.virtual and video.site is None and video.blocks == (best.block,)
    assert best.place == "(virtual)" and "cleared for telehealth" in best.description
    assert solve(apply(p, best), time_limit=QUICK).stats["shortfall_hours"] == 0


def test_a_closed_video_room_is_opened_rather_than_a_new_one_added() -> None:
    p = week(
        rooms=[room("a1", ["mon-am"]), {**room("v1", ["mon-am"]), "site": None, "virtual": True}],
        counselors=[counselor("c1", BLOCKS)],
        telehealth=True,
    )
    s = monday_only()
    advice = advise(p, s)
    check(p, s, advice)
    videos = [a for a in advice if a.kind == "virtual_room"]
    assert videos and all(a.rooms[0].id == "v1" for a in videos)
    assert videos[0].description.startswith("Open the video room v1")


def test_a_counselor_credentialed_for_the_track_is_given_a_block() -> None:
    p = week(
        rooms=[room("a1", BLOCKS)],
        counselors=[counselor("c1", ["mon-am"]), counselor("c2", BLOCKS, ("mh",))],
    )
    s = monday_only()
    advice = advise(p, s)
    check(p, s, advice)
    assert advice and {a.kind for a in advice} == {"counselor_hours"}
    best = advice[0]
    (changed,) = best.counselors
    assert changed.id == "c1" and best.block in changed.blocks  # c2 does not hold the track
    assert best.shortfall_after == 0 and "credentialed for sud" in best.description
    assert solve(apply(p, best), time_limit=QUICK).stats["shortfall_hours"] == 0


def test_a_counselor_out_of_hours_gets_more_hours() -> None:
    p = week(rooms=[room("a1", BLOCKS)], counselors=[counselor("c1", BLOCKS, max_hours=3)])
    s = monday_only()
    advice = advise(p, s)
    check(p, s, advice)
    assert advice and advice[0].kind == "counselor_hours"
    (changed,) = advice[0].counselors
    assert changed.max_hours == 6 and changed.blocks == tuple(BLOCKS)
    assert "from 3 h to 6 h" in advice[0].description


def test_a_group_the_week_can_still_hold_is_named_with_its_counselor_and_room() -> None:
    p = week(rooms=[room("a1", BLOCKS)], counselors=[counselor("c1", BLOCKS)])
    s = monday_only()  # e.g. after a hand edit: tue-am and wed-am are free
    advice = advise(p, s)
    check(p, s, advice)
    assert advice and {a.kind for a in advice} == {"new_group"}
    best = advice[0]
    (g,) = best.groups
    assert (g.counselor, g.room, g.track) == ("c1", "a1", "sud")
    assert set(g.patients) == {"p1", "p2", "p3"} and best.shortfall_after == 0
    assert best.rooms == () and best.counselors == ()
    assert "led by counselor c1 in room a1" in best.description


def test_equal_effect_ranks_a_video_room_before_a_room_before_a_new_group() -> None:
    p = week(
        rooms=[room("a1", ["mon-am"]), room("a2", ["wed-am"])],
        counselors=[counselor("c1", BLOCKS)],
        telehealth=True,
    )
    s = monday_only()
    advice = advise(p, s)
    check(p, s, advice)
    kinds = [a.kind for a in advice]
    assert set(kinds) == {"virtual_room", "room", "new_group"}
    assert all(a.shortfall_after == 0 for a in advice)
    assert kinds == sorted(kinds, key=COST.__getitem__)


def test_a_bigger_effect_ranks_before_a_cheaper_change() -> None:
    # A video room helps only the one patient cleared for telehealth; c1 given tue-am helps all.
    p = week(
        rooms=[room("a1", BLOCKS)],
        counselors=[counselor("c1", ["mon-am"])],
        extra=[
            {
                "id": "p4",
                "site": "A",
                "tracks": ["sud"],
                "min_hours": 6,
                "max_hours": 9,
                "blocks": BLOCKS,
                "telehealth_ok": True,
            }
        ],
    )
    s = monday_only("p1", "p2", "p3", "p4")
    advice = advise(p, s)
    check(p, s, advice)
    assert advice[0].kind == "counselor_hours" and advice[0].shortfall_after == 0


def test_the_advice_names_no_patient() -> None:
    p = week(rooms=[room("a1", ["mon-am"])], counselors=[counselor("c1", BLOCKS)])
    for a in advise(p, monday_only()):
        text = json.dumps({**a.to_dict(), "changes": {**a.to_dict()["changes"], "groups": []}})
        assert not re.search(r"\bp\d\b", text)


def test_limits_cap_the_what_ifs_and_the_answer() -> None:
    p = week(rooms=[room("a1", ["mon-am"])], counselors=[counselor("c1", BLOCKS)], telehealth=True)
    s = monday_only()
    assert len(advise(p, s)) == 4
    assert len(advise(p, s, top=1)) == 1
    assert len(advise(p, s, limit=1)) == 1
    assert advise(p, s, limit=0) == ()


def test_a_shortfall_no_single_change_closes_gives_no_advice() -> None:
    # The patients are free only on Monday: no room, counselor or group adds hours.
    p = week(rooms=[room("a1", BLOCKS)], counselors=[counselor("c1", BLOCKS)])
    p = replace(p, patients=tuple(replace(q, blocks=("mon-am",)) for q in p.patients))
    s = monday_only()
    assert validate(p, s).shortfall_hours == 9
    assert advise(p, s) == ()


@pytest.mark.parametrize("seed", [2, 3, 5])
def test_every_advice_on_a_generated_week_holds_what_it_claims(seed: int) -> None:
    made = generate(60, seed=seed, plant=False)
    s = greedy(made.problem)
    assert validate(made.problem, s).shortfall_hours > 0
    advice = advise(made.problem, s, limit=12)
    assert advice
    check(made.problem, s, advice)
    assert advise(made.problem, s, limit=12) == advice  # deterministic
