"""The placer: hard rules held, last week's slots kept, reasons given; greedy and CP-SAT agree.

Every problem here is small enough for CP-SAT to prove its optimum well within the time limit,
so the tests assert what is placed, never how fast.
"""

from __future__ import annotations

import importlib
import random
from collections import Counter
from typing import Any

import pytest

from openiop.domain.appointments import (
    Due,
    Interval,
    PatientTimes,
    Placement,
    PlacementProblem,
    PlacementResult,
    Slot,
    Staff,
    greedy,
    place,
    validate,
)

QUICK = 5.0  # seconds; every problem below is solved to optimality well within it
MON, TUE, WED = 0, 1, 2
COUNSELOR = frozenset({"counselor"})
PRESCRIBER = frozenset({"prescriber"})


def at(hhmm: str) -> int:
    """``"09:30"`` -> 570."""
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def iv(day: int, start: str, end: str) -> Interval:
    return Interval(day, at(start), at(end))


def weekdays(start: str, end: str, days: tuple[int, ...] = (0, 1, 2, 3, 4)) -> tuple[Interval, ...]:
    return tuple(iv(d, start, end) for d in days)


def due(pid: str, kind: str = "individual", *staff: str, **fields: Any) -> Due:
    credential = "prescriber" if kind in ("medication", "psychiatric_evaluation") else "counselor"
    values: dict[str, Any] = {
        "id": f"{pid}-{kind}",
        "patient": pid,
        "kind": kind,
        "minutes": 60,
        "credential": credential,
        "staff": staff or ("c1",),
    }
    values.update(fields)
    return Due(**values)


def counselor(sid: str = "c1", **fields: Any) -> Staff:
    values: dict[str, Any] = {
        "id": sid,
        "windows": weekdays("08:00", "18:00"),
        "credentials": COUNSELOR,
    }
    values.update(fields)
    return Staff(**values)


def prescriber(sid: str = "rx1", **fields: Any) -> Staff:
    return counselor(sid, credentials=PRESCRIBER, **fields)


def patient(
    pid: str = "p1", free: tuple[Interval, ...] | None = None, **fields: Any
) -> PatientTimes:
    return PatientTimes(pid, free, **fields)


def problem(
    dues: list[Due], staff: list[Staff], patients: list[PatientTimes], **fields: Any
) -> PlacementProblem:
    return PlacementProblem(tuple(dues), tuple(staff), tuple(patients), **fields)


def both(p: PlacementProblem) -> list[PlacementResult]:
    """The greedy and the CP-SAT result, each checked by the validator."""
    results = [greedy(p), place(p, time_limit=QUICK)]
    for r in results:
        assert validate(p, r.placed) == []
        assert {x.due for x in r.placed} | {u.due for u in r.unplaced} == {d.id for d in p.dues}
        assert len(r.placed) + len(r.unplaced) == len(p.dues)
    return results


def by_due(result: PlacementResult) -> dict[str, Placement]:
    return {x.due: x for x in result.placed}


def clashes(a: tuple[int, int, int], b: tuple[int, int, int], gap: int = 0) -> bool:
    """(day, start, end) ranges closer than ``gap`` (0: overlapping), computed here by hand."""
    return a[0] == b[0] and a[1] < b[2] + gap and b[1] < a[2] + gap


def test_nothing_overlaps_groups_or_other_appointments() -> None:
    # One day, little room: p1's group fills the morning, c1 leads a group in the afternoon.
    group_p1 = iv(MON, "09:00", "12:00")
    group_c1 = iv(MON, "13:00", "16:00")
    p = problem(
        [
            due("p1"),
            due("p1", "medication", "rx1", minutes=30),
            due("p1", "case_management", "c2", minutes=30),
            due("p2"),
            due("p3"),
        ],
        [counselor(busy=(group_c1,)), counselor("c2"), prescriber()],
        [patient(busy=(group_p1,)), patient("p2"), patient("p3", busy=(group_c1,))],
        days=(MON,),
        day_end=at("17:00"),
    )
    for result in both(p):
        assert len(result.placed) == 5
        spans = [(x, (x.day, x.start, x.end)) for x in result.placed]
        for x, span in spans:
            owner = p.due_by_id[x.due].patient
            if owner == "p1":
                assert not clashes(span, (MON, group_p1.start, group_p1.end))
            if owner == "p3":
                assert not clashes(span, (MON, group_c1.start, group_c1.end))
            if x.staff == "c1":
                assert not clashes(span, (MON, group_c1.start, group_c1.end))
        for i, (x, a) in enumerate(spans):
            for y, b in spans[i + 1 :]:
                same_patient = p.due_by_id[x.due].patient == p.due_by_id[y.due].patient
                if same_patient or x.staff == y.staff:
                    assert not clashes(a, b), (x, y)


