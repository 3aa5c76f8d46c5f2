"""Place a week's due appointments around the published groups, with CP-SAT.

**Candidates.** For each due, each staff member of ``due.staff`` holding ``due.credential``, each
day of ``days`` and each start on the grid (``day_start + k * step``, ending by ``day_end``): a
candidate when it lies inside one of the staff member's windows, inside one of the patient's free
times (any time when ``free`` is None) and inside one of the family's times (family sessions),
and overlaps none of the staff member's busy times nor comes within ``gap`` minutes of one of the
patient's. A day's grid starts are the bits of an int, so each rule is a mask, cached per person,
day and length. Why a due is left out: no eligible staff member, ``no_staff``; eligible staff but
no shared time even before busy times are taken out, ``no_common_time``; otherwise ``taken``.

**Model.** A boolean per candidate; at most one per due; for each staff member's and each
patient's day, at most one of the candidates covering each start. Candidates start on the grid,
so two overlap exactly when one's start lies inside the other: these sets forbid every overlap
(a patient's candidates lengthened by ``gap``); a set within one due, or contained in the next
start's set, is left out. The objective is lexicographic, in two stages: first maximise
``(k + 1) * placed + kept`` (``k``: the candidates at last week's slot, so one more due placed
outweighs every slot kept), then, with that value held, minimise the sum of the staff members'
ranks in ``due.staff``. Every solve starts from a complete hint.

**Search.** Up to ``WHOLE`` (20,000) candidates, one model of the whole problem, hinted with the
greedy placement (:func:`greedy`: dues whose last week's slot is still possible first, then
those with the fewest candidates; each at last week's slot, else with the preferred staff member
at the earliest time). Above it, the greedy is repeated with the dues it left out moved to the
front (up to 8 passes, at most a quarter of the time) and the best kept; then a
large-neighbourhood search: each round frees about 100 dues around the dues that could still
improve (unplaced, then not at last week's slot, then not with the preferred staff member): the
placed dues blocking them, the patient's other dues and the dues of the staff who may deliver
them, and CP-SAT places those again around all the others, held fixed. A pass that improves
nothing doubles the neighbourhoods; the search ends when one changes nothing or at the time
limit (which includes building the candidates and the models; 10% is kept back for the check).
What a stopped search leaves that still fits is placed greedily. The result is checked by the
independent :mod:`validator`; when CP-SAT found nothing in time or its placement fails the check,
the greedy start is returned (checked too) and ``stats["fallback"]`` says why. With one worker
and a fixed seed CP-SAT is deterministic, so a problem gives the same result whenever its solves
finish within their time (a small problem is proven optimal well within the default 5 s).

``stats``: ``status`` (``OPTIMAL`` when the whole problem is proven optimal, else ``FEASIBLE``, or
``UNKNOWN`` with a fallback), ``seconds``, ``candidates``, ``kept`` (placements at last week's
slot), ``fallback`` (``""`` or why), ``rounds`` (models solved) and ``placed_bound`` (the most
dues any placement can place as far as known: CP-SAT's bound for a whole model, else the number
of dues with a candidate).

**Measured** (this machine, 2 cores, one worker; week 2 of ``bench/scheduling/appointments.py``
and the tests' ``random_problem``):

- At most one per covered start against ``AddNoOverlap`` over optional fixed-size intervals:
  random 60 patients (4,566 candidates) proven optimal in 0.40 s against not proven in 18 s;
  random 120 (8,677) proven in 2.1 s with 179 placed and 20 kept, against 178 and 19 unproven at
  18 s; 1,000 patients in 5 s: 1,697 placed and 1,151 kept against 1,696 and 1,121.
- CP-SAT's presolve off (search from the hint at once) against on: random 60 proven in 0.40 s
  against not proven in 18 s; 250 patients 442 placed against 441; on neighbourhood models saved
  from a run, off proves the optimum about twice as fast (0.2-1.2 s against 0.3-2.0 s).
- Neighbourhoods against one model of the whole problem, 5 s: 442 against 439 placed at 250
  patients, 1,697 against 1,680 at 1,000 (313,720 candidates; the whole model takes about 1.5 s
  to build). Given 300 s and two workers, the whole model of the first week at 1,000 placed
  1,688 (greedy 1,678); neighbourhoods place 1,692 within 5 s. The LP bound of the bench (442 and 1,697) shows that the
  neighbourhood search places as many dues as any placement can at both sizes.
- Stages: kept as a stage of its own after placed took 5.7 s to prove on random 120 (8.0 s in
  all, against 2.1 s); placed, kept and preference in one weighted sum left 100-due
  neighbourhoods unproven after 5 s that maximising placed alone proves in 0.5-0.8 s.

Benchmark (``.venv/bin/python bench/scheduling/appointments.py``):

      pat  dues   cands | placed no_staff no_time taken kept/able/prev     s status   | greedy  kept     s | ratio | bound open  lp s
    ---------------------------------------------------------------------------------------------------------------------------------
      250   464   80334 |    442        0       0    22    291/293/302  4.51 FEASIBLE |    440   293  0.09 | 1.005 |   442    0   4.6
     1000  1736  313720 |   1697        0       0    39 1152/1157/1185  4.55 FEASIBLE |   1692  1157  0.48 | 1.003 |  1697    0  23.0

    goal: every due placed or explained within 5 s at 250 patients: MET (4.51 s; placeable but unplaced: at most 0)
    goal: every due placed or explained within 5 s at 1000 patients: MET (4.55 s; placeable but unplaced: at most 0)
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from openiop.domain.appointments.model import (
    Due,
    Interval,
    Placement,
    PlacementProblem,
    PlacementResult,
    Unplaced,
    kind_name,
)
from openiop.domain.appointments.validator import validate

# Time kept back from CP-SAT for reading its answer, the independent check and, should it be
# needed, the greedy fallback: a share of the limit, at least this many seconds.
RESERVE_SHARE = 0.1
RESERVE_MIN = 0.05
REPEAT_ROUNDS = 8  # greedy passes before the neighbourhood search (see _repeated_greedy)
REPEAT_SHARE = 0.25  # of the time, at most
WHOLE = 20_000  # candidates: up to this many, one model of the whole problem
NEIGHBOURHOOD = 100  # dues freed at most in one neighbourhood
PREFERENCE_SHARE = 0.15  # of a solve's time at most, see _Search._stages
ROUND_SECONDS = 1.0  # at most per neighbourhood
ROUND_MIN = 0.05  # a neighbourhood needs at least this much time left


class _Candidate(NamedTuple):
    """One possible placement of a due: ``pref`` is the staff member's index in ``due.staff``."""

    due: int
    staff: str
    day: int
    start: int
    end: int
    pref: int
    kept: bool


