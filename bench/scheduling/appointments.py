"""Benchmark: a week's individual appointments placed around the groups, CP-SAT against greedy.

Fixed seeds. An instance of N patients: each patient is in one group track (mornings 09:00-12:00,
afternoons 13:00-16:00 or evenings 18:00-21:00) on 3 to 5 weekdays; evening patients work and are
free only from 15:00 on weekdays and on Saturday mornings, the others at any time. N / 25
counselors work Mon-Fri 08:00-18:00 or 12:00-21:00 and lead about a third of the group sessions
(their busy times); each patient has a primary counselor whose hours meet their free time (an
evening patient, a late counselor). Four prescribers work part-time windows (4 days of 10 hours
each); N / 250 case managers work Mon-Fri 09:00-17:00. Dues: individual counselling for every
patient (60 min, the primary counselor only), medication management for half (15 min, the four
prescribers, the patient's own first), family therapy for 15% (60 min, the primary counselor,
inside two to four family times), a psychiatric evaluation for 2% (60 min, the prescribers) and
case management for 10% (30 min, the case managers). Starts every 15 minutes from 08:00, the
last ending by 21:00; a patient needs 15 minutes between two events.

Week 1 is placed without previous slots (``place``, 5 s); for week 2, 10% of patients move to
another group track (new busy times) and 70% of dues get their week-1 slot as ``previous``. The
table is week 2. CP-SAT runs with one worker (the default: deterministic) and a 5 s limit that
includes building the candidates and the models; seconds are wall clock on this machine.
"kept/able/prev": dues placed at last week's slot / whose slot is still possible on its own /
with a slot. "bound" is the most dues any placement can place, from the LP relaxation of the
placer's model (HiGHS, not timed against the goal), so "open" = bound - placed is at most the
number of placeable dues left unplaced: 0 means no placement places more.

    .venv/bin/python bench/scheduling/appointments.py
    .venv/bin/python bench/scheduling/appointments.py --patients 250,1000,2000 --workers 2
    .venv/bin/python bench/scheduling/appointments.py --no-bound   # skip the LP (20 s at 1,000)
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
from highspy import _core

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from openiop.domain.appointments import (
    Due,
    Interval,
    PatientTimes,
    Placement,
    PlacementProblem,
    Slot,
    Staff,
    greedy,
    place,
    validate,
)
from openiop.domain.appointments.place import _Candidates, _conflicts

LIMIT = 5.0  # seconds
SEED = 1
WEEKDAYS = (0, 1, 2, 3, 4)
BLOCKS = {"am": (9 * 60, 12 * 60), "pm": (13 * 60, 16 * 60), "ev": (18 * 60, 21 * 60)}
DAY_SHIFT, LATE_SHIFT = (8 * 60, 18 * 60), (12 * 60, 21 * 60)
PRESCRIBERS = (  # part-time windows, 4 days of 10 hours: (days, start, end)
    ((0, 1, 2, 3), 11 * 60, 21 * 60),
    ((1, 3, 4, 5), 8 * 60, 18 * 60),
    ((0, 2, 3, 4), 8 * 60, 18 * 60),
    ((0, 1, 2, 4), 11 * 60, 21 * 60),
)


def _week(days: tuple[int, ...], start: int, end: int) -> tuple[Interval, ...]:
    return tuple(Interval(d, start, end) for d in days)


def _track(rng: random.Random) -> tuple[str, tuple[int, ...]]:
    block = rng.choices(("am", "pm", "ev"), weights=(35, 25, 40))[0]
    days = tuple(sorted(rng.sample(WEEKDAYS, rng.choice((3, 3, 4, 4, 5)))))
    return block, days


def generate(patients: int, seed: int) -> PlacementProblem:
    """Week 1 of an instance (no previous slots); see the module docstring."""
    rng = random.Random(seed)
    n_counselors = max(2, patients // 25)
    counselors = [f"c{i}" for i in range(n_counselors)]
    shift = {c: DAY_SHIFT if i % 2 == 0 else LATE_SHIFT for i, c in enumerate(counselors)}
    tracks = {f"p{i}": _track(rng) for i in range(patients)}

    # Group sessions of up to 12 patients per block and day; a third led by these counselors.
    sessions: Counter[tuple[str, int]] = Counter()
    for block, days in tracks.values():
        sessions.update((block, d) for d in days)
    led: dict[str, list[Interval]] = {c: [] for c in counselors}
    for (block, day), members in sorted(sessions.items()):
        start, end = BLOCKS[block]
        for _ in range(-(-members // 12)):
            if rng.random() >= 1 / 3:
                continue
            able = [
                c
                for c in counselors
                if shift[c][0] <= start and end <= shift[c][1] and len(led[c]) < 3
                if not any(iv.day == day for iv in led[c])
            ]
            if able:
                leader = min(able, key=lambda c: (len(led[c]), rng.random()))
                led[leader].append(Interval(day, start, end))

    staff = [
        Staff(c, _week(WEEKDAYS, *shift[c]), tuple(led[c]), frozenset({"counselor"}))
        for c in counselors
    ]
    prescribers = [f"rx{i}" for i in range(len(PRESCRIBERS))]
    staff += [
        Staff(rx, _week(days, start, end), (), frozenset({"prescriber"}))
        for rx, (days, start, end) in zip(prescribers, PRESCRIBERS, strict=True)
    ]
    managers = [f"cm{i}" for i in range(max(1, patients // 250))]
    staff += [
        Staff(m, _week(WEEKDAYS, 9 * 60, 17 * 60), (), frozenset({"case_manager"}))
        for m in managers
    ]

    load = Counter[str]()
    people: list[PatientTimes] = []
    dues: list[Due] = []
    for pid, (block, days) in tracks.items():
        evening = block == "ev"
        free = (
            (*_week(WEEKDAYS, 15 * 60, 21 * 60), Interval(5, 8 * 60, 14 * 60)) if evening else None
        )
        people.append(PatientTimes(pid, free, _week(days, *BLOCKS[block])))
        able = [c for c in counselors if not evening or shift[c] == LATE_SHIFT]
        primary = min(able, key=lambda c: (load[c], rng.random()))
        load[primary] += 1
        dues.append(Due(f"{pid}-individual", pid, "individual", 60, "counselor", (primary,)))
        k = rng.randrange(len(prescribers))
        rxs = tuple(prescribers[k:] + prescribers[:k])
        if rng.random() < 0.5:
            dues.append(Due(f"{pid}-medication", pid, "medication", 15, "prescriber", rxs))
        if rng.random() < 0.15:
            times = tuple(
                Interval(d, 17 * 60, 20 * 60) if d < 5 else Interval(5, 9 * 60, 13 * 60)
                for d in sorted(rng.sample((0, 1, 2, 3, 4, 5), rng.randint(2, 4)))
            )
            dues.append(
                Due(f"{pid}-family", pid, "family", 60, "counselor", (primary,), None, times)
            )
        if rng.random() < 0.02:
            dues.append(Due(f"{pid}-psych", pid, "psychiatric_evaluation", 60, "prescriber", rxs))
        if rng.random() < 0.10:
            m = rng.randrange(len(managers))
            own = tuple(managers[m:] + managers[:m])
            dues.append(Due(f"{pid}-case", pid, "case_management", 30, "case_manager", own))
    return PlacementProblem(tuple(dues), tuple(staff), tuple(people), step=15, gap=15)


def second_week(problem: PlacementProblem, seed: int) -> PlacementProblem:
    """Week 2: 10% of patients in another track; 70% of dues with their week-1 slot."""
    rng = random.Random(seed + 1000)
    first = place(problem, time_limit=LIMIT)
    slot = {p.due: Slot(p.day, p.start, p.staff) for p in first.placed}
    people = []
    for t in problem.patients:
        if rng.random() < 0.10:
            block, days = _track(rng)
            t = replace(t, busy=_week(days, *BLOCKS[block]))
        people.append(t)
    dues = tuple(
        replace(d, previous=slot[d.id]) if d.id in slot and rng.random() < 0.7 else d
        for d in problem.dues
    )
    return replace(problem, dues=dues, patients=tuple(people))


def _mark(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def keepable(problem: PlacementProblem) -> int:
    """Dues whose last week's slot is still possible on its own (groups moved onto some)."""
    return sum(
        1
        for d in problem.dues
        if d.previous is not None
        and not validate(
            problem,
            [
                Placement(
                    d.id,
                    d.previous.staff,
                    d.previous.day,
                    d.previous.start,
                    d.previous.start + d.minutes,
                )
            ],
        )
    )


