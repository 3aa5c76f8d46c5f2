from openiop.domain.caseload import Counselor, Patient, balance


def test_caseloads_are_balanced_within_the_track() -> None:
    counselors = [
        Counselor(1, frozenset({10}), frozenset({"english"})),
        Counselor(2, frozenset({10}), frozenset({"english"})),
    ]
    patients = [Patient(i, frozenset({10}), "English") for i in range(1, 7)]
    result = balance(patients, counselors)
    loads = [sum(1 for a in result if a.counselor == c.id) for c in counselors]
    assert loads == [3, 3]


def test_only_counselors_of_the_track_are_eligible() -> None:
    counselors = [
        Counselor(1, frozenset({10}), frozenset()),
        Counselor(2, frozenset({20}), frozenset()),
    ]
    result = balance([Patient(5, frozenset({20}))], counselors)
    assert result[0].counselor == 2


def test_nobody_eligible_is_said() -> None:
    result = balance([Patient(5, frozenset({30}))], [Counselor(1, frozenset({10}), frozenset())])
    assert result[0].counselor is None
    assert "No active counselor" in result[0].reason


def test_language_comes_before_load() -> None:
    counselors = [
        Counselor(1, frozenset({10}), frozenset({"english"}), load=0),
        Counselor(2, frozenset({10}), frozenset({"english", "spanish"}), load=5),
    ]
    result = balance([Patient(5, frozenset({10}), "Spanish")], counselors)
    assert result[0].counselor == 2 and result[0].language_match


def test_a_full_counselor_is_taken_last_and_said() -> None:
    counselors = [
        Counselor(1, frozenset({10}), frozenset({"spanish"}), load=3, limit=3),
        Counselor(2, frozenset({10}), frozenset(), load=2, limit=3),
    ]
    result = balance([Patient(5, frozenset({10}), "Spanish")], counselors)
    assert result[0].counselor == 2 and not result[0].over_limit
    result = balance([Patient(5, frozenset({10}))], [counselors[0]])
    assert result[0].over_limit and "caseload limit" in result[0].reason


def test_the_most_constrained_patient_is_served_first() -> None:
    counselors = [
        Counselor(1, frozenset({10, 20}), frozenset(), limit=1),
        Counselor(2, frozenset({10}), frozenset(), limit=1),
    ]
    # Patient 1 could see either; patient 2 only counselor 1.
    result = balance([Patient(1, frozenset({10})), Patient(2, frozenset({20}))], counselors)
    assert {a.patient: a.counselor for a in result} == {1: 2, 2: 1}
