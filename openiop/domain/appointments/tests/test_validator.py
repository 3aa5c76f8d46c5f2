"""The validator catches each broken rule, one test per rule, on placements built by hand."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from openiop.domain.appointments import (
    Due,
    Interval,
    PatientTimes,
    Placement,
    PlacementProblem,
    Staff,
    validate,
)

MON, TUE, SUN = 0, 1, 6


def at(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def iv(day: int, start: str, end: str) -> Interval:
    return Interval(day, at(start), at(end))


def hand_made(**changes: Any) -> PlacementProblem:
    """c1 counsels Mon-Tue 08:00-18:00 and leads a group Mon 13:00-16:00; rx1 prescribes Monday
    mornings; p1 is in a group Mon 09:00-12:00, p2 is free Tuesday afternoons only."""
    fields: dict[str, Any] = {
        "dues": (
            Due("p1-individual", "p1", "individual", 60, "counselor", ("c1",)),
            Due("p1-medication", "p1", "medication", 30, "prescriber", ("rx1", "c1")),
            Due(
                "p1-family",
                "p1",
                "family",
                90,
                "counselor",
                ("c1",),
                family=(iv(TUE, "16:00", "18:00"),),
            ),
            Due("p2-individual", "p2", "individual", 60, "counselor", ("c1",)),
        ),
        "staff": (
            Staff(
                "c1",
                (iv(MON, "08:00", "18:00"), iv(TUE, "08:00", "18:00")),
                (iv(MON, "13:00", "16:00"),),
                frozenset({"counselor"}),
            ),
            Staff("rx1", (iv(MON, "08:00", "12:00"),), (), frozenset({"prescriber"})),
        ),
        "patients": (
            PatientTimes("p1", None, (iv(MON, "09:00", "12:00"),)),
            PatientTimes("p2", (iv(TUE, "12:00", "18:00"),)),
        ),
    }
    fields.update(changes)
    return PlacementProblem(**fields)


def valid() -> list[Placement]:
    return [
        Placement("p1-individual", "c1", MON, at("12:00"), at("13:00")),  # touches the group
        Placement("p1-medication", "rx1", MON, at("08:00"), at("08:30")),
        Placement("p1-family", "c1", TUE, at("16:00"), at("17:30")),
        Placement("p2-individual", "c1", TUE, at("12:00"), at("13:00")),
    ]


def errors_with(index: int, problem: PlacementProblem | None = None, **fields: Any) -> list[str]:
    placements = valid()
    placements[index] = replace(placements[index], **fields)
    errors = validate(problem or hand_made(), placements)
    assert errors
    return errors


def test_the_hand_made_placements_are_valid() -> None:
    assert validate(hand_made(), valid()) == []


def test_an_unknown_due() -> None:
    assert errors_with(0, due="p9-individual") == [
        "p9-individual (Mon 12:00-13:00, c1): unknown due 'p9-individual'"
    ]


def test_an_unknown_staff_member() -> None:
    errors = errors_with(3, staff="c9")
    assert "p2-individual (Tue 12:00-13:00, c9): unknown staff 'c9'" in errors


def test_a_due_placed_twice() -> None:
    placements = [*valid(), Placement("p2-individual", "c1", TUE, at("14:00"), at("15:00"))]
    assert validate(hand_made(), placements) == ["p2-individual: placed 2 times"]


def test_a_staff_member_not_named_for_the_due() -> None:
    problem = hand_made(
        staff=(
            *hand_made().staff,
            Staff("c2", (iv(TUE, "08:00", "18:00"),), (), frozenset({"counselor"})),
        )
    )
    assert errors_with(3, problem, staff="c2") == [
        "p2-individual (Tue 12:00-13:00, c2): c2 is not among the staff who may deliver it"
    ]


def test_a_staff_member_without_the_credential() -> None:
    # c1 is named for the medication due but is no prescriber.
    assert errors_with(1, staff="c1", start=at("08:30"), end=at("09:00")) == [
        "p1-medication (Mon 08:30-09:00, c1): c1 does not hold the prescriber credential"
    ]


def test_the_wrong_length() -> None:
    assert errors_with(0, end=at("12:50")) == [
        "p1-individual (Mon 12:00-12:50, c1): it lasts 50 minutes, not 60"
    ]


def test_a_day_not_being_scheduled() -> None:
    problem = hand_made(days=(TUE, 2, 3, 4, 5))
    errors = validate(problem, valid())
    assert errors == [
        "p1-individual (Mon 12:00-13:00, c1): it is not on one of the days being scheduled",
        "p1-medication (Mon 08:00-08:30, rx1): it is not on one of the days being scheduled",
    ]


def test_outside_the_day_hours() -> None:
    problem = hand_made(day_start=at("08:30"))
    assert validate(problem, valid()) == [
        "p1-medication (Mon 08:00-08:30, rx1): it is outside the day hours 08:30-21:00"
    ]


def test_outside_every_staff_window() -> None:
    # 17:30-18:30 runs past c1's window; it straddles no other window either.
    assert errors_with(
        3,
        start=at("17:30"),
        end=at("18:30"),
        problem=hand_made(
            patients=(hand_made().patients[0], PatientTimes("p2", None)),
        ),
    ) == ["p2-individual (Tue 17:30-18:30, c1): it is not inside one of c1's available times"]


def test_across_two_windows_is_not_inside_one() -> None:
    staff = replace(
        hand_made().staff[0], windows=(iv(TUE, "12:00", "12:30"), iv(TUE, "12:30", "13:00"))
    )
    problem = hand_made(staff=(staff, hand_made().staff[1]))
    errors = validate(problem, valid())
    assert (
        "p2-individual (Tue 12:00-13:00, c1): it is not inside one of c1's available times"
        in errors
    )


def test_outside_the_patients_free_time() -> None:
    assert errors_with(3, start=at("11:00"), end=at("12:00")) == [
        "p2-individual (Tue 11:00-12:00, c1): it is not inside one of patient p2's free times"
    ]


def test_outside_the_familys_times() -> None:
    assert errors_with(2, start=at("15:00"), end=at("16:30")) == [
        "p1-family (Tue 15:00-16:30, c1): it is not inside one of the family's available times"
    ]


def test_over_the_staff_members_group() -> None:
    assert errors_with(0, start=at("15:30"), end=at("16:30")) == [
        "p1-individual (Mon 15:30-16:30, c1): it overlaps c1's busy time Mon 13:00-16:00"
    ]


def test_over_the_patients_group() -> None:
    assert errors_with(0, start=at("11:30"), end=at("12:30")) == [
        "p1-individual (Mon 11:30-12:30, c1): it overlaps patient p1's busy time Mon 09:00-12:00"
    ]


def test_too_close_to_the_patients_group_with_a_gap() -> None:
    errors = validate(hand_made(gap=15), valid())
    assert errors == [
        "p1-individual (Mon 12:00-13:00, c1): it overlaps or is less than 15 minutes from"
        " patient p1's busy time Mon 09:00-12:00"
    ]


def test_two_appointments_of_one_staff_member_overlap() -> None:
    # p1's family session moved onto p2's individual session, both with c1.
    problem = hand_made(
        dues=(*hand_made().dues[:2], replace(hand_made().dues[2], family=None), hand_made().dues[3])
    )
    assert errors_with(2, problem, start=at("12:30"), end=at("14:00")) == [
        "p2-individual (Tue 12:00-13:00, c1): overlaps p1-family (Tue 12:30-14:00, c1) for c1"
    ]


def test_two_appointments_of_one_patient_overlap() -> None:
    assert errors_with(
        1,
        start=at("12:30"),
        end=at("13:00"),
        staff="rx1",
        problem=hand_made(
            staff=(
                hand_made().staff[0],
                replace(hand_made().staff[1], windows=(iv(MON, "08:00", "13:00"),)),
            ),
        ),
    ) == [
        "p1-individual (Mon 12:00-13:00, c1): overlaps p1-medication (Mon 12:30-13:00, rx1)"
        " for patient p1"
    ]


def test_two_appointments_of_one_patient_too_close_with_a_gap() -> None:
    problem = hand_made(
        gap=30,
        patients=(PatientTimes("p1", None), hand_made().patients[1]),
    )
    placements = valid()
    placements[1] = replace(placements[1], start=at("11:15"), end=at("11:45"))
    problem = replace(
        problem,
        staff=(problem.staff[0], replace(problem.staff[1], windows=(iv(MON, "08:00", "12:00"),))),
    )
    assert validate(problem, placements) == [
        "p1-medication (Mon 11:15-11:45, rx1): overlaps or is less than 30 minutes from"
        " p1-individual (Mon 12:00-13:00, c1) for patient p1"
    ]


def test_an_end_before_the_start_is_reported_not_raised() -> None:
    errors = errors_with(0, start=at("13:00"), end=at("12:00"))
    assert errors == ["p1-individual (Mon 13:00-12:00, c1): it lasts -60 minutes, not 60"]


@pytest.mark.parametrize("day", [SUN, 9])
def test_a_day_outside_the_problem_is_reported_not_raised(day: int) -> None:
    errors = errors_with(0, day=day)
    assert any("it is not on one of the days being scheduled" in e for e in errors)
