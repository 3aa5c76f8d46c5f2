"""The CP-SAT solver: the model of :mod:`formulation`, solved lexicographically.

The objective of iop-week/1 ("Objective, in strict priority order") is solved in stages on one
model: minimise total shortfall; add ``shortfall <= best found`` and minimise groups; add
``groups <= best found`` and, when the problem has ``previous``, minimise changes from it. A stage
proven optimal fixes its objective at the optimum; one stopped by the time limit fixes it at the
best value found, and the status is then ``FEASIBLE``. Shortfall gets 40% of the time left after
set-up, groups the rest (75% of it with ``previous``, changes the last 25%); a stage that proves
its optimum early hands its time on.

Warm starts (``AddHint``): each stage from the previous stage's schedule, the first from the
greedy schedule built on top of ``previous`` (last week's groups replayed where still possible).
When re-scheduling, the first search also holds every patient whose replayed groups already reach
their minimum where they were (CP-SAT assumptions), so admissions and discharges move only the
patients they must; it is then released.

Search settings, chosen by measurement on generated instances: the least-shortfall search runs
without LP relaxation and presolve (its LP bound is usually 0 and only slows it down); only if
shortfall remains, the HiGHS LP bound (:mod:`bound`) is added as a cut, so that reaching it proves
optimality, and the search continues with the LP. Fewest groups and fewest changes run with the
full LP relaxation (``linearization_level`` 2, or the ``max_lp`` worker beside the LNS workers),
again with the HiGHS bound as a cut.

``stability_first=True`` (the app's mid-week re-solve) swaps objectives 2 and 3: after the least
shortfall, the fewest changes from ``previous``, then the fewest groups; shares 40%, 30%, 30%. A
re-solve is hinted with last week's groups replayed (:func:`greedy.greedy`), and patients whose
replayed groups still give them their minimum are held there during the first search, so the
search mostly has to place the patients whose free times changed. Without it (the weekly build)
the format's order holds: a group fewer is worth moving patients.

Independent parts (:func:`index.components`: places sharing no counselor, patient or virtual
room) get separate models; a part of more than ``LNS_PATIENTS`` patients (a network linked by
virtual rooms) is solved instead by large-neighbourhood search over its sites (:mod:`lns`),
stopping at 85% of the time limit, with the counting bound of :mod:`bound` as its lower bound
on groups; every part finishes a stage before any starts the next, each with a
share of the stage's time proportional to its size. With one worker and a fixed seed CP-SAT is
deterministic, so a problem gives the same schedule whenever the stages finish within their time.
The result is checked by the independent :mod:`validator`; should it be invalid or
lexicographically worse than the greedy schedule, the greedy one is returned and
``stats.fallback`` says why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from openiop.domain.scheduling import lns
from openiop.domain.scheduling.bound import counting_groups_bound, lp_minimum
from openiop.domain.scheduling.explain import explain
from openiop.domain.scheduling.formulation import Terms, formulate, solution_from, values_from
from openiop.domain.scheduling.greedy import greedy
from openiop.domain.scheduling.index import build_index, components
from openiop.domain.scheduling.model import Group, Problem, Solution, hours_to_minutes
from openiop.domain.scheduling.validator import count_changes, validate

LNS_PATIENTS = 6000  # parts with more patients are solved by large-neighbourhood search (lns)


class _Part:
    """One independent part: its model, current values and the stages run so far."""

    def __init__(self, problem: Problem, start: Solution, workers: int, seed: int) -> None:
        self.f = formulate(build_index(problem))
        self.model = cp_model.CpModel()
        self.x = [
            self.model.new_bool_var("")
            if (lo, hi) == (0, 1)
            else self.model.new_int_var(lo, hi, "")
            for lo, hi in zip(self.f.lb, self.f.ub, strict=True)
        ]
        for variables, coefficients, lo, hi in self.f.rows:
            linear = cp_model.LinearExpr.weighted_sum([self.x[v] for v in variables], coefficients)
            lower = cp_model.INT_MIN if lo is None else lo
            self.model.add_linear_constraint(linear, lower, cp_model.INT_MAX if hi is None else hi)
        self.values = values_from(self.f, start)
        # Patients of ``previous`` whose replayed groups already give them their minimum.
        self.keep: list[cp_model.LiteralT] = []
        if problem.previous is not None:
            kept = {p for g in problem.previous.groups for p in g.patients}
            short = {p for p, v in self.f.short.items() if self.values[v] > 0}
            self.keep = [
                self.x[v] if self.values[v] else self.x[v].Not()
                for (pid, _), v in self.f.y.items()
                if pid in kept and pid not in short
            ]
        self.workers, self.seed = workers, seed
        # Large-neighbourhood search (:mod:`lns`) caps each search by deterministic time, so
        # that its result does not depend on the machine's speed, and skips the HiGHS cut.
        self.dtime: float | None = None
        self.lp_cut = True
        self.optimal = True
        self.bounds: dict[str, int] = {}
        self.fixed: list[tuple[Terms, int]] = []
        self.log: list[dict[str, Any]] = []

    def expr(self, terms: Terms) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum(
            [self.x[v] for v, _ in terms], [c for _, c in terms]
        )

    def value(self, terms: Terms) -> int:
        return sum(self.values[v] * c for v, c in terms)

    def run(self, terms: Terms, seconds: float, with_lp: bool) -> tuple[bool, int]:
        """Minimise ``terms`` from the current values; (proven optimal, best bound)."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        hint = self.model.proto.solution_hint  # filled directly: add_hint is slow in Python
        hint.vars.extend(v.index for v in self.x)
        hint.values.extend(self.values)
        self.model.minimize(self.expr(terms))
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = max(0.05, seconds)
        params.num_workers = self.workers
        params.random_seed = self.seed
        if self.dtime is not None:
            params.max_deterministic_time = self.dtime
        if not with_lp:
            params.cp_model_presolve = False
            if self.workers == 1:
                params.linearization_level = 0
            else:
                params.subsolvers.extend(["no_lp", "quick_restart_no_lp"])
        elif self.workers == 1:
            params.linearization_level = 2
        else:
            params.subsolvers.append("max_lp")
        status = solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, -(2**62)
        self.values = list(solver.response_proto.solution)
        return status == cp_model.OPTIMAL, math.ceil(solver.best_objective_bound - 1e-6)

    def objective(self, name: str) -> tuple[Terms, int]:
        """The terms and constant of one stage's objective."""
        f = self.f
        return {"shortfall": (f.shortfall, 0), "groups": (f.groups, 0)}.get(
            name, (f.changes, f.changes_offset)
        )

    def stage(self, name: str, until: float) -> None:
        """One objective: CP-SAT search, the HiGHS LP bound as a cut, more search; then fix it."""
        began, proven = time.perf_counter(), False
        terms, offset = self.objective(name)
        f = self.f  # the trivial bound: every variable at its most favourable bound
        best = sum(c * (f.lb[v] if c > 0 else f.ub[v]) for v, c in terms)
        if name == "shortfall":  # first a fast search without LP; most often it reaches 0
            if self.keep:  # re-scheduling: first move only the patients who must move
                self.model.add_assumptions(self.keep)
                self.run(terms, 0.4 * (until - began), with_lp=False)
                self.model.clear_assumptions()
                proven = self.value(terms) == 0
            if not proven:
                proven, bound = self.run(terms, 0.8 * (until - time.perf_counter()), with_lp=False)
                best = max(best, bound)
        if not proven:
            lp = (
                lp_minimum(self.f, terms, self.fixed, 0.3 * (until - time.perf_counter()))
                if self.lp_cut
                else None
            )
            if lp is not None and lp > best:
                best = lp
                self.model.add(self.expr(terms) >= lp)
            proven = self.value(terms) <= best
            if not proven:
                optimal, bound = self.run(terms, until - time.perf_counter(), with_lp=True)
                best = max(best, bound)
                proven = optimal or self.value(terms) <= best
        found = self.value(terms)
        self.model.add(self.expr(terms) <= found)
        self.fixed.append((terms, found))
        self.optimal &= proven
        self.bounds[name] = best + offset
        self.log.append(
            {
                "objective": name,
                "status": "OPTIMAL" if proven else "FEASIBLE",
                "value": found + offset,
                "bound": best + offset,
                "seconds": round(time.perf_counter() - began, 3),
            }
        )

    def groups(self) -> list[Group]:
        return solution_from(self.f, self.values)


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    workers: int = 1,
    seed: int = 0,
    decompose: bool = True,
    progress: Callable[[dict[str, Any]], None] | None = None,
    stability_first: bool = False,
    lns_rounds: int | None = None,
) -> Solution:
    """The best schedule found within about ``time_limit`` seconds, with stats (module docstring).

    ``progress``, when given, is called after each stage of each part with that stage's entry of
    ``stats.stages`` plus ``part``, ``parts`` and ``seconds_elapsed`` (e.g. to show progress).
    ``stability_first`` ranks changes from ``previous`` above group count (module docstring).
    ``lns_rounds`` caps the neighbourhoods of each large part (with one worker and a seed the
    result is then the same on any machine, given a time limit it never reaches).
    """
    began = time.perf_counter()
    index = build_index(problem)
    start = greedy(problem, start=problem.previous, index=index)
    sub = components(index) if decompose else [problem]
    large = [p for p in sub if decompose and len(p.patients) > LNS_PATIENTS]
    small = [p for p in sub if not (decompose and len(p.patients) > LNS_PATIENTS)]
    parts = [_Part(p, start, workers, seed) for p in small]
    weights = [max(1, len(p.patients)) for p in small]
    stages = [("shortfall", 0.4), ("groups", 1.0)]
    if problem.previous is not None:
        stages[1:] = [("groups", 0.75), ("changes", 1.0)]
        if stability_first:
            stages[1:] = [("changes", 0.7), ("groups", 1.0)]
    everyone = max(1, sum(len(p.patients) for p in sub))
    elapsed = time.perf_counter() - began
    small_limit = (
        elapsed + (time_limit - elapsed) * sum(weights) / everyone if large else time_limit
    )
    seconds_to_shortfall = (
        _run_stages(parts, weights, stages, began, small_limit, progress) if parts else 0.0
    )
    groups = [g for part in parts for g in part.groups()]
    searched: list[dict[str, Any]] = []
    for i, p in enumerate(large):
        rooms = {r.id for r in p.rooms}
        # checking, explaining and bounding a network-sized schedule take a few seconds more
        left = began + 0.85 * time_limit - time.perf_counter()
        share = len(p.patients) / sum(len(q.patients) for q in large[i:])
        found, log = lns.improve(
            p,
            index,
            Solution(tuple(g for g in start.groups if g.room in rooms)),
            stages=[name for name, _ in stages],
            until=time.perf_counter() + max(0.1, left * share),
            workers=workers,
            seed=seed,
            rounds=lns_rounds,
        )
        groups.extend(found.groups)
        searched.append(_lns_summary(log, began, len(small) + i + 1, len(sub)))
        if progress is not None:
            progress(searched[-1])
        seconds_to_shortfall = max(seconds_to_shortfall, searched[-1]["seconds_to_shortfall"])
    solution = Solution(tuple(sorted(groups, key=lambda g: g.id)))
    stats: dict[str, Any] = {
        "solver": "cp-sat",
        "status": "OPTIMAL" if all(p.optimal for p in parts) and not large else "FEASIBLE",
    }
    report = validate(problem, solution)
    if not report.valid or _rank(problem, start, stability_first) < _rank(
        problem, solution, stability_first
    ):
        stats["fallback"] = "greedy: " + (
            "; ".join(report.errors[:5]) if not report.valid else "better than CP-SAT"
        )
        stats["status"] = "FEASIBLE"
        solution = Solution(start.groups)
        report = validate(problem, solution)
    shortfall_lb, groups_lb = _lower_bounds(problem, sub, parts)
    if report.valid:  # the counting bound, when larger than the models' (always for LNS parts)
        groups_lb = max(
            groups_lb,
            counting_groups_bound(
                index, hours_to_minutes(report.shortfall_hours) if report.shortfall_hours else 0
            ),
        )
    stats.update(
        {
            "seconds": round(time.perf_counter() - began, 3),
            "seconds_to_shortfall": seconds_to_shortfall,
            "shortfall_hours": report.shortfall_hours,
            "patients_meeting_minimum": report.patients_meeting_minimum,
            "groups": report.groups,
            "lower_bound": {"shortfall_hours": shortfall_lb, "groups": groups_lb},
            "gap": {
                "shortfall_hours": round(report.shortfall_hours - shortfall_lb, 3),
                "groups": round((report.groups - groups_lb) / report.groups, 4)
                if report.groups
                else 0.0,
            },
            "components": len(sub),
            "greedy": {
                "shortfall_hours": start.stats["shortfall_hours"],
                "groups": len(start.groups),
            },
            "stages": [entry for part in parts for entry in part.log] + searched,
            "shortfalls": [s.to_dict() for s in explain(problem, solution, index)],
        }
    )
    if problem.previous is not None:
        stats["changes"] = count_changes(problem, solution)
    return Solution(solution.groups, stats)