class _Candidates:
    """Every possible placement of every due, and why a due has none."""

    def __init__(self, problem: PlacementProblem) -> None:
        self.problem = problem
        p = problem
        self.first = p.day_start
        self.count = (p.day_end - p.day_start + p.step - 1) // p.step  # grid starts per day
        self.all = (1 << self.count) - 1
        self.staff_days = {s.id: _by_day(s.windows) for s in p.staff}
        self.staff_busy = {s.id: _by_day(s.busy) for s in p.staff}
        self.patient_free = {t.id: None if t.free is None else _by_day(t.free) for t in p.patients}
        self.patient_busy = {t.id: _by_day(t.busy) for t in p.patients}
        self._cache: dict[tuple[str, str, int, int], int] = {}
        self.of_due: list[list[_Candidate]] = []
        self.code: list[str | None] = []  # "no_staff", "no_common_time", or None: there was time
        self.eligible: list[list[str]] = []  # staff who may deliver each due, preferred first
        for i, due in enumerate(p.dues):
            self.eligible.append(
                [s for s in due.staff if due.credential in p.staff_by_id[s].credentials]
            )
            found, code = self._of(i, due)
            self.of_due.append(found)
            self.code.append(code)
        self.total = sum(len(c) for c in self.of_due)

    # Grid starts as bits of an int: bit k is the start day_start + k * step.
    def _starts(self, lo: int, hi: int) -> int:
        """Bits of the grid starts s with lo <= s <= hi."""
        step = self.problem.step
        a = max(0, -((self.first - lo) // step))  # ceil((lo - first) / step)
        b = min(self.count - 1, (hi - self.first) // step)
        return 0 if a > b else ((1 << (b + 1)) - 1) ^ ((1 << a) - 1)

    def _inside(self, intervals: Iterable[Interval], minutes: int) -> int:
        """Starts whose ``minutes`` lie inside one of ``intervals``."""
        bits = 0
        for iv in intervals:
            bits |= self._starts(iv.start, iv.end - minutes)
        return bits

    def _clashing(self, intervals: Iterable[Interval], minutes: int, gap: int) -> int:
        """Starts whose ``minutes`` come within ``gap`` of one of ``intervals``."""
        bits = 0
        for iv in intervals:
            bits |= self._starts(iv.start - minutes - gap + 1, iv.end + gap - 1)
        return bits

    def _mask(self, what: str, who: str, day: int, minutes: int) -> int:
        key = (what, who, day, minutes)
        bits = self._cache.get(key)
        if bits is None:
            if what == "window":
                bits = self._inside(self.staff_days[who].get(day, ()), minutes)
            elif what == "staff busy":
                bits = self._clashing(self.staff_busy[who].get(day, ()), minutes, 0)
            elif what == "free":
                free = self.patient_free[who]
                bits = self.all if free is None else self._inside(free.get(day, ()), minutes)
            else:
                bits = self._clashing(
                    self.patient_busy[who].get(day, ()), minutes, self.problem.gap
                )
            self._cache[key] = bits
        return bits

    def _of(self, i: int, due: Due) -> tuple[list[_Candidate], str | None]:
        p = self.problem
        eligible = [
            (pref, sid)
            for pref, sid in enumerate(due.staff)
            if due.credential in p.staff_by_id[sid].credentials
        ]
        if not eligible:
            return [], "no_staff"
        m = due.minutes
        fits = self._starts(p.day_start, p.day_end - m)
        family = None if due.family is None else _by_day(due.family)
        previous = due.previous
        found: list[_Candidate] = []
        common = False
        for day in p.days:
            shared = fits & self._mask("free", due.patient, day, m)
            if family is not None:
                shared &= self._inside(family.get(day, ()), m)
            if not shared:
                continue
            open_ = shared & ~self._mask("patient busy", due.patient, day, m)
            for pref, sid in eligible:
                window = shared & self._mask("window", sid, day, m)
                if not window:
                    continue
                common = True  # a shared time before anyone's busy times are taken out
                bits = window & open_ & ~self._mask("staff busy", sid, day, m)
                keep = -1
                if previous is not None and (previous.day, previous.staff) == (day, sid):
                    keep = previous.start
                while bits:
                    low = bits & -bits
                    start = self.first + (low.bit_length() - 1) * p.step
                    bits ^= low
                    found.append(_Candidate(i, sid, day, start, start + m, pref, start == keep))
        return found, (None if common else "no_common_time")


def _by_day(intervals: Iterable[Interval]) -> dict[int, list[Interval]]:
    out: defaultdict[int, list[Interval]] = defaultdict(list)
    for iv in intervals:
        out[iv.day].append(iv)
    return dict(out)


class _Occupancy:
    """Who holds which time: each placed due on its staff member's and its patient's day."""

    def __init__(self, cands: _Candidates, chosen: Mapping[int, _Candidate] | None = None) -> None:
        self.dues = cands.problem.dues
        self.gap = cands.problem.gap
        self.staff: defaultdict[tuple[str, int], list[tuple[int, int, int]]] = defaultdict(list)
        self.patient: defaultdict[tuple[str, int], list[tuple[int, int, int]]] = defaultdict(list)
        self.chosen: dict[int, _Candidate] = {}
        for c in (chosen or {}).values():
            self.take(c)

    def take(self, c: _Candidate) -> None:
        self.chosen[c.due] = c
        self.staff[c.staff, c.day].append((c.start, c.end, c.due))
        self.patient[self.dues[c.due].patient, c.day].append((c.start, c.end, c.due))

    def release(self, i: int) -> None:
        c = self.chosen.pop(i)
        self.staff[c.staff, c.day].remove((c.start, c.end, i))
        self.patient[self.dues[i].patient, c.day].remove((c.start, c.end, i))

    def clashing(self, c: _Candidate) -> Iterator[int]:
        """The placed dues (other than ``c``'s own) that ``c`` would clash with."""
        g = self.gap
        for s, e, j in self.staff[c.staff, c.day]:
            if c.start < e and s < c.end and j != c.due:
                yield j
        for s, e, j in self.patient[self.dues[c.due].patient, c.day]:
            if c.start < e + g and s < c.end + g and j != c.due:
                yield j

    def free(self, c: _Candidate) -> bool:
        return next(self.clashing(c), None) is None


def _better(c: _Candidate, than: _Candidate | None) -> bool:
    """Last week's slot first, then the preferred staff member (then the earlier time)."""
    return than is None or (not c.kept, c.pref) < (not than.kept, than.pref)


def _fill(cands: _Candidates, i: int, occupancy: _Occupancy) -> None:
    """Place due ``i`` at its best candidate still free, if any."""
    best = None
    for c in cands.of_due[i]:
        if _better(c, best) and occupancy.free(c):
            best = c
            if c.kept:
                break
    if best is not None:
        occupancy.take(best)


def _order(cands: _Candidates) -> list[int]:
    """Dues whose last week's slot is still possible first, then those with fewest candidates."""
    of_due = cands.of_due
    return sorted(
        range(len(of_due)), key=lambda i: (not any(c.kept for c in of_due[i]), len(of_due[i]), i)
    )


def _greedy_choice(cands: _Candidates) -> dict[int, _Candidate]:
    """Each due in :func:`_order` at its best candidate still free."""
    occupancy = _Occupancy(cands)
    for i in _order(cands):
        _fill(cands, i, occupancy)
    return occupancy.chosen


def _repeated_greedy(cands: _Candidates, rounds: int, until: float) -> dict[int, _Candidate]:
    """Greedy again with the dues it left out moved to the front, ``rounds`` times; the best.

    ("Squeaky wheel" ordering.) Each round costs one greedy pass; it stops early at ``until``.
    """
    order = _order(cands)
    best: dict[int, _Candidate] | None = None
    for _ in range(rounds):
        occupancy = _Occupancy(cands)
        for i in order:
            _fill(cands, i, occupancy)
        if best is None or _score(occupancy.chosen.values()) > _score(best.values()):
            best = occupancy.chosen
        missing = [i for i in order if i not in occupancy.chosen and cands.of_due[i]]
        if not missing or time.perf_counter() > until:
            break
        order = missing + [i for i in order if i in occupancy.chosen or not cands.of_due[i]]
    assert best is not None
    return best


def _score(chosen: Iterable[_Candidate]) -> tuple[int, int, int]:
    """The objective in priority order: placed, kept, minus the sum of preference ranks."""
    cs = list(chosen)
    return len(cs), sum(c.kept for c in cs), -sum(c.pref for c in cs)


def _conflicts(items: list[tuple[int, int, int, int]]) -> Iterator[list[int]]:
    """At-most-one sets for one staff member's or patient's day: (start, end, variable, due).

    Candidates start on the grid, so two overlap exactly when one's start lies in the other:
    one set per distinct start (the candidates covering it) forbids every overlap. A set is
    left out when all its candidates belong to one due (that due's own at-most-one covers it)
    or when it is contained in the next start's set.
    """
    points = sorted({s for s, _, _, _ in items})
    covering: list[list[tuple[int, int, int]]] = [[] for _ in points]
    for s, e, var, due in items:
        k = bisect_left(points, s)
        while k < len(points) and points[k] < e:
            covering[k].append((var, due, e))
            k += 1
    for k, here in enumerate(covering):
        if len(here) < 2 or len({due for _, due, _ in here}) < 2:
            continue
        if k + 1 < len(points) and min(e for _, _, e in here) > points[k + 1]:
            continue  # every candidate here also covers the next start
        yield [var for var, _, _ in here]


def _forbid_overlaps(proto: Any, groups: Iterable[list[tuple[int, int, int, int]]]) -> None:
    """No two chosen candidates of one staff member's or patient's day overlap."""
    for items in groups:
        for literals in _conflicts(items):
            proto.constraints.add().at_most_one.literals.extend(literals)


class _Search:
    """CP-SAT over the whole problem when it is small, else over neighbourhoods of it."""

    def __init__(
        self, cands: _Candidates, start: Mapping[int, _Candidate], workers: int, seed: int
    ) -> None:
        self.cands = cands
        self.occupancy = _Occupancy(cands, start)
        self.workers, self.seed = workers, seed
        self.rounds = 0
        self.solved = 0  # rounds in which CP-SAT returned a placement
        self.proven = False  # the whole problem solved to optimality
        self.bound: int | None = None  # most dues placeable (whole problem only)
        self.of_patient: defaultdict[str, list[int]] = defaultdict(list)
        for i, due in enumerate(cands.problem.dues):
            self.of_patient[due.patient].append(i)
        self.keepable = [any(c.kept for c in found) for found in cands.of_due]
        self.best_pref = [min((c.pref for c in found), default=0) for found in cands.of_due]
        self.last_proven = False

    def targets(self, i: int) -> list[_Candidate]:
        """The candidates that would improve due ``i`` on its own: any, if it is unplaced."""
        found = self.cands.of_due[i]
        now = self.occupancy.chosen.get(i)
        if now is None:
            return found
        return [c for c in found if _better(c, now)]

    def neighbourhood(self, todo: list[int], cap: int) -> tuple[list[int], bool]:
        """Dues to free together, at most ``cap`` of them; and whether ``cap`` was reached.

        For each due of ``todo`` in turn: the due; the placed dues blocking its targets,
        fewest blockers first (a slot one appointment holds is the cheapest to open); the
        patient's other dues (moving one frees the patient's time); every due placed with a
        staff member who may deliver it, preferred staff first (room made in that staff
        member's week); then the other dues of every patient reached so far. A due whose
        neighbourhood would overflow what is left of ``cap`` waits for a later round.
        """
        cands, occupancy = self.cands, self.occupancy
        dues = cands.problem.dues
        with_staff: defaultdict[str, list[int]] = defaultdict(list)
        for i, c in sorted(occupancy.chosen.items()):
            with_staff[c.staff].append(i)
        chosen: dict[int, None] = {}  # insertion-ordered set
        full = False
        for u in todo:
            if u in chosen:
                continue
            room = cap - len(chosen)
            blocked = sorted(
                ((sorted(set(occupancy.clashing(c))), k) for k, c in enumerate(self.targets(u))),
                key=lambda pair: (len(pair[0]), pair[1]),
            )
            layers = [[j for blockers, _ in blocked for j in blockers]]
            layers.append(self.of_patient[dues[u].patient])
            layers += [with_staff[sid] for sid in cands.eligible[u]]
            group: dict[int, None] = {u: None}
            for layer in layers:
                group.update((j, None) for j in layer if j not in chosen)
            group.update(
                (k, None)
                for j in list(group)
                for k in self.of_patient[dues[j].patient]
                if k not in chosen
            )
            if len(group) > room:
                full = True
                if chosen:
                    continue
            chosen.update(dict.fromkeys(list(group)[:room]))
            if len(chosen) >= cap:
                break
        return sorted(chosen), full

    def solve(self, dues: list[int], seconds: float) -> tuple[bool, bool]:
        """Re-place ``dues`` around all the others; (proven optimal, improved)."""
        from ortools.sat.python import cp_model  # loaded here: importing the package stays light

        began = time.perf_counter()  # building the model counts against ``seconds``
        self.rounds += 1
        cands, occupancy, problem = self.cands, self.occupancy, self.cands.problem
        old = {i: occupancy.chosen[i] for i in dues if i in occupancy.chosen}
        for i in old:
            occupancy.release(i)
        flat = [c for i in dues for c in cands.of_due[i] if occupancy.free(c)]
        model = cp_model.CpModel()
        proto = model.proto
        for _ in flat:
            proto.variables.add().domain.extend((0, 1))
        by_due: defaultdict[int, list[int]] = defaultdict(list)
        per_staff: defaultdict[tuple[str, int], list[tuple[int, int, int, int]]] = defaultdict(list)
        per_patient: defaultdict[tuple[str, int], list[tuple[int, int, int, int]]] = defaultdict(
            list
        )
        for v, c in enumerate(flat):
            by_due[c.due].append(v)
            per_staff[c.staff, c.day].append((c.start, c.end, v, c.due))
            patient = problem.dues[c.due].patient
            per_patient[patient, c.day].append((c.start, c.end + problem.gap, v, c.due))
        for literals in by_due.values():
            if len(literals) > 1:
                proto.constraints.add().at_most_one.literals.extend(literals)
        _forbid_overlaps(proto, [*per_staff.values(), *per_patient.values()])
        hinted = set(old.values())
        whole = len(dues) == len(cands.of_due)
        hint = [c in hinted for c in flat]
        found = self._stages(cp_model, model, flat, hint, began, seconds, whole)
        new = old
        if found is not None:
            self.solved += 1
            if _score(found.values()) >= _score(old.values()):
                new = found
        for c in new.values():
            occupancy.take(c)
        return self.last_proven, _score(new.values()) > _score(old.values())

    def _stages(
        self,
        cp_model: Any,
        model: Any,
        flat: list[_Candidate],
        hint: list[bool],
        began: float,
        seconds: float,
        whole: bool,
    ) -> dict[int, _Candidate] | None:
        """Most placed and then most kept (by weights), then the least preference: two stages.

        The first stage's objective counts a placement ``k + 1`` and a kept one 1 more, with
        ``k`` the candidates at last week's slot, so one more due placed outweighs every slot
        kept. Its value is then held while the second stage minimises the sum of the staff
        members' ranks, starting from the first stage's placement. (Preference in the same
        weighted sum, or kept as a stage of its own, was slower to prove: module doc.) The
        first stage may run until 85% of ``seconds``, to the end when it is the only one;
        the second gets what is left, but in a neighbourhood at most 15% of ``seconds``, so
        that time goes to more rounds. ``seconds`` run from ``began``, before the model was
        built.
        """
        self.last_proven = True
        if not flat:
            return {}
        proto = model.proto
        weight = sum(c.kept for c in flat) + 1
        ranked = [v for v, c in enumerate(flat) if c.pref]
        stages = [(list(range(len(flat))), [-(weight + c.kept) for c in flat])]
        if ranked:
            stages.append((ranked, [flat[v].pref for v in ranked]))
        values: list[int] = [int(h) for h in hint]
        solved = False
        for n, (variables, coeffs) in enumerate(stages):
            now = time.perf_counter()
            if n == 1:
                until = began + seconds
                if not whole:
                    until = min(until, now + PREFERENCE_SHARE * seconds)
            else:
                until = began + (1 if len(stages) == 1 else 1 - PREFERENCE_SHARE) * seconds
            if until <= now:
                self.last_proven = False
                break
            proto.clear_objective()
            proto.objective.vars.extend(variables)
            proto.objective.coeffs.extend(coeffs)
            proto.clear_solution_hint()
            proto.solution_hint.vars.extend(range(len(flat)))
            proto.solution_hint.values.extend(values)
            solver = cp_model.CpSolver()
            params = solver.parameters
            params.max_time_in_seconds = max(0.01, until - now)
            params.num_workers = self.workers
            params.random_seed = self.seed
            params.cp_model_presolve = False  # searching from the hint at once: module doc
            status = solver.solve(model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                self.last_proven = False
                break
            solved = True
            values = list(solver.response_proto.solution)
            self.last_proven &= status == cp_model.OPTIMAL
            if n == 0 and whole:  # placed <= (weight * placed + kept) // weight
                self.bound = int(-solver.best_objective_bound + 1e-6) // weight
            if n + 1 < len(stages):  # hold this stage's value
                hold = proto.constraints.add().linear
                hold.vars.extend(variables)
                hold.coeffs.extend(coeffs)
                hold.domain.extend(
                    (-(2**62), sum(values[v] * c for v, c in zip(variables, coeffs, strict=True)))
                )
        if not solved:
            return None
        return {flat[v].due: flat[v] for v, x in enumerate(values) if x}

    def improvable(self) -> list[int]:
        """Dues a neighbourhood could improve: unplaced first, then not kept, then preference."""
        chosen, of_due = self.occupancy.chosen, self.cands.of_due
        rank: list[tuple[int, int]] = []
        for i, found in enumerate(of_due):
            now = chosen.get(i)
            if not found or (now is not None and now.kept):
                continue
            if now is None:
                rank.append((0, i))
            elif self.keepable[i]:
                rank.append((1, i))
            elif now.pref > self.best_pref[i]:
                rank.append((2, i))
        return [i for _, i in sorted(rank)]

    def run(self, deadline: float) -> None:
        """Improve the placement until ``deadline`` or until no neighbourhood improves it."""
        of_due = self.cands.of_due
        if self.cands.total <= WHOLE:
            self.proven, _ = self.solve(list(range(len(of_due))), deadline - time.perf_counter())
            return
        # Passes over the improvable dues; a pass that improves nothing doubles the size of
        # the neighbourhoods, until one holds every due.
        cap, settled, improved, reached_cap = NEIGHBOURHOOD, set[int](), False, False
        while (left := deadline - time.perf_counter()) > ROUND_MIN:
            todo = [i for i in self.improvable() if i not in settled]
            if not todo:
                if not improved:
                    if not reached_cap:  # every search ran out of dues: larger is the same
                        return
                    cap *= 2
                settled, improved, reached_cap = set(), False, False
                continue
            freed, full = self.neighbourhood(todo, cap)
            proven, better = self.solve(freed, min(left, ROUND_SECONDS * cap / NEIGHBOURHOOD))
            if proven and len(freed) == len(of_due):
                self.proven = True
                return
            improved |= better
            reached_cap |= full
            settled.update(freed)


def _result(
    cands: _Candidates, chosen: Mapping[int, _Candidate], stats: dict[str, object]
) -> PlacementResult:
    problem = cands.problem
    placed = tuple(
        Placement(problem.dues[i].id, c.staff, c.day, c.start, c.end)
        for i, c in sorted(chosen.items())
    )
    unplaced = tuple(
        _unplaced(problem, due, cands.code[i] or "taken", len(cands.eligible[i]))
        for i, due in enumerate(problem.dues)
        if i not in chosen
    )
    stats = {**stats, "candidates": cands.total, "kept": sum(1 for c in chosen.values() if c.kept)}
    return PlacementResult(placed, unplaced, stats)


def _unplaced(problem: PlacementProblem, due: Due, code: str, eligible: int) -> Unplaced:
    """The explanation, in a clinician's words, of why ``due`` is not placed."""
    kind = kind_name(due.kind)
    if code == "no_staff":
        credential = due.credential.replace("_", " ")
        if not any(due.credential in s.credentials for s in problem.staff):
            reason = f"No {credential} is set up for this program."
        elif not due.staff:
            reason = f"No staff member is named to deliver {kind} to this patient."
        else:
            reason = (
                f"None of the staff members named to deliver {kind} to this patient"
                f" is {_article(credential)} {credential}."
            )
    elif code == "no_common_time":
        who = "the patient is" if due.family is None else "the patient and the family are"
        reason = f"No staff member who may deliver {kind} is available when {who} free."
    else:
        who = "the patient" if due.family is None else "the patient, the family"
        staff = "the staff member" if eligible == 1 else "a staff member who may deliver it"
        both = "both" if due.family is None else "all"
        reason = (
            f"Every time {who} and {staff} are {both} free is taken"
            " by groups or other appointments."
        )
    return Unplaced(due.id, due.patient, due.kind, code, reason)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def greedy(problem: PlacementProblem) -> PlacementResult:
    """A valid placement built greedily: the baseline, CP-SAT's hint and its fallback."""
    began = time.perf_counter()
    cands = _Candidates(problem)
    result = _result(cands, _greedy_choice(cands), {"status": "GREEDY", "fallback": ""})
    result.stats["placed_bound"] = sum(1 for found in cands.of_due if found)
    result.stats["seconds"] = round(time.perf_counter() - began, 3)
    return result


def place(
    problem: PlacementProblem, *, time_limit: float = 5.0, workers: int = 1, seed: int = 0
) -> PlacementResult:
    """Place every due it can, keep last week's slots, prefer earlier staff; see module doc."""
    began = time.perf_counter()
    deadline = began + time_limit - max(RESERVE_MIN, RESERVE_SHARE * time_limit)
    cands = _Candidates(problem)
    start = _greedy_choice(cands)
    if cands.total > WHOLE:
        until = began + REPEAT_SHARE * (deadline - began)
        start = _repeated_greedy(cands, REPEAT_ROUNDS, until)
    search = _Search(cands, start, workers, seed)
    search.run(deadline)
    occupancy = search.occupancy
    for i in range(len(cands.of_due)):  # anything a stopped search left that still fits
        if i not in occupancy.chosen:
            _fill(cands, i, occupancy)
    with_candidates, bound = sum(1 for found in cands.of_due if found), search.bound
    fallback = ""
    if with_candidates and not search.solved:
        fallback = "CP-SAT found no placement in the time limit"
    stats: dict[str, object] = {
        "status": "OPTIMAL" if search.proven else "FEASIBLE" if search.solved else "UNKNOWN",
        "rounds": search.rounds,
        "placed_bound": with_candidates if bound is None else min(with_candidates, bound),
    }
    result = _result(cands, occupancy.chosen, stats)
    if not fallback:
        errors = validate(problem, result.placed)
        if errors:
            fallback = f"the CP-SAT placement failed the check: {errors[0]}"
    if fallback:
        result = _result(cands, start, stats)
        errors = validate(problem, result.placed)
        if errors:
            raise RuntimeError("the greedy placement failed the check: " + "; ".join(errors))
    result.stats["fallback"] = fallback
    result.stats["seconds"] = round(time.perf_counter() - began, 3)
    return result
