"""The outcomes figures on a small hand-made data set whose answers are worked out by hand in
the comments. Period: 1 January to 31 March 2026, computed as of 15 April 2026."""

from __future__ import annotations

from datetime import date

import pytest

from openiop.domain.measures.reliable_change import DEFAULT_RELIABILITY
from openiop.domain.outcomes import (
    EpisodeFact,
    Facts,
    PeriodError,
    Point,
    ReferralFact,
    ScoreFact,
    ScreenFact,
    WeekFact,
    compute,
    in_treatment,
    median,
    months,
)

D = date
START, END, AS_OF = D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 15)


def ep(admission: int, patient: int, admitted: date, **kw: object) -> EpisodeFact:
    return EpisodeFact(
        admission_id=admission,
        patient_id=patient,
        program_id=1,
        site_id=1,
        track_ids=frozenset({1}),
        admitted_on=admitted,
        **kw,  # type: ignore[arg-type]
    )


EPISODES = (
    # E1, patient 1: 1 Dec -> 10 Jan completed (40 days); contacts on the end day (day 0,
    # not counted) and on day 31 (too late for both follow-ups).
    ep(
        1,
        1,
        D(2025, 12, 1),
        referred_on=D(2025, 11, 20),
        first_session_on=D(2025, 12, 2),
        ended_on=D(2026, 1, 10),
        end_kind="completed",
        contacts_after_end=(D(2026, 1, 10), D(2026, 2, 10)),
    ),
    # E2, patient 2: admitted 5 Jan, open; referral 1 Jan, first session 7 Jan (6 days).
    ep(
        2,
        2,
        D(2026, 1, 5),
        referral_id=101,
        referred_on=D(2026, 1, 1),
        first_session_on=D(2026, 1, 7),
    ),
    # E3, patient 3: 10 Jan -> 4 Feb against advice (25 days); referral 2 Jan, first session
    # 12 Jan (10 days); a contact on day 2.
    ep(
        3,
        3,
        D(2026, 1, 10),
        referral_id=102,
        referred_on=D(2026, 1, 2),
        first_session_on=D(2026, 1, 12),
        ended_on=D(2026, 2, 4),
        end_kind="against_advice",
        contacts_after_end=(D(2026, 2, 6),),
    ),
    # E4, patient 4: 1 Feb -> 31 Mar stepped down (58 days); referral 20 Jan, first session
    # 3 Feb (14 days); a contact on day 20 (20 April, after as_of).
    ep(
        4,
        4,
        D(2026, 2, 1),
        referral_id=103,
        referred_on=D(2026, 1, 20),
        first_session_on=D(2026, 2, 3),
        ended_on=D(2026, 3, 31),
        end_kind="stepped_down",
        contacts_after_end=(D(2026, 4, 20),),
    ),
    # E5, patient 5: admitted 1 March, open, no referral.
    ep(5, 5, D(2026, 3, 1), first_session_on=D(2026, 3, 2)),
    # E6, patient 6: admitted on the period's last day, no session yet.
    ep(6, 6, D(2026, 3, 31)),
    # E7, patient 1 again: admitted 15 Feb (36 days after E1 ended), referral 1 Feb, first
    # session 16 Feb (15 days).
    ep(7, 1, D(2026, 2, 15), referred_on=D(2026, 2, 1), first_session_on=D(2026, 2, 16)),
    # E8, patient 7: admitted after the period.
    ep(8, 7, D(2026, 4, 2)),
    # E9, patient 8: 1 Oct 2025 -> 1 Jan 2026 completed (92 days), a contact on day 7.
    ep(
        9,
        8,
        D(2025, 10, 1),
        ended_on=D(2026, 1, 1),
        end_kind="completed",
        contacts_after_end=(D(2026, 1, 8),),
    ),
)