def _run_stages(
    parts: list[_Part],
    weights: list[int],
    stages: list[tuple[str, float]],
    began: float,
    time_limit: float,
    progress: Callable[[dict[str, Any]], None] | None,
) -> float:
    """Run each objective stage on every part, in strict priority order; returns the seconds
    from ``began`` until the shortfall stage was done.

    The stages share what the set-up left of the time limit: a stage may run until its share
    of it (cumulative) has passed, split among the parts still to go by their patients, and
    each part gets at least 0.1 s."""
    seconds_to_shortfall = 0.0
    ready = time.perf_counter()
    budget = max(0.0, time_limit - (ready - began))
    for name, share in stages:
        for i, part in enumerate(parts):
            left = ready + share * budget - time.perf_counter()
            part.stage(name, time.perf_counter() + max(0.1, left * weights[i] / sum(weights[i:])))
            if progress is not None:
                elapsed = round(time.perf_counter() - began, 3)
                progress(
                    {**part.log[-1], "part": i + 1, "parts": len(parts), "seconds_elapsed": elapsed}
                )
        if name == "shortfall":
            seconds_to_shortfall = round(time.perf_counter() - began, 3)
    return seconds_to_shortfall


def _lower_bounds(problem: Problem, sub: list[Problem], parts: list[_Part]) -> tuple[float, int]:
    """Shortfall hours and groups no schedule can beat: the parts' proven bounds, plus the
    whole minimum of patients in no part (they have no possible group)."""
    in_parts = {p.id for part in sub for p in part.patients}
    unavoidable = sum(
        hours_to_minutes(p.min_hours) for p in problem.patients if p.id not in in_parts
    )
    shortfall_lb = (unavoidable + sum(p.bounds.get("shortfall", 0) for p in parts)) / 60
    groups_lb = sum(p.bounds.get("groups", 0) for p in parts)
    return shortfall_lb, groups_lb


def _rank(
    problem: Problem, solution: Solution, stability_first: bool = False
) -> tuple[float, int, int]:
    """The format's lexicographic objective, measured by the independent validator (changes
    before groups when ``stability_first``)."""
    report = validate(problem, solution)
    changes = count_changes(problem, solution)
    if stability_first:
        return report.shortfall_hours, changes, report.groups
    return report.shortfall_hours, report.groups, changes


def _lns_summary(log: list[dict[str, Any]], began: float, part: int, parts: int) -> dict[str, Any]:
    """One ``stats.stages`` entry for a part solved by large-neighbourhood search."""
    improved = [e for e in log if e["after"] < e["before"]]
    shortfall = [e for e in improved if e["after"][0] < e["before"][0]]
    return {
        "objective": "neighbourhoods",
        "status": "FEASIBLE",
        "rounds": len(log),
        "improved": len(improved),
        "value": log[-1]["after"] if log else [],
        "seconds": round(sum(e["seconds"] for e in log), 3),
        "seconds_to_shortfall": round(shortfall[-1]["at"] - began, 3) if shortfall else 0.0,
        "part": part,
        "parts": parts,
        "seconds_elapsed": round(time.perf_counter() - began, 3),
    }
