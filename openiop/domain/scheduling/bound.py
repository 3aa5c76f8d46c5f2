"""Lower bounds from the LP relaxation of :mod:`formulation`, solved with HiGHS.

Every schedule meeting the hard constraints of iop-week/1 is an integer point of that model, so
the LP optimum (rounded up: shortfall is whole minutes, groups are whole) is below what any
schedule achieves: on total shortfall (objective 1), and on the number of groups among schedules
whose shortfall is at most a given total (objective 2). The CP-SAT solver reports these next to
its own best bound, so a gap is shown even when it stops at its time limit.
"""

from __future__ import annotations

import math

import numpy as np
from highspy import _core

from openiop.domain.scheduling.formulation import Formulation, Terms, formulate
from openiop.domain.scheduling.index import Index, build_index
from openiop.domain.scheduling.model import Problem


def lp_minimum(
    f: Formulation, objective: Terms, caps: list[tuple[Terms, int]], time_limit: float
) -> int | None:
    """The LP optimum of ``objective`` rounded up, with ``sum(terms) <= value`` for each cap.

    None when HiGHS does not finish within ``time_limit`` seconds. The interior-point method
    without crossover is several times faster here than simplex; its objective is accurate to
    about 1e-7, far below the margin used when rounding up.
    """
    # highspy.Highs prints a banner on the process's stdout when created, which would corrupt the
    # JSON that `openiop schedule solve` writes there; its base class _Highs is the same solver.
    highs = _core._Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(0.01, float(time_limit)))
    highs.setOptionValue("solver", "ipm")
    highs.setOptionValue("run_crossover", "off")
    highs.setOptionValue("threads", 1)
    inf = highs.getInfinity()
    n = len(f.lb)
    highs.addVars(n, np.array(f.lb, dtype=np.float64), np.array(f.ub, dtype=np.float64))
    rows = list(f.rows)
    rows += [([v for v, _ in terms], [c for _, c in terms], None, value) for terms, value in caps]
    starts: list[int] = []
    indices: list[int] = []
    values: list[int] = []
    lower: list[float] = []
    upper: list[float] = []
    for variables, coefficients, lo, hi in rows:
        starts.append(len(indices))
        indices.extend(variables)
        values.extend(coefficients)
        lower.append(-inf if lo is None else lo)
        upper.append(inf if hi is None else hi)
    highs.addRows(
        len(rows),
        np.array(lower, dtype=np.float64),
        np.array(upper, dtype=np.float64),
        len(indices),
        np.array(starts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(values, dtype=np.float64),
    )
    costs = np.zeros(n)
    for v, c in objective:
        costs[v] += c
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), costs)
    highs.run()
    if highs.getModelStatus() != _core.HighsModelStatus.kOptimal:
        return None
    return math.ceil(highs.getInfo().objective_function_value - 1e-4)


def shortfall_bound(
    problem: Problem, index: Index | None = None, time_limit: float = 10.0
) -> float:
    """Hours of total shortfall that no valid schedule can avoid (objective 1)."""
    f = formulate(index or build_index(problem))
    value = lp_minimum(f, f.shortfall, [], time_limit)
    return 0.0 if value is None else value / 60


def groups_bound(
    problem: Problem,
    max_shortfall_hours: float,
    index: Index | None = None,
    time_limit: float = 10.0,
) -> int:
    """Fewest groups any valid schedule with at most this total shortfall needs (objective 2)."""
    f = formulate(index or build_index(problem))
    value = lp_minimum(f, f.groups, [(f.shortfall, round(max_shortfall_hours * 60))], time_limit)
    return 0 if value is None else value
