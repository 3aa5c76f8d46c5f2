"""Lower bounds from the LP relaxation of :mod:`formulation`, solved with HiGHS.

Every schedule meeting the hard constraints of iop-week/1 is an integer point of that model, so
the LP optimum (rounded up: shortfall is whole minutes, groups are whole) is below what any
schedule achieves: on total shortfall (objective 1), and on the number of groups among schedules
whose shortfall is at most a given total (objective 2). The CP-SAT solver reports these next to
its own best bound, so a gap is shown even when it stops at its time limit.

The LP grows with the problem (about 84,000 variables at 5,000 patients), so for parts solved by
large-neighbourhood search :func:`counting_groups_bound` gives a bound by counting seats instead,
in milliseconds at any size; the solver reports the largest bound it has.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from highspy import _core

from openiop.domain.scheduling.formulation import Formulation, Terms, formulate
from openiop.domain.scheduling.index import Index, build_index
from openiop.domain.scheduling.model import Problem, hours_to_minutes


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


def counting_groups_bound(index: Index, max_shortfall_minutes: int = 0) -> int:
    """Fewest groups any valid schedule with at most this total shortfall needs, by counting.

    A patient needing ``need`` minutes whose longest possible block lasts ``L`` attends at least
    ``ceil(need / L)`` groups, and a group of a (place, track) seats at most its largest usable
    size (constraint 2). With no shortfall: each (place, track) needs enough groups for the
    patients who can meet only there; patients of one track who could meet at several places
    fill the seats left over in that track's groups, then need groups of the track's largest
    size; patients of several tracks fill what is left in any track, then groups of the largest
    size of all. (Each step only relaxes where a patient may sit, so the count is never above
    the groups of a valid schedule.) With shortfall ``S`` allowed, only the total count is used:
    seats needed minus the blocks ``S`` can save, over the largest group size.
    """
    problem = index.problem
    blocks = problem.block_by_id
    cap: dict[tuple[str, str], int] = {}
    for o in index.opportunities:
        sizes = index.capacities(o).values()
        if sizes:
            key = (o[0], o[2])
            cap[key] = max(cap.get(key, 0), max(sizes))
    if not cap:
        return 0
    dedicated: defaultdict[tuple[str, str], int] = defaultdict(int)
    flexible: defaultdict[str, int] = defaultdict(int)  # one track, several places
    multi = 0  # several tracks
    total, slack_minutes, shortest = 0, 0, None
    saved_minutes = max_shortfall_minutes
    for p in problem.patients:
        need = hours_to_minutes(p.min_hours)
        options = [o for o in index.patient_options.get(p.id, ()) if (o[0], o[2]) in cap]
        if not options:
            saved_minutes -= need  # all of it is shortfall in any schedule
            continue
        if need <= 0:
            continue
        longest = max(blocks[o[1]].minutes for o in options)
        seats = math.ceil(need / longest)
        total += seats
        slack_minutes += seats * longest - need
        shortest = longest if shortest is None else min(shortest, longest)
        classes = {(o[0], o[2]) for o in options}
        tracks = {t for _, t in classes}
        if len(classes) == 1:
            dedicated[next(iter(classes))] += seats
        elif len(tracks) == 1:
            flexible[next(iter(tracks))] += seats
        else:
            multi += seats
    largest = max(cap.values())
    if max_shortfall_minutes > 0:
        saved = max(0, saved_minutes + slack_minutes) // (shortest or 1)
        return max(0, math.ceil((total - saved) / largest))
    count, spare = 0, 0
    for track in sorted({t for _, t in cap}):
        kinds = [k for k in cap if k[1] == track]
        base = {k: math.ceil(dedicated[k] / cap[k]) for k in kinds}
        left = sum(base[k] * cap[k] - dedicated[k] for k in kinds)
        widest = max(cap[k] for k in kinds)
        extra = math.ceil(max(0, flexible[track] - left) / widest)
        count += sum(base.values()) + extra
        spare += left + extra * widest - flexible[track]
    return count + math.ceil(max(0, multi - spare) / largest)