REFERRALS = (
    ReferralFact(101, 1, 1, D(2026, 1, 1), admission_id=2, patient_id=2),
    ReferralFact(102, 1, 1, D(2026, 1, 2), admission_id=3, patient_id=3),
    ReferralFact(103, 1, 1, D(2026, 1, 20), admission_id=4, patient_id=4),
    ReferralFact(104, 1, 1, D(2026, 2, 10)),  # not admitted, never registered
    ReferralFact(105, 1, 1, D(2026, 3, 31), patient_id=9),  # not admitted
    ReferralFact(106, 1, 1, D(2025, 12, 31), admission_id=1, patient_id=1),  # before
    ReferralFact(107, 1, 1, D(2026, 4, 1)),  # after
)

WEEKS = (
    WeekFact(2, 2, D(2026, 1, 5), 9.0, 9.0),
    WeekFact(2, 2, D(2026, 1, 12), 9.0, 4.5),
    WeekFact(3, 3, D(2026, 1, 12), 9.0, 0.0),
    WeekFact(4, 4, D(2025, 12, 29), 9.0, 9.0),  # begins before the period
    WeekFact(5, 5, D(2026, 3, 30), 9.0, 6.0),  # begins on the last Monday of the period
    WeekFact(5, 5, D(2026, 4, 6), 9.0, 9.0),  # after
)

SCORES = (
    # patient 2: 20 -> 12 (-8, beyond 5.06: improved); GAD-7 10 -> 6 (-4, beyond 3.53).
    ScoreFact(2, "phq9", D(2026, 1, 6), 20),
    ScoreFact(2, "phq9", D(2026, 3, 1), 12),
    ScoreFact(2, "gad7", D(2026, 1, 6), 10),
    ScoreFact(2, "gad7", D(2026, 3, 1), 6),
    # patient 3: a baseline only: not counted.
    ScoreFact(3, "phq9", D(2026, 1, 11), 15),
    # patient 4: 10 -> 14 in the period (+4: no reliable change); the 2 of April is after.
    ScoreFact(4, "phq9", D(2025, 12, 1), 10),
    ScoreFact(4, "phq9", D(2026, 4, 10), 2),
    ScoreFact(4, "phq9", D(2026, 2, 20), 14),
    # patient 5: 18 -> 25 (+7: reliably worse).
    ScoreFact(5, "phq9", D(2026, 3, 2), 18),
    ScoreFact(5, "phq9", D(2026, 3, 20), 25),
    # patient 1: 20 -> 14 (-6, improved) then 16 (-4): the latest in the period counts,
    # no reliable change.
    ScoreFact(1, "phq9", D(2025, 12, 1), 20),
    ScoreFact(1, "phq9", D(2026, 2, 20), 14),
    ScoreFact(1, "phq9", D(2026, 3, 25), 16),
)

SCREENS = (
    ScreenFact(2, D(2026, 1, 15), True),
    ScreenFact(2, D(2026, 2, 15), False),
    ScreenFact(3, D(2026, 1, 31), True),
    ScreenFact(5, D(2026, 3, 31), True),
    ScreenFact(4, D(2025, 12, 31), True),  # before
    ScreenFact(5, D(2026, 4, 1), False),  # after
)

FACTS = Facts(EPISODES, REFERRALS, WEEKS, SCORES, SCREENS)


@pytest.fixture(scope="module")
def board():  # type: ignore[no-untyped-def]
    return compute(FACTS, start=START, end=END, as_of=AS_OF, reliability=DEFAULT_RELIABILITY)


KEYS = (
    "census",
    "admissions",
    "referrals_converted",
    "days_to_first_session",
    "attendance_rate",
    "retention_30",
    "retention_60",
    "retention_90",
    "completion",
    "length_of_stay",
    "phq9_improved",
    "gad7_improved",
    "negative_screens",
    "follow_up_7",
    "follow_up_30",
    "readmission_90",
)


