"""Weekly IOP scheduling: the iop-week/1 format, solvers, validator, bounds and instances.

``model`` reads and writes the iop-week/1 format; ``validator`` checks a
solution against its hard constraints independently of the solvers; ``greedy`` is the baseline
and warm start; ``cpsat`` solves the objective in its priority order; ``bound`` gives LP lower
bounds; ``explain`` says why a patient falls short; ``generator`` makes seeded instances.

``solve`` is loaded on first use: the CP-SAT library (OR-Tools, about 90 MiB resident) is
needed only where a week is solved (the task worker and the command line), never by a web
process that only reads, validates or explains schedules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openiop.domain.scheduling.explain import Shortfall, explain
from openiop.domain.scheduling.generator import Generated, generate
from openiop.domain.scheduling.greedy import greedy
from openiop.domain.scheduling.model import (
    FormatError,
    Problem,
    Solution,
    parse_problem,
    parse_solution,
    problem_to_dict,
    solution_to_dict,
)
from openiop.domain.scheduling.validator import Report, count_changes, validate

if TYPE_CHECKING:
    from openiop.domain.scheduling.cpsat import solve

__all__ = [
    "FormatError",
    "Generated",
    "Problem",
    "Report",
    "Shortfall",
    "Solution",
    "count_changes",
    "explain",
    "generate",
    "greedy",
    "parse_problem",
    "parse_solution",
    "problem_to_dict",
    "solution_to_dict",
    "solve",
    "validate",
]


def __getattr__(name: str) -> Any:
    """PEP 562: import the CP-SAT solver only when `solve` is first asked for."""
    if name == "solve":
        from openiop.domain.scheduling.cpsat import solve

        globals()["solve"] = solve
        return solve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