def lp_bound(problem: PlacementProblem) -> tuple[int, float]:
    """(most dues any placement can place, seconds): the LP relaxation of the placer's model.

    Every valid placement on the grid is an integer point of the model (a boolean per
    candidate, at most one per due, at most one per covered start of a staff member's or a
    patient's day), so the LP maximum of the number placed, rounded down, bounds it. Solved
    with HiGHS (interior point); it reads the placer's private candidate lists.
    """
    began = time.perf_counter()
    cands = _Candidates(problem)
    flat = [c for found in cands.of_due for c in found]
    by_due: defaultdict[int, list[int]] = defaultdict(list)
    per_day: defaultdict[tuple[str, str, int], list[tuple[int, int, int, int]]] = defaultdict(list)
    for v, c in enumerate(flat):
        by_due[c.due].append(v)
        per_day["staff", c.staff, c.day].append((c.start, c.end, v, c.due))
        patient = problem.dues[c.due].patient
        per_day["patient", patient, c.day].append((c.start, c.end + problem.gap, v, c.due))
    rows = [vs for vs in by_due.values() if len(vs) > 1]
    for items in per_day.values():
        rows += list(_conflicts(items))
    highs = _core._Highs()  # not highspy.Highs: that one prints a banner
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("solver", "ipm")
    highs.setOptionValue("run_crossover", "off")
    n = len(flat)
    highs.addVars(n, np.zeros(n), np.ones(n))
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), -np.ones(n))
    starts, indices = [], []
    for row in rows:
        starts.append(len(indices))
        indices += row
    inf = highs.getInfinity()
    highs.addRows(
        len(rows),
        np.full(len(rows), -inf),
        np.ones(len(rows)),
        len(indices),
        np.array(starts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.ones(len(indices)),
    )
    highs.run()
    assert highs.getModelStatus() == _core.HighsModelStatus.kOptimal
    bound = math.floor(-highs.getInfo().objective_function_value + 1e-6)
    return bound, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="250,1000", help="comma-separated sizes")
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers (default 1)")
    parser.add_argument("--no-bound", action="store_true", help="skip the LP bound")
    args = parser.parse_args()
    header = (
        f"{'pat':>5} {'dues':>5} {'cands':>7} | {'placed':>6} {'no_staff':>8} {'no_time':>7}"
        f" {'taken':>5} {'kept/able/prev':>14} {'s':>5} {'status':<8} |"
        f" {'greedy':>6} {'kept':>5} {'s':>5} | {'ratio':>5} | {'bound':>5} {'open':>4} {'lp s':>5}"
    )
    print(header)
    print("-" * len(header))
    goals = []
    for n in (int(x) for x in args.patients.split(",")):
        problem = second_week(generate(n, SEED), SEED)
        with_previous = sum(1 for d in problem.dues if d.previous is not None)
        began = time.perf_counter()
        base = greedy(problem)
        base_s = time.perf_counter() - began
        began = time.perf_counter()
        result = place(problem, time_limit=LIMIT, workers=args.workers)
        seconds = time.perf_counter() - began
        assert not validate(problem, result.placed)
        assert not validate(problem, base.placed)
        codes = Counter(u.code for u in result.unplaced)
        explained = len(result.placed) + sum(1 for u in result.unplaced if u.reason) == len(
            problem.dues
        )
        bound, lp_s = (None, 0.0) if args.no_bound else lp_bound(problem)
        open_ = None if bound is None else bound - len(result.placed)
        goals.append((n, explained and seconds <= LIMIT, seconds, open_))
        kept = f"{result.stats['kept']}/{keepable(problem)}/{with_previous}"
        print(
            f"{n:>5} {len(problem.dues):>5} {result.stats['candidates']:>7} |"
            f" {len(result.placed):>6} {codes['no_staff']:>8} {codes['no_common_time']:>7}"
            f" {codes['taken']:>5} {kept:>14} {seconds:>5.2f} {result.stats['status']!s:<8} |"
            f" {len(base.placed):>6} {base.stats['kept']:>5} {base_s:>5.2f} |"
            f" {len(result.placed) / max(1, len(base.placed)):>5.3f} |"
            f" {bound if bound is not None else '-':>5} {open_ if open_ is not None else '-':>4}"
            f" {lp_s:>5.1f}",
            flush=True,
        )
        if result.stats["fallback"]:
            print(f"      fallback: {result.stats['fallback']}")
    print()
    for n, ok, seconds, open_ in goals:
        unplaced = "not measured (--no-bound)" if open_ is None else f"at most {open_}"
        print(
            f"goal: every due placed or explained within {LIMIT:g} s at {n} patients:"
            f" {_mark(ok)} ({seconds:.2f} s; placeable but unplaced: {unplaced})"
        )


if __name__ == "__main__":
    main()