def test_every_figure_once_in_order_with_a_plain_definition(board) -> None:  # type: ignore[no-untyped-def]
    assert tuple(f.key for f in board.figures) == KEYS
    for f in board.figures:
        assert f.definition and "_" not in f.definition, f.key
        assert f.unit in {"share", "count", "days"}
    assert "Jacobson" in board.figure("phq9_improved").source
    assert board.figure("retention_30").source == ""


def test_census(board) -> None:  # type: ignore[no-untyped-def]
    # On 31 March: E2 (p2), E5 (p5), E6 (p6, admitted that day), E7 (p1); E4 ended that day.
    f = board.figure("census")
    assert (f.value, f.members) == (4.0, (1, 2, 5, 6))
    # 31 Jan: E2, E3. 28 Feb: E2, E4, E7 (E3 ended 4 Feb).
    assert [(p.label, p.value) for p in f.series] == [
        ("2026-01", 2.0),
        ("2026-02", 3.0),
        ("2026-03", 4.0),
    ]


def test_admissions(board) -> None:  # type: ignore[no-untyped-def]
    # E2, E3 in January; E4, E7 in February; E5 and E6 (31 March) in March; E8 after.
    f = board.figure("admissions")
    assert (f.value, f.members) == (6.0, (1, 2, 3, 4, 5, 6))
    assert [p.value for p in f.series] == [2.0, 2.0, 2.0]


def test_referrals_converted(board) -> None:  # type: ignore[no-untyped-def]
    # Received in the period: 101, 102, 103, 104 and 105 (31 March); 3 admitted: 3/5.
    f = board.figure("referrals_converted")
    assert (f.value, f.numerator, f.denominator) == (0.6, 3, 5)
    assert f.members == (2, 3, 4)
    assert f.denominator_members == (2, 3, 4, 9)  # 104 has no patient
    assert [(p.numerator, p.denominator) for p in f.series] == [(3, 3), (0, 1), (0, 1)]


def test_days_to_first_session(board) -> None:  # type: ignore[no-untyped-def]
    # E2 6, E3 10, E4 14, E7 15 days (E5 has no referral, E6 no session): median of four
    # is the mean of 10 and 14.
    f = board.figure("days_to_first_session")
    assert (f.value, f.unit, f.denominator, f.members) == (12.0, "days", 4, (1, 2, 3, 4))
    assert [p.value for p in f.series] == [8.0, 14.5, None]


def test_attendance_rate(board) -> None:  # type: ignore[no-untyped-def]
    # Weeks from 5 Jan, 12 Jan (two) and 30 March: 19.5 attended of 36 required.
    f = board.figure("attendance_rate")
    assert f.value == round(19.5 / 36, 4) == 0.5417
    assert f.members == (2, 3, 5)
    # The card says "20 of 36 hours" (whole hours); the definition holds no numbers.
    assert (f.numerator, f.denominator, f.items) == (20, 36, "hours")
    assert "19.5" not in f.definition and "36" not in f.definition
    assert f.series == (
        Point("2026-01", 0.5, 14, 27),  # 13.5 of 27 (rounded hours 14 and 27)
        Point("2026-02", None, 0, 0),
        Point("2026-03", 0.6667, 6, 9),
    )


def test_retention(board) -> None:  # type: ignore[no-untyped-def]
    # Day 30 passed for admissions up to 16 March: E2, E3, E4, E5, E7. E3 left against
    # advice on day 25: 4/5.
    r30 = board.figure("retention_30")
    assert (r30.value, r30.numerator, r30.denominator) == (0.8, 4, 5)
    assert r30.members == (1, 2, 4, 5) and r30.denominator_members == (1, 2, 3, 4, 5)
    assert r30.series == (Point("day 30", 0.8, 4, 5),)
    # Day 60 passed for admissions up to 14 Feb: E2, E3, E4 (E7, 15 Feb, reaches day 60 on
    # 16 April, after as_of). E4 stepped down on day 58: kept. 2/3.
    r60 = board.figure("retention_60")
    assert (r60.value, r60.denominator, r60.members) == (0.6667, 3, (2, 4))
    # Day 90: E2 and E3 only: 1/2.
    r90 = board.figure("retention_90")
    assert (r90.value, r90.members, r90.denominator_members) == (0.5, (2,), (2, 3))


