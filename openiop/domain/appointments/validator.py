"""An independent check of placed appointments against their problem.

It shares nothing with the placer but the dataclasses of :mod:`model`: it reads each placement as
written and tests every rule directly with plain time arithmetic (the placer works on a grid of
starts and bit masks), so a bug in the placer's model shows up here instead of being repeated.
The placer runs it on every result it returns.

Rules: a placement names a known due and a known staff member; a due is placed at most once; the
staff member is named for the due and holds its credential; it lasts the due's minutes; it is on
one of the problem's days, within its day hours; it lies inside one of the staff member's
windows, inside one of the patient's free times (unless free is None) and inside one of the
family's times (family sessions); it clashes with none of the staff member's busy times nor the
patient's (nor comes within ``gap`` minutes of the patient's), and no two placements of one staff
member overlap, nor two of one patient (again with ``gap``). The grid of starts is not checked:
an appointment moved by hand to 09:10 is valid.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from openiop.domain.appointments.model import (
    DAY_NAMES,
    Due,
    Interval,
    Placement,
    PlacementProblem,
    clock,
)


def validate(problem: PlacementProblem, placements: Sequence[Placement]) -> list[str]:
    """Every broken rule, as a sentence naming the placement; empty when all hold."""
    errors: list[str] = []
    twice = Counter(p.due for p in placements)
    errors += [
        f"{due}: placed {n} times" for due, n in twice.items() if n > 1 and due in problem.due_by_id
    ]
    by_staff: defaultdict[str, list[Placement]] = defaultdict(list)
    by_patient: defaultdict[str, list[Placement]] = defaultdict(list)
    for p in placements:
        due = problem.due_by_id.get(p.due)
        if due is None:
            errors.append(f"{_at(p)}: unknown due {p.due!r}")
            continue
        staff_known = p.staff in problem.staff_by_id
        if not staff_known:
            errors.append(f"{_at(p)}: unknown staff {p.staff!r}")
        errors += [f"{_at(p)}: {e}" for e in _own_errors(problem, due, p, staff_known)]
        if p.end > p.start:
            by_patient[due.patient].append(p)
            if staff_known:
                by_staff[p.staff].append(p)
    for staff, placed in by_staff.items():
        errors += [f"{_at(a)}: overlaps {_at(b)} for {staff}" for a, b in _clashes(placed, 0)]
    for patient, placed in by_patient.items():
        errors += [
            f"{_at(a)}: {_too_close(problem.gap)} {_at(b)} for patient {patient}"
            for a, b in _clashes(placed, problem.gap)
        ]
    return errors


def _own_errors(problem: PlacementProblem, due: Due, p: Placement, staff_known: bool) -> list[str]:
    """What is wrong with one placement on its own."""
    errors: list[str] = []
    if p.staff not in due.staff:
        errors.append(f"{p.staff} is not among the staff who may deliver it")
    if staff_known and due.credential not in problem.staff_by_id[p.staff].credentials:
        errors.append(f"{p.staff} does not hold the {due.credential} credential")
    if p.end - p.start != due.minutes:
        errors.append(f"it lasts {p.end - p.start} minutes, not {due.minutes}")
    if p.end <= p.start:
        return errors  # no time range to check further
    if p.day not in problem.days:
        errors.append("it is not on one of the days being scheduled")
    if p.start < problem.day_start or p.end > problem.day_end:
        errors.append(
            f"it is outside the day hours {clock(problem.day_start)}-{clock(problem.day_end)}"
        )
    if staff_known:
        staff = problem.staff_by_id[p.staff]
        if not _inside_one(p, staff.windows):
            errors.append(f"it is not inside one of {p.staff}'s available times")
        errors += [
            f"it overlaps {p.staff}'s busy time {_span(b)}" for b in staff.busy if _near(p, b, 0)
        ]
    patient = problem.patient_by_id[due.patient]
    if patient.free is not None and not _inside_one(p, patient.free):
        errors.append(f"it is not inside one of patient {patient.id}'s free times")
    if due.family is not None and not _inside_one(p, due.family):
        errors.append("it is not inside one of the family's available times")
    errors += [
        f"it {_too_close(problem.gap)} patient {patient.id}'s busy time {_span(b)}"
        for b in patient.busy
        if _near(p, b, problem.gap)
    ]
    return errors


def _inside_one(p: Placement, intervals: Sequence[Interval]) -> bool:
    return any(iv.day == p.day and iv.start <= p.start and p.end <= iv.end for iv in intervals)


def _near(p: Placement | Interval, q: Placement | Interval, gap: int) -> bool:
    """Same day, and less than ``gap`` minutes apart (gap 0: they overlap)."""
    return p.day == q.day and p.start < q.end + gap and q.start < p.end + gap


def _clashes(placed: list[Placement], gap: int) -> list[tuple[Placement, Placement]]:
    """Pairs of one person's placements that overlap or come within ``gap`` of each other."""
    placed = sorted(placed, key=lambda p: (p.day, p.start, p.end, p.due))
    pairs = []
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            if b.day != a.day or b.start >= a.end + gap:
                break  # sorted: every later one starts later still
            if a.due != b.due:
                pairs.append((a, b))
    return pairs


def _too_close(gap: int) -> str:
    return "overlaps" if gap == 0 else f"overlaps or is less than {gap} minutes from"


def _day(day: int) -> str:
    return DAY_NAMES[day] if 0 <= day <= 6 else f"day {day}"


def _span(iv: Interval | Placement) -> str:
    return f"{_day(iv.day)} {clock(iv.start)}-{clock(iv.end)}"


def _at(p: Placement) -> str:
    """``p7-individual (Tue 09:00-10:00, c3)``."""
    return f"{p.due} ({_span(p)}, {p.staff})"
