"""Benchmark: weekly IOP schedules, CP-SAT against the greedy baseline, up to network scale.

Fixed seeds. Instances come from ``openiop.domain.scheduling.generator``: "planted" ones hide a
valid zero-shortfall schedule, so the optimum shortfall is 0 and the planted group count bounds the
fewest groups from above; "random" ones draw patients' free time at random, so some patients
cannot reach their minimum; "network" ones have no telehealth, so every site is an independent
part and the solver decomposes; "busy" runs the same instance while another process keeps one core
busy; the 20,000-patient, 40-site row is one part (virtual groups link the sites) solved by
large-neighbourhood search over sites. CP-SAT runs with 2 workers and the time limit shown; seconds
are wall clock on this machine, "to 0" is when the final shortfall was reached. "lb" is the lower
bound on groups (CP-SAT's, the HiGHS LP relaxation's or the counting bound, whichever is largest,
given the shortfall found) and "gap" is (groups - lb) / groups.

The re-solve rows: the week is solved, then 5% of patients get new free times (generator.perturb)
and it is solved again for 1 s with the first schedule as ``previous``: in the format's order
(groups before changes) and with ``stability_first`` (changes before groups, the app's mid-week
re-solve). "kept" is the share of patients whose free times did not change who keep exactly their
blocks and tracks.

    .venv/bin/python bench/scheduling/run.py
    .venv/bin/python bench/scheduling/run.py --max-patients 5000   # leave out the 20,000 row
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from openiop.domain.scheduling import Problem, Solution, generate, greedy, solve, validate
from openiop.domain.scheduling.generator import perturb

WORKERS = 2
# (label, patients, sites, plant, telehealth share, seed, CP-SAT time limit in seconds, linked)
CASES: list[tuple[str, int, int, bool, float, int, float, int | None]] = [
    ("planted", 50, 1, True, 0.25, 1, 10.0, None),
    ("planted", 200, 2, True, 0.25, 1, 20.0, None),
    ("planted", 250, 3, True, 0.25, 1, 20.0, None),
    ("random", 200, 2, False, 0.25, 2, 15.0, None),
    ("planted", 500, 5, True, 0.25, 1, 30.0, None),
    ("planted", 1000, 10, True, 0.25, 1, 45.0, None),
    ("network", 1000, 10, True, 0.0, 3, 20.0, None),
    ("planted", 5000, 50, True, 0.25, 1, 20.0, None),
    ("busy", 5000, 50, True, 0.25, 1, 20.0, None),
    ("network", 20000, 40, True, 0.25, 1, 60.0, 10),
]
RESOLVE = [(250, 10.0), (1000, 20.0)]  # patients, seconds for the first solve
GAP_GOAL = {250: 0.05, 5000: 0.10}


def _busy() -> subprocess.Popen[bytes]:
    """Another process keeping one core busy."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _slots(solution: Solution) -> defaultdict[str, set[tuple[str, str]]]:
    out: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    for g in solution.groups:
        for pid in g.patients:
            out[pid].add((g.block, g.track))
    return out