def test_completion(board) -> None:  # type: ignore[no-untyped-def]
    # Ended in the period: E9 (1 Jan), E1 (10 Jan), E3, E4 (31 March): 2 completed of 4.
    f = board.figure("completion")
    assert (f.value, f.members, f.denominator_members) == (0.5, (1, 8), (1, 3, 4, 8))
    assert [(p.label, p.numerator) for p in f.series] == [
        ("Completed the program", 2),
        ("Stepped down to outpatient care", 1),
        ("Transferred to a higher level of care", 0),
        ("Left against clinical advice", 1),
        ("Administrative discharge", 0),
    ]


def test_length_of_stay(board) -> None:  # type: ignore[no-untyped-def]
    # 25 (E3), 40 (E1), 58 (E4), 92 (E9): median (40 + 58) / 2 = 49.
    f = board.figure("length_of_stay")
    assert (f.value, f.denominator) == (49.0, 4)
    assert [(p.label, p.value) for p in f.series] == [
        ("0-30 days", 1.0),
        ("31-60 days", 2.0),
        ("61-90 days", 0.0),
        ("91 days or more", 1.0),
    ]


def test_reliable_improvement(board) -> None:  # type: ignore[no-untyped-def]
    # PHQ-9 counted: p1 (no change at the latest), p2 (improved), p4 (no change), p5
    # (worse); p3 has only a baseline. 1/4.
    f = board.figure("phq9_improved")
    assert (f.value, f.members, f.denominator_members) == (0.25, (2,), (1, 2, 4, 5))
    assert [p.numerator for p in f.series] == [1, 2, 1]
    g = board.figure("gad7_improved")
    assert (g.value, g.members) == (1.0, (2,))


def test_reliable_improvement_without_reliability_values_is_not_computed() -> None:
    board = compute(FACTS, start=START, end=END, as_of=AS_OF, reliability={})
    f = board.figure("phq9_improved")
    assert f.value is None and f.denominator == 0
    assert "Not computed" in f.definition


def test_negative_screens(board) -> None:  # type: ignore[no-untyped-def]
    # 15 Jan, 31 Jan, 31 March negative; 15 Feb positive: 3/4.
    f = board.figure("negative_screens")
    # Listed per patient: counted those whose screens were all negative (3 and 5);
    # patient 2 had the positive one of 15 February.
    assert (f.value, f.members, f.denominator_members) == (0.75, (3, 5), (2, 3, 5))
    assert (f.numerator, f.denominator, f.items) == (3, 4, "drug screens")
    assert [p.value for p in f.series] == [1.0, 0.0, 1.0]


def test_follow_up(board) -> None:  # type: ignore[no-untyped-def]
    # Day 7 passed for E9, E1, E3 and E4 (31 March + 7 = 7 April): E3 (day 2) and E9 (day 7)
    # reached; E1's contacts are on days 0 and 31, E4's on day 20: 2/4.
    f7 = board.figure("follow_up_7")
    assert (f7.value, f7.members, f7.denominator_members) == (0.5, (3, 8), (1, 3, 4, 8))
    # Day 30 passed for E9, E1, E3 only: 2/3.
    f30 = board.figure("follow_up_30")
    assert (f30.value, f30.numerator, f30.denominator) == (0.6667, 2, 3)


def test_readmission(board) -> None:  # type: ignore[no-untyped-def]
    # Ended by 15 January (15 April - 90 days): E9 and E1; patient 1 came back 36 days
    # after E1: 1/2.
    f = board.figure("readmission_90")
    assert (f.value, f.members, f.denominator_members) == (0.5, (1,), (1, 8))