def test_the_patient_gap_is_kept_around_groups() -> None:
    # Group 09:00-12:00 and 30 minutes needed between events: 08:00-09:00 is too close and so
    # is 12:00-13:00; 12:30-13:30 is the only start left.
    p = problem(
        [due("p1")],
        [counselor(windows=(iv(MON, "08:00", "13:30"),))],
        [patient(busy=(iv(MON, "09:00", "12:00"),))],
        days=(MON,),
        gap=30,
    )
    for result in both(p):
        assert [(x.day, x.start) for x in result.placed] == [(MON, at("12:30"))]


def test_a_medication_due_never_goes_to_a_staff_member_without_the_credential() -> None:
    # c1 is listed first (preferred) and is free all week, but is no prescriber.
    p = problem(
        [due("p1", "medication", "c1", "rx1", minutes=30)],
        [counselor(), prescriber(windows=(iv(WED, "14:00", "15:00"),))],
        [patient()],
    )
    for result in both(p):
        assert [(x.staff, x.day, x.start) for x in result.placed] == [("rx1", WED, at("14:00"))]


def test_staff_earlier_in_the_list_are_preferred() -> None:
    p = problem(
        [due("p1", "medication", "rx2", "rx1", minutes=30)],
        [prescriber("rx1"), prescriber("rx2", windows=(iv(TUE, "15:00", "16:00"),))],
        [patient()],
    )
    for result in both(p):
        assert [x.staff for x in result.placed] == ["rx2"]


def test_last_weeks_slot_is_kept_when_still_possible() -> None:
    previous = Slot(TUE, at("15:00"), "c1")
    p = problem([due("p1", previous=previous)], [counselor()], [patient()])
    for result in both(p):
        (x,) = result.placed
        assert (x.day, x.start, x.staff) == (TUE, at("15:00"), "c1")
        assert result.stats["kept"] == 1


def test_keeping_last_weeks_slot_outranks_the_preferred_staff_member() -> None:
    previous = Slot(WED, at("10:00"), "rx2")
    p = problem(
        [due("p1", "medication", "rx1", "rx2", minutes=30, previous=previous)],
        [prescriber("rx1"), prescriber("rx2")],
        [patient()],
    )
    for result in both(p):
        assert [(x.staff, x.day, x.start) for x in result.placed] == [("rx2", WED, at("10:00"))]


def test_last_weeks_slot_moves_when_a_group_now_meets_then() -> None:
    previous = Slot(TUE, at("10:00"), "c1")
    moved_group = iv(TUE, "09:00", "12:00")
    p = problem(
        [due("p1", previous=previous)],
        [counselor()],
        [patient(busy=(moved_group,))],
    )
    for result in both(p):
        (x,) = result.placed
        assert not clashes((x.day, x.start, x.end), (TUE, moved_group.start, moved_group.end))
        assert result.stats["kept"] == 0


def test_a_slot_taken_by_another_patients_kept_slot_is_not_kept_twice() -> None:
    # Both patients had Tue 10:00 with c1 last week (a hand edit); only one can keep it.
    previous = Slot(TUE, at("10:00"), "c1")
    p = problem(
        [due("p1", previous=previous), due("p2", previous=previous)],
        [counselor()],
        [patient(), patient("p2")],
    )
    for result in both(p):
        assert len(result.placed) == 2
        assert result.stats["kept"] == 1