def _kept(problem: Problem, first: Solution, again: Solution, drawn: set[str]) -> float:
    before, after = _slots(first), _slots(again)
    unchanged = [p.id for p in problem.patients if p.id not in drawn and p.id in before]
    return sum(1 for pid in unchanged if after[pid] == before[pid]) / max(1, len(unchanged))


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-patients", type=int, default=None, help="leave out the instances above this size"
    )
    largest = parser.parse_args().max_patients
    header = (
        f"{'instance':<8} {'pat':>5} {'parts':>5} | {'greedy h':>8} {'grp':>5} {'s':>5} |"
        f" {'cp-sat h':>8} {'grp':>5} {'plant':>5} {'lb':>5} {'gap':>6} {'to 0':>5} {'s':>5}"
        f" {'status':<8} | {'grp/greedy':>10}"
    )
    print(header)
    print("-" * len(header))
    rows: list[tuple[str, int, Any, Any, int | None, dict[str, Any]]] = []
    for label, patients, sites, plant, telehealth, seed, limit, linked in CASES:
        if largest is not None and patients > largest:
            continue
        made = generate(
            patients, seed, sites, plant=plant, telehealth=telehealth, linked_sites=linked
        )
        problem = made.problem
        began = time.perf_counter()
        base = validate(problem, greedy(problem))
        greedy_seconds = time.perf_counter() - began
        busy = _busy() if label == "busy" else None
        try:
            result = solve(problem, time_limit=limit, workers=WORKERS, seed=0)
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
        report = validate(problem, result)
        assert report.valid, report.errors
        stats = dict(result.stats)
        planted = len(made.planted.groups) if made.planted else None
        rows.append((label, patients, report, base, planted, stats))
        print(
            f"{label:<8} {patients:>5} {stats['components']:>5} |"
            f" {base.shortfall_hours:>8g} {base.groups:>5} {greedy_seconds:>5.2f} |"
            f" {report.shortfall_hours:>8g} {report.groups:>5} {planted or '-':>5}"
            f" {stats['lower_bound']['groups']:>5} {stats['gap']['groups']:>6.1%}"
            f" {stats['seconds_to_shortfall']:>5.1f} {stats['seconds']:>5.1f} {stats['status']:<8} |"
            f" {report.groups / base.groups:>10.2f}",
            flush=True,
        )
    print()
    print(
        f"{'re-solve':<8} {'pat':>5} | {'greedy kept':>11} | {'weekly kept':>11} {'grp':>5} {'s':>5}"
        f" | {'stable kept':>11} {'grp':>5} {'short h':>7} {'s':>5}"
    )
    kept: dict[int, float] = {}
    for patients, first_limit in RESOLVE:
        problem = generate(patients, 1).problem
        first = solve(problem, time_limit=first_limit, workers=WORKERS, seed=0)
        again, drawn = perturb(problem, first, 0.05, seed=7)
        replay = greedy(again, start=first)
        timed = []
        for stability_first in (False, True):
            began = time.perf_counter()
            out = solve(
                again, time_limit=1.0, workers=WORKERS, seed=0, stability_first=stability_first
            )
            timed.append((out, time.perf_counter() - began))
        (weekly, weekly_s), (stable, stable_s) = timed
        kept[patients] = _kept(again, first, stable, drawn)
        print(
            f"{'5% new':<8} {patients:>5} | {_kept(again, first, replay, drawn):>11.1%} |"
            f" {_kept(again, first, weekly, drawn):>11.1%} {weekly.stats['groups']:>5}"
            f" {weekly_s:>5.2f} | {kept[patients]:>11.1%} {stable.stats['groups']:>5}"
            f" {stable.stats['shortfall_hours']:>7g} {stable_s:>5.2f}",
            flush=True,
        )
    print()
    zero = all(r.shortfall_hours == 0 for label, _, r, *_ in rows if label != "random")
    floor = all(
        (r.shortfall_hours, r.groups) <= (b.shortfall_hours, b.groups) for _, _, r, b, _, _ in rows
    )
    under_plant = all(r.groups <= p for _, _, r, _, p, _ in rows if p is not None)
    worst_gap = max(s["gap"]["groups"] for *_, s in rows)
    print(
        f"verdict: zero shortfall on every planted instance: {'yes' if zero else 'NO'};"
        f" never worse than greedy: {'yes' if floor else 'NO'};"
        f" no more groups than planted: {'yes' if under_plant else 'NO'};"
        f" worst gap to the groups lower bound {worst_gap:.1%}."
    )
    busy_row = next(s for label, _, _, _, _, s in rows if label == "busy")
    big = next((s for _, n, _, _, _, s in rows if n == 20000), None)
    print(
        "goal 1, zero shortfall at 5,000 within 5 s beside a busy core:"
        f" {_mark(busy_row['shortfall_hours'] == 0 and busy_row['seconds_to_shortfall'] <= 5)}"
        f" ({busy_row['shortfall_hours']:g} h at {busy_row['seconds_to_shortfall']:.1f} s)"
    )
    if big is None:
        print("goal 2, 20,000 patients at 40 sites within 60 s: not run (--max-patients)")
    else:
        print(
            "goal 2, 20,000 patients at 40 sites within 60 s, valid, no worse than greedy:"
            f" {_mark(big['seconds'] <= 60 and floor)} ({big['seconds']:.1f} s,"
            f" {big['shortfall_hours']:g} h short, {big['groups']} groups)"
        )
    for patients, goal in GAP_GOAL.items():
        gap = max(s["gap"]["groups"] for label, n, *_, s in rows if n == patients)
        print(f"goal 3, groups gap at {patients}: {_mark(gap <= goal)} ({gap:.1%} <= {goal:.0%})")
    for patients, share in kept.items():
        print(
            f"goal 4, re-solve keeps unchanged patients at {patients} within 1 s:"
            f" {_mark(share >= 0.95)} ({share:.1%} >= 95%)"
        )


if __name__ == "__main__":
    main()