def test_empty_facts_give_none_not_zero() -> None:
    board = compute(Facts(), start=START, end=END, as_of=AS_OF, reliability=DEFAULT_RELIABILITY)
    for f in board.figures:
        if f.unit == "count":
            assert f.value == 0.0 and f.members == ()
        else:
            assert f.value is None, f.key
    assert board.figure("census").series[0] == Point("2026-01", 0.0)


def test_period_end_before_start_is_refused() -> None:
    with pytest.raises(PeriodError):
        compute(FACTS, start=END, end=START, as_of=AS_OF, reliability={})
    assert issubclass(PeriodError, ValueError)


def test_one_day_period() -> None:
    # Only 31 March: E6 admitted; E4 ended (stepped down) that day.
    board = compute(FACTS, start=END, end=END, as_of=AS_OF, reliability={})
    assert board.figure("admissions").members == (6,)
    assert board.figure("completion").value == 0.0
    assert board.figure("census").series == (Point("2026-03", 4.0),)


def test_retention_on_day_n_itself() -> None:
    # Admitted 1 Jan; day 30 is 31 Jan. Ended on day 30 against advice: not in treatment
    # that day, not kept. Ended on day 31: still in treatment on day 30, kept.
    a = ep(1, 1, D(2026, 1, 1), ended_on=D(2026, 1, 31), end_kind="against_advice")
    b = ep(2, 2, D(2026, 1, 1), ended_on=D(2026, 2, 1), end_kind="against_advice")
    # Day 30 of an admission on 16 Jan is 15 Feb = as_of: counted.
    c = ep(3, 3, D(2026, 1, 16))
    board = compute(Facts((a, b, c)), start=START, end=END, as_of=D(2026, 2, 15), reliability={})
    f = board.figure("retention_30")
    assert (f.members, f.denominator_members) == ((2, 3), (1, 2, 3))
    board = compute(Facts((a, b, c)), start=START, end=END, as_of=D(2026, 2, 14), reliability={})
    assert board.figure("retention_30").denominator_members == (1, 2)


def test_helpers() -> None:
    assert median([]) is None and median([3, 1, 2]) == 2.0 and median([1, 4]) == 2.5
    assert months(D(2026, 1, 15), D(2026, 2, 3)) == [
        ("2026-01", D(2026, 1, 15), D(2026, 1, 31)),
        ("2026-02", D(2026, 2, 1), D(2026, 2, 3)),
    ]
    assert months(D(2025, 12, 31), D(2026, 1, 1))[0] == (
        "2025-12",
        D(2025, 12, 31),
        D(2025, 12, 31),
    )
    e = EPISODES[3]  # 1 Feb -> 31 March
    assert in_treatment(e, D(2026, 2, 1)) and in_treatment(e, D(2026, 3, 30))
    assert not in_treatment(e, D(2026, 3, 31)) and not in_treatment(e, D(2026, 1, 31))


def test_census_counts_each_patient_once() -> None:
    # Patient 1 in two programs at once (two open episodes), patient 2 once: 2 patients.
    a = ep(1, 1, D(2026, 1, 5))
    b = ep(2, 1, D(2026, 2, 1))
    c = ep(3, 2, D(2026, 1, 10), ended_on=D(2026, 3, 1), end_kind="completed")
    board = compute(Facts((a, b, c)), start=START, end=END, as_of=AS_OF, reliability={})
    f = board.figure("census")
    assert (f.value, f.numerator, f.members) == (1.0, 1, (1,))
    assert [p.value for p in f.series] == [2.0, 2.0, 1.0]
    assert "each patient once" in f.definition