def test_cp_sat_moves_one_appointment_to_make_room_where_greedy_does_not() -> None:
    # p1 may see c1 or c2 at 09:00; p2 only c1, at 09:00 or 10:00; p3 only c1 at 10:00.
    # Greedy takes p3 first (fewest options), then gives p1 its preferred c1 at 09:00, leaving
    # p2 nothing. All three fit: p1 with c2, p2 at 09:00, p3 at 10:00.
    staff = [
        counselor("c1", windows=(iv(MON, "09:00", "11:00"),)),
        counselor("c2", windows=(iv(MON, "09:00", "10:00"),)),
    ]
    p = problem(
        [due("p1", "individual", "c1", "c2"), due("p2"), due("p3")],
        staff,
        [
            patient("p1", (iv(MON, "09:00", "10:00"),)),
            patient("p2", (iv(MON, "09:00", "11:00"),)),
            patient("p3", (iv(MON, "10:00", "11:00"),)),
        ],
        step=60,
    )
    base, best = both(p)
    assert len(base.placed) == 2  # the case exists to show what greedy misses
    assert [u.code for u in base.unplaced] == ["taken"]
    assert len(best.placed) == 3
    assert best.stats["status"] == "OPTIMAL"
    assert by_due(best)["p1-individual"].staff == "c2"


def test_no_prescriber_in_the_program_is_explained() -> None:
    p = problem([due("p1", "medication", "c1", minutes=30)], [counselor()], [patient()])
    for result in both(p):
        (u,) = result.unplaced
        assert (u.due, u.patient, u.kind, u.code) == (
            "p1-medication",
            "p1",
            "medication",
            "no_staff",
        )
        assert u.reason == "No prescriber is set up for this program."


def test_no_prescriber_among_the_staff_named_is_explained() -> None:
    p = problem(
        [due("p1", "medication", "c1", minutes=30)],
        [counselor(), prescriber()],
        [patient()],
    )
    for result in both(p):
        (u,) = result.unplaced
        assert u.code == "no_staff"
        assert u.reason == (
            "None of the staff members named to deliver medication management to this patient"
            " is a prescriber."
        )


def test_no_common_time_is_explained() -> None:
    # The patient is free in the evenings, the prescriber works mornings.
    p = problem(
        [due("p1", "medication", "rx1", minutes=30)],
        [prescriber(windows=weekdays("08:00", "12:00"))],
        [patient(free=weekdays("17:00", "21:00"))],
    )
    for result in both(p):
        (u,) = result.unplaced
        assert u.code == "no_common_time"
        assert u.reason == (
            "No staff member who may deliver medication management is available when the"
            " patient is free."
        )


def test_a_common_time_filled_by_groups_is_explained_as_taken() -> None:
    p = problem(
        [due("p1")],
        [counselor(windows=(iv(MON, "13:00", "16:00"),))],
        [patient(busy=(iv(MON, "13:00", "16:00"),))],
    )
    for result in both(p):
        (u,) = result.unplaced
        assert u.code == "taken"
        assert u.reason == (
            "Every time the patient and the staff member are both free is taken by groups or"
            " other appointments."
        )
        assert "p1" not in u.reason and "c1" not in u.reason


def test_a_common_time_filled_by_other_appointments_is_explained_as_taken() -> None:
    p = problem(
        [due("p1"), due("p2")],
        [counselor(windows=(iv(MON, "13:00", "14:00"),))],
        [patient(), patient("p2")],
    )
    for result in both(p):
        assert len(result.placed) == 1
        assert [u.code for u in result.unplaced] == ["taken"]


def test_family_sessions_lie_inside_the_familys_times() -> None:
    family = (iv(WED, "17:00", "18:30"),)
    p = problem(
        [due("p1", "family", minutes=90, family=family)],
        [counselor(windows=weekdays("12:00", "21:00"))],
        [patient()],
    )
    for result in both(p):
        assert [(x.day, x.start, x.end) for x in result.placed] == [(WED, at("17:00"), at("18:30"))]


def test_family_times_that_meet_no_staff_window_are_explained() -> None:
    p = problem(
        [due("p1", "family", family=(iv(WED, "19:00", "20:00"),))],
        [counselor(windows=weekdays("08:00", "18:00"))],
        [patient()],
    )
    for result in both(p):
        (u,) = result.unplaced
        assert u.code == "no_common_time"
        assert u.reason == (
            "No staff member who may deliver family therapy is available when the patient and"
            " the family are free."
        )


def test_appointments_stay_within_the_days_and_hours_of_the_problem() -> None:
    p = problem(
        [due("p1", minutes=90)],
        [counselor(windows=(iv(MON, "07:00", "23:00"), iv(TUE, "20:00", "23:00")))],
        [patient()],
        days=(TUE,),
    )
    for result in both(p):  # Monday is not scheduled; Tuesday 20:00 + 90 min passes 21:00
        assert [u.code for u in result.unplaced] == ["no_common_time"]


