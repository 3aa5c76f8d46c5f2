"""Benchmark: weekly IOP schedules, CP-SAT against the greedy baseline.

Fixed seeds. Instances come from ``openiop.domain.scheduling.generator``: "planted" ones hide a
valid zero-shortfall schedule, so the optimum shortfall is 0 and the planted group count bounds the
fewest groups from above; "random" ones draw patients' free time at random, so some patients
cannot reach their minimum; "network" ones have no telehealth, so every site is an independent
part and the solver decomposes. CP-SAT runs with 2 workers and the time limit shown; seconds are
wall clock on this machine, "to 0" is when the final shortfall was reached. The lower bound on
groups is the best of CP-SAT's and the HiGHS LP relaxation's, given the shortfall found.

    .venv/bin/python bench/scheduling/run.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from openiop.domain.scheduling import generate, greedy, solve, validate

WORKERS = 2
# (label, patients, sites, plant, telehealth share, seed, CP-SAT time limit in seconds)
CASES = [
    ("planted", 50, 1, True, 0.25, 1, 10.0),
    ("planted", 200, 2, True, 0.25, 1, 20.0),
    ("random", 200, 2, False, 0.25, 2, 15.0),
    ("planted", 500, 5, True, 0.25, 1, 30.0),
    ("planted", 1000, 10, True, 0.25, 1, 45.0),
    ("network", 1000, 10, True, 0.0, 3, 20.0),
]


def main() -> None:
    header = (
        f"{'instance':<8} {'pat':>5} {'parts':>5} | {'greedy h':>8} {'grp':>4} {'s':>5} |"
        f" {'cp-sat h':>8} {'grp':>4} {'plant':>5} {'lb':>4} {'gap':>6} {'to 0':>5} {'s':>5}"
        f" {'status':<8} | {'grp/greedy':>10}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for label, patients, sites, plant, telehealth, seed, limit in CASES:
        made = generate(patients, seed, sites, plant=plant, telehealth=telehealth)
        problem = made.problem
        began = time.perf_counter()
        base = validate(problem, greedy(problem))
        greedy_seconds = time.perf_counter() - began
        result = solve(problem, time_limit=limit, workers=WORKERS, seed=0)
        report = validate(problem, result)
        assert report.valid, report.errors
        stats = result.stats
        planted = len(made.planted.groups) if made.planted else None
        rows.append((label, report, base, planted, stats))
        print(
            f"{label:<8} {patients:>5} {stats['components']:>5} |"
            f" {base.shortfall_hours:>8g} {base.groups:>4} {greedy_seconds:>5.2f} |"
            f" {report.shortfall_hours:>8g} {report.groups:>4} {planted or '-':>5}"
            f" {stats['lower_bound']['groups']:>4} {stats['gap']['groups']:>6.1%}"
            f" {stats['seconds_to_shortfall']:>5.1f} {stats['seconds']:>5.1f} {stats['status']:<8} |"
            f" {report.groups / base.groups:>10.2f}",
            flush=True,
        )
    zero = all(r.shortfall_hours == 0 for label, r, _, _, _ in rows if label != "random")
    floor = all(
        (r.shortfall_hours, r.groups) <= (b.shortfall_hours, b.groups) for _, r, b, _, _ in rows
    )
    under_plant = all(r.groups <= p for _, r, _, p, _ in rows if p is not None)
    worst_gap = max(s["gap"]["groups"] for *_, s in rows)
    print(
        f"verdict: zero shortfall on every planted instance: {'yes' if zero else 'NO'};"
        f" never worse than greedy: {'yes' if floor else 'NO'};"
        f" no more groups than planted: {'yes' if under_plant else 'NO'};"
        f" worst gap to the groups lower bound {worst_gap:.1%}."
    )


if __name__ == "__main__":
    main()