def test_patients_with_several_stays_counted_in_one_are_marked() -> None:
    # Patient 1: one stay completed, one against advice; patient 2 completed: 2 of 3 stays,
    # 2 patients, patient 1 counted in one stay and not in the other.
    a = ep(1, 1, D(2025, 12, 1), ended_on=D(2026, 1, 10), end_kind="completed")
    b = ep(2, 1, D(2026, 1, 20), ended_on=D(2026, 2, 10), end_kind="against_advice")
    c = ep(3, 2, D(2026, 1, 2), ended_on=D(2026, 3, 1), end_kind="completed")
    board = compute(Facts((a, b, c)), start=START, end=END, as_of=AS_OF, reliability={})
    f = board.figure("completion")
    assert (f.numerator, f.denominator, f.members, f.denominator_members) == (2, 3, (1, 2), (1, 2))
    assert (f.mixed_members, f.items) == ((1,), "treatment stays")


def test_patients_who_died_are_left_out_of_follow_up_and_readmission() -> None:
    # Both ended 1 January, no contact, as of 15 April: the one who died is left out.
    a = ep(
        1, 1, D(2025, 12, 1), ended_on=D(2026, 1, 1), end_kind="administrative", other_ending="died"
    )
    b = ep(
        2,
        2,
        D(2025, 12, 1),
        ended_on=D(2026, 1, 1),
        end_kind="completed",
        other_ending="incarcerated",
    )
    board = compute(Facts((a, b)), start=START, end=END, as_of=AS_OF, reliability={})
    for key in ("follow_up_7", "follow_up_30", "readmission_90"):
        f = board.figure(key)
        assert (f.denominator, f.denominator_members) == (1, (2,)), key
        assert "who died are left out" in f.definition
    # Still counted in how episodes ended.
    assert board.figure("completion").denominator == 2


def test_admission_on_the_discharge_day_is_not_a_readmission() -> None:
    # Stepped down on 10 January and admitted to the next program that day: not a
    # readmission; patient 2 came back the day after: a readmission.
    a = ep(1, 1, D(2025, 12, 1), ended_on=D(2026, 1, 10), end_kind="stepped_down")
    b = ep(2, 1, D(2026, 1, 10))
    c = ep(3, 2, D(2025, 12, 1), ended_on=D(2026, 1, 10), end_kind="completed")
    d = ep(4, 2, D(2026, 1, 11))
    board = compute(Facts((a, b, c, d)), start=START, end=END, as_of=AS_OF, reliability={})
    f = board.figure("readmission_90")
    assert (f.numerator, f.denominator, f.members) == (1, 2, (2,))
    assert "discharge day itself" in f.definition


def test_referrals_without_a_patient_are_counted_as_not_listed(board) -> None:  # type: ignore[no-untyped-def]
    # 104 (not admitted, no patient) is in the total but cannot be listed.
    assert board.figure("referrals_converted").not_listed == 1


def test_list_note_and_counts_words() -> None:
    from openiop.domain.outcomes import charts
    from openiop.domain.outcomes.facts import Figure

    stays = Figure("completion", "C", "share", 0.5, "d", 49, 102, items="treatment stays")
    assert charts.list_note(stays, 98) == (
        "The figure counts 102 treatment stays; they are 98 patients (a patient with "
        "several treatment stays is listed once)."
    )
    assert charts.list_note(stays, 102) == ""
    assert charts.counts_label(stays) == "Treatment stays"
    hours = Figure("attendance_rate", "H", "share", 0.9, "d", 8005, 9120, items="hours")
    assert charts.list_note(hours, 3) == "" and charts.counts_label(hours) == "Hours"
    assert charts.share_detail(8005, 9120, charts.HOURS) == "8,005 of 9,120 hours"
    assert charts.share_detail(1, 2) == "1 of 2"
    admissions = Figure("admissions", "A", "count", 3.0, "d", 3, items="admissions")
    assert charts.list_note(admissions, 2).startswith("The figure counts 3 admissions; they are 2")
    assert charts.counts_label(Figure("x", "X", "share", None, "d")) == "Patients"
