"""Small hand-made iop-week/1 problems whose right answers can be worked out by hand."""

from __future__ import annotations

import copy
from typing import Any

from openiop.domain.scheduling import Problem, Solution, parse_problem, parse_solution

ALL = ["mon-am", "mon-pm", "tue-am", "wed-am"]


def problem_dict() -> dict[str, Any]:
    """Two sites and a virtual room; sud groups of 2..4, mental-health of 2..3."""
    return {
        "format": "iop-week/1",
        "week_start": "2026-12-07",
        "blocks": [
            {"id": "mon-am", "day": "mon", "start": "09:00", "end": "12:00"},
            {"id": "mon-pm", "day": "mon", "start": "13:00", "end": "16:00"},
            {"id": "tue-am", "day": "tue", "start": "09:00", "end": "12:00"},
            {"id": "wed-am", "day": "wed", "start": "09:00", "end": "12:00"},
        ],
        "tracks": [
            {"id": "sud", "min_group": 2, "max_group": 4},
            {"id": "mh", "min_group": 2, "max_group": 3},
        ],
        "rooms": [
            {"id": "a1", "site": "A", "capacity": 4, "blocks": ALL},
            {"id": "a2", "site": "A", "capacity": 3, "blocks": ["mon-am", "tue-am"]},
            {"id": "b1", "site": "B", "capacity": 4, "blocks": ALL},
            {"id": "v1", "site": None, "capacity": 4, "blocks": ALL, "virtual": True},
        ],
        "counselors": [
            {"id": "c1", "tracks": ["sud"], "blocks": ALL, "max_hours": 40, "site": "A"},
            {"id": "c2", "tracks": ["sud", "mh"], "blocks": ALL, "max_hours": 6, "site": None},
            {"id": "c3", "tracks": ["mh"], "blocks": ["mon-am", "tue-am"], "site": "B"},
        ],
        "patients": [
            *(
                {
                    "id": f"p{i}",
                    "site": "A",
                    "tracks": ["sud"],
                    "min_hours": 6,
                    "max_hours": 9,
                    "blocks": ALL,
                }
                for i in range(1, 5)
            ),
            {
                "id": "p5",
                "site": "A",
                "tracks": ["sud", "mh"],
                "min_hours": 6,
                "max_hours": 9,
                "blocks": ALL,
                "telehealth_ok": True,
            },
            {
                "id": "p6",
                "site": "B",
                "tracks": ["mh"],
                "min_hours": 6,
                "max_hours": 9,
                "blocks": ALL,
            },
            {
                "id": "p7",
                "site": "B",
                "tracks": ["mh"],
                "min_hours": 6,
                "max_hours": 9,
                "blocks": ALL,
            },
        ],
        "previous": None,
    }


def problem(**changes: Any) -> Problem:
    data = copy.deepcopy(problem_dict())
    data.update(changes)
    return parse_problem(data)


def group(
    gid: str, track: str, block: str, counselor: str, room: str, *patients: str
) -> dict[str, Any]:
    return {
        "id": gid,
        "track": track,
        "block": block,
        "counselor": counselor,
        "room": room,
        "patients": list(patients),
    }


def valid_groups() -> list[dict[str, Any]]:
    """A valid zero-shortfall schedule of :func:`problem_dict` (worked out by hand)."""
    return [
        group("g1", "sud", "mon-am", "c1", "a1", "p1", "p2", "p3"),
        group("g2", "sud", "tue-am", "c1", "a1", "p1", "p2", "p3", "p4"),
        group("g3", "mh", "mon-am", "c3", "b1", "p6", "p7"),
        group("g4", "mh", "tue-am", "c3", "b1", "p6", "p7"),
        group("g5", "sud", "wed-am", "c1", "a1", "p4", "p5"),
        group("g6", "sud", "mon-pm", "c2", "a1", "p4", "p5"),
    ]


def solution(groups: list[dict[str, Any]]) -> Solution:
    return parse_solution({"format": "iop-week-solution/1", "groups": groups})