def test_an_empty_week_places_nothing() -> None:
    p = problem([], [counselor()], [patient()])
    for result in both(p):
        assert result.placed == () and result.unplaced == ()
        assert result.stats["candidates"] == 0


def test_an_invalid_cp_sat_result_falls_back_to_greedy(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("openiop.domain.appointments.place")
    checked: list[int] = []

    def refuse_first(p: PlacementProblem, placements: Any) -> list[str]:
        checked.append(len(placements))
        return ["made up"] if len(checked) == 1 else validate(p, placements)

    monkeypatch.setattr(module, "validate", refuse_first)
    p = problem([due("p1"), due("p2")], [counselor()], [patient(), patient("p2")])
    result = module.place(p, time_limit=QUICK)
    assert checked == [2, 2]  # CP-SAT's result, then greedy's
    assert "made up" in str(result.stats["fallback"])
    assert result.placed == greedy(p).placed


def random_problem(patients: int, seed: int) -> PlacementProblem:
    """Groups, counselors and prescribers drawn at random: some dues cannot be placed."""
    rng = random.Random(seed)
    counselors = [f"c{i}" for i in range(max(2, patients // 12))]
    staff = [
        Staff(
            c,
            weekdays(*rng.choice((("08:00", "18:00"), ("12:00", "21:00")))),
            tuple(iv(rng.randrange(5), "13:00", "16:00") for _ in range(rng.randrange(3))),
            COUNSELOR | (PRESCRIBER if i == 0 else frozenset()),
        )
        for i, c in enumerate(counselors)
    ]
    rxs = ["rx1", "rx2"]
    staff += [
        Staff("rx1", weekdays("09:00", "13:00", (0, 2, 4)), (), PRESCRIBER),
        Staff("rx2", weekdays("14:00", "20:00", (1, 3)), (iv(TUE, "16:00", "17:00"),), PRESCRIBER),
    ]
    people, dues = [], []
    for i in range(patients):
        pid = f"p{i}"
        block = rng.choice((("09:00", "12:00"), ("13:00", "16:00"), ("18:00", "21:00")))
        groups = weekdays(*block, tuple(sorted(rng.sample(range(5), rng.randint(3, 5)))))
        free = rng.choice((None, (*weekdays("15:00", "21:00"), iv(5, "09:00", "13:00"))))
        people.append(PatientTimes(pid, free, groups))
        primary = rng.choice(counselors)
        previous = Slot(rng.randrange(5), at("08:00") + 30 * rng.randrange(20), primary)
        dues.append(
            due(pid, "individual", primary, previous=previous if rng.random() < 0.7 else None)
        )
        if rng.random() < 0.5:
            # The first counselor is also a prescriber; c1 (listed) is not.
            dues.append(due(pid, "medication", *rng.sample(rxs, 2), "c0", "c1", minutes=30))
        if rng.random() < 0.2:
            family = (iv(rng.randrange(6), "17:00", "20:00"),)
            dues.append(due(pid, "family", primary, minutes=90, family=family))
        if rng.random() < 0.05:
            dues.append(due(pid, "medication", "c1", minutes=30, id=f"{pid}-no-prescriber"))
    return PlacementProblem(tuple(dues), tuple(staff), tuple(people), gap=rng.choice((0, 15)))


@pytest.mark.parametrize("seed", [1, 2])
def test_greedy_and_cp_sat_are_valid_on_a_random_week(seed: int) -> None:
    p = random_problem(60, seed)
    base, best = both(p)
    assert len(best.placed) >= len(base.placed)
    if len(best.placed) == len(base.placed):
        assert best.stats["kept"] >= base.stats["kept"]
    assert best.stats["fallback"] == ""
    assert best.stats["candidates"] == base.stats["candidates"] > 0
    credential = {s.id: s.credentials for s in p.staff}
    for x in best.placed:
        d = p.due_by_id[x.due]
        assert x.staff in d.staff and d.credential in credential[x.staff]
    codes = Counter(u.code for u in best.unplaced)
    assert set(codes) <= {"no_staff", "no_common_time", "taken"}
    assert codes["no_staff"] == sum(1 for d in p.dues if d.id.endswith("no-prescriber"))
    assert all(u.reason for u in best.unplaced)
    assert best.stats["placed_bound"] >= len(best.placed)
    for u in best.unplaced:
        assert free_slots(p, best.placed, p.due_by_id[u.due]) == []


def free_slots(p: PlacementProblem, placed: tuple[Placement, ...], d: Due) -> list[Placement]:
    """Every start on the grid at which ``d`` could still go, found with the validator alone."""
    slots = []
    for staff in d.staff:
        for day in p.days:
            for start in range(p.day_start, p.day_end - d.minutes + 1, p.step):
                x = Placement(d.id, staff, day, start, start + d.minutes)
                if not validate(p, [*placed, x]):
                    slots.append(x)
    return slots


def test_the_neighbourhood_search_is_valid_and_no_worse_than_greedy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The search large problems get, forced on a small one: small neighbourhoods, many rounds.
    module = importlib.import_module("openiop.domain.appointments.place")
    monkeypatch.setattr(module, "WHOLE", 0)
    monkeypatch.setattr(module, "NEIGHBOURHOOD", 12)
    p = random_problem(60, 4)
    base = greedy(p)
    result = module.place(p, time_limit=QUICK)
    assert validate(p, result.placed) == []
    assert result.stats["fallback"] == ""
    assert result.stats["rounds"] > 1
    assert (len(result.placed), result.stats["kept"]) >= (len(base.placed), base.stats["kept"])
    for u in result.unplaced:
        assert free_slots(p, result.placed, p.due_by_id[u.due]) == []


def test_a_tiny_time_limit_still_gives_a_valid_complete_answer() -> None:
    # 0.01 s is less than the time kept back for the check: CP-SAT gets none, greedy stands.
    p = random_problem(60, 5)
    result = place(p, time_limit=0.01)
    assert result.stats["fallback"] == "CP-SAT found no placement in the time limit"
    assert validate(p, result.placed) == []
    assert len(result.placed) + len(result.unplaced) == len(p.dues)
    assert len(result.placed) >= len(greedy(p).placed)


def test_last_weeks_slot_with_a_staff_member_who_left_is_not_an_error() -> None:
    p = problem([due("p1", previous=Slot(TUE, at("10:00"), "c9"))], [counselor()], [patient()])
    for result in both(p):
        assert len(result.placed) == 1 and result.stats["kept"] == 0


def test_the_same_problem_gives_the_same_placement() -> None:
    p = random_problem(60, 3)
    first, again = place(p, time_limit=QUICK), place(p, time_limit=QUICK)
    assert first.placed == again.placed
    assert first.unplaced == again.unplaced


# Nonsense input is refused when the problem is built.
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Interval(MON, 600, 600), "end must be after start"),
        (lambda: Interval(7, 600, 660), "must be 0 (Monday) to 6 (Sunday)"),
        (lambda: Interval(-1, 600, 660), "must be 0 (Monday) to 6 (Sunday)"),
        (lambda: due("p1", minutes=0), "minutes must be positive"),
        (lambda: due("p1", "individual", "c1", "c1"), "staff listed twice: c1"),
        (lambda: problem([due("p1")], [counselor()], [patient()], step=0), "step must be positive"),
        (
            lambda: problem([due("p1"), due("p1")], [counselor()], [patient()]),
            "due id 'p1-individual' is used 2 times",
        ),
        (lambda: problem([due("p9")], [counselor()], [patient()]), "unknown patient 'p9'"),
        (
            lambda: problem([due("p1", "individual", "c7")], [counselor()], [patient()]),
            "due p1-individual: unknown staff 'c7'",
        ),
        (
            lambda: problem([due("p1")], [counselor()], [patient()], day_start=600, day_end=600),
            "need 0 <= day_start < day_end <= 1440",
        ),
        (lambda: problem([due("p1")], [counselor()], [patient()], days=(8,)), "day 8"),
    ],
)
def test_nonsense_input_is_refused(build: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        build()
    assert message in str(caught.value)


def test_intervals_overlap_only_when_they_share_time_on_one_day() -> None:
    assert iv(MON, "09:00", "10:00").overlaps(iv(MON, "09:30", "11:00"))
    assert not iv(MON, "09:00", "10:00").overlaps(iv(MON, "10:00", "11:00"))  # touching
    assert not iv(MON, "09:00", "10:00").overlaps(iv(TUE, "09:00", "10:00"))
