"""The outcomes loader on a small database world whose facts are known, its filters, the
patient list rows, and a constant number of queries whatever the number of patients."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openiop.care.models import AlumniFollowUp, Discharge, DischargeType, DrugScreen
from openiop.care.models.screens import DrugScreenResult
from openiop.core.testing import (
    EnrollmentFactory,
    PatientFactory,
    RoomFactory,
    TrackFactory,
    World,
)
from openiop.delivery.models import AttendanceRecord, LeaveOfAbsence
from openiop.domain.outcomes import EpisodeFact, ReferralFact, ScoreFact, ScreenFact, WeekFact
from openiop.domain.outcomes import facts as outcome_facts
from openiop.domain.outcomes.metrics import PeriodError
from openiop.intake.models import Admission, Referral, ScreeningResponse
from openiop.outcomes import selectors
from openiop.patients.models import Enrollment, Patient
from openiop.scheduling.models import GroupSession, ScheduleWeek
from openiop.support.models import PeerContact

pytestmark = pytest.mark.django_db

D = date
NY = ZoneInfo("America/New_York")  # the factories' site zone
START, END, AS_OF = D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 15)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel("2026-04-15T15:00:00+00:00", tick=False) as t:
        yield t


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def admit(
    world: World,
    patient: Patient,
    on: date,
    *,
    program: Any = None,
    tracks: list[Any] | None = None,
    referral: Referral | None = None,
) -> tuple[Admission, list[Enrollment]]:
    enrollments = [
        EnrollmentFactory.create(
            patient=patient, track=t, starts_on=on, required_weekly_hours=Decimal("9")
        )
        for t in (tracks or [world.track_a1])
    ]
    admission = Admission.objects.create(
        patient=patient,
        program=program or world.program_a1,
        referral=referral,
        primary_counselor=world.counselor_a1,
        starts_on=on,
        admitted_by=world.director_a,
        admitted_at=local(on, 10),
    )
    admission.enrollments.set(enrollments)
    return admission, enrollments


def discharge(world: World, enrollment: Enrollment, on: date, kind: str) -> Discharge:
    return Discharge.objects.create(
        enrollment=enrollment,
        patient=enrollment.patient,
        kind=kind,
        discharged_on=on,
        summary="Summary.",
        crisis_plan="Call 988.",
        recorded_by=world.counselor_a1,
        recorded_at=local(on, 16),
    )


def referral(world: World, at: datetime, *, program: Any = None, patient: Any = None) -> Referral:
    r = Referral.objects.create(
        organization=program.site.organization if program else world.org_a,
        program=program or world.program_a1,
        patient=patient,
        source="physician",
        stage_changed_at=at,
        first_name="Ref",
        last_name="Erred",
    )
    Referral.objects.filter(pk=r.pk).update(created_at=at)  # created_at is set on save
    return r


def session(world: World, starts: datetime, hours: int = 3, track: Any = None) -> GroupSession:
    week, _ = ScheduleWeek.objects.get_or_create(
        organization=world.org_a, week_start=starts.date() - timedelta(days=starts.weekday())
    )
    return GroupSession.objects.create(
        week=week,
        organization=world.org_a,
        site=world.site_a1,
        track=track or world.track_a1,
        room=RoomFactory.create(site=world.site_a1),
        counselor=world.counselor_a1,
        block_id="b",
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
    )


def attend(world: World, s: GroupSession, patient: Patient, status: str, **times: Any) -> None:
    AttendanceRecord.objects.create(
        session=s,
        patient=patient,
        status=status,
        recorded_by=world.counselor_a1,
        updated_at=s.ends_at,
        **times,
    )


def score(patient: Patient, instrument: str, at: datetime, total: int) -> None:
    ScreeningResponse.objects.create(
        patient=patient,
        instrument=instrument,
        instrument_version="1",
        response={},
        total=total,
        administered_at=at,
    )


def drug_screen(
    world: World, patient: Patient, on: date | None, status: str, *results: Any
) -> None:
    s = DrugScreen.objects.create(
        patient=patient,
        method="poc_cup",
        panel=["cocaine", "buprenorphine"],
        status=status,
        ordered_by=world.counselor_a1,
        ordered_at=local(on or D(2026, 1, 1), 9),
        collected_on=on,
        resulted_by=world.counselor_a1 if status == "resulted" else None,
        resulted_at=local(on, 12) if on and status == "resulted" else None,
    )
    for cls, value, expected in results:
        DrugScreenResult.objects.create(
            screen=s, substance_class=cls, value=value, expected=expected
        )


@pytest.fixture
def scene(world: World) -> dict[str, Any]:
    """Patient A1: referred 2 Jan, admitted Monday 5 Jan, discharged (completed) 20 Jan.
    Patient P2: admitted 1 Feb to two tracks of program A1, one discharged: still open.
    Patient A2: admitted 10 Jan to program A2 (site A2). Org B: one admission (never seen)."""
    a1, a2 = world.patient_a1, world.patient_a2
    p2 = PatientFactory.create(site=world.site_a1, program=world.program_a1)
    track_b = TrackFactory.create(program=world.program_a1, name="MH A1")
    # Received 2 Jan 03:00 UTC = 1 Jan 22:00 in New York: received on 1 January, local day.
    ref = referral(world, datetime(2026, 1, 2, 3, 0, tzinfo=UTC), patient=a1)
    referral(world, local(D(2026, 1, 20), 12))  # never admitted
    referral(world, local(D(2025, 12, 31), 12))  # before the period
    referral(world, local(D(2026, 1, 20), 12), program=world.program_b1)  # other organization
    adm1, (e1,) = admit(world, a1, D(2026, 1, 5), referral=ref)
    discharge(world, e1, D(2026, 1, 20), DischargeType.COMPLETED)
    follow = Discharge.objects.get(enrollment=e1)
    AlumniFollowUp.objects.create(
        discharge=follow, patient=a1, due_on=D(2026, 1, 27), done_on=D(2026, 1, 25)
    )
    AlumniFollowUp.objects.create(discharge=follow, patient=a1, due_on=D(2026, 2, 20))  # not done
    PeerContact.objects.create(
        organization=world.org_a,
        patient=a1,
        staff=world.peer_a1,
        contacted_on=D(2026, 1, 21),
        kind="phone",
        after_discharge=True,
        recorded_at=local(D(2026, 1, 21), 12),
    )
    PeerContact.objects.create(  # during treatment: not a follow-up
        organization=world.org_a,
        patient=a1,
        staff=world.peer_a1,
        contacted_on=D(2026, 1, 22),
        kind="phone",
        recorded_at=local(D(2026, 1, 22), 12),
    )
    # Sessions: Tue 6 Jan absent; Wed 7 Jan 18:00-21:00 New York (23:00-02:00 UTC: the UTC
    # day is the 8th) checked in at 18:30: 150 min; Fri 9 Jan present without times: 180 min.
    attend(world, session(world, local(D(2026, 1, 6), 18)), a1, "absent_unexcused")
    wed = session(world, local(D(2026, 1, 7), 18))
    attend(world, wed, a1, "late", check_in_at=local(D(2026, 1, 7), 18, 30))
    attend(world, session(world, local(D(2026, 1, 9), 18)), a1, "present")
    # Leave Monday 12 to Wednesday 14 January: 3 of 7 days; 9 h x 4/7 = 308 min = 5.13 h.
    LeaveOfAbsence.objects.create(
        patient=a1,
        starts_on=D(2026, 1, 12),
        ends_on=D(2026, 1, 14),
        reason="Family",
        created_by=world.counselor_a1,
        created_at=local(D(2026, 1, 10), 9),
    )
    # Scores: 20 on 5 Jan; 10 at 04:00 UTC on 1 Feb = 31 Jan 23:00 in New York.
    score(a1, "phq9", local(D(2026, 1, 5), 9), 20)
    score(a1, "phq9", datetime(2026, 2, 1, 4, 0, tzinfo=UTC), 10)
    score(a1, "bam", local(D(2026, 1, 6), 9), 3)  # not a dashboard instrument
    # Screens: a positive explained by a prescription is negative; an unexpected positive is
    # not; an ordered screen is not resulted.
    drug_screen(
        world,
        a1,
        D(2026, 1, 10),
        "resulted",
        ("buprenorphine", "positive", True),
        ("cocaine", "negative", False),
    )
    drug_screen(world, a1, D(2026, 1, 15), "resulted", ("cocaine", "positive", False))
    drug_screen(world, a1, None, "ordered")

    adm2, (e2a, _e2b) = admit(world, p2, D(2026, 2, 1), tracks=[world.track_a1, track_b])
    discharge(world, e2a, D(2026, 2, 10), DischargeType.ADMINISTRATIVE)
    track_a2 = TrackFactory.create(program=world.program_a2)
    adm3, _ = admit(world, a2, D(2026, 1, 10), program=world.program_a2, tracks=[track_a2])
    track_b1 = TrackFactory.create(program=world.program_b1)
    admit(world, world.patient_b1, D(2026, 1, 10), program=world.program_b1, tracks=[track_b1])
    return {"adm1": adm1, "adm2": adm2, "adm3": adm3, "p2": p2, "track_b": track_b, "ref": ref}


def test_discharge_types_match_the_domain() -> None:
    assert [v for v, _ in DischargeType.choices] == [
        outcome_facts.COMPLETED,
        outcome_facts.STEPPED_DOWN,
        outcome_facts.TRANSFERRED_UP,
        outcome_facts.AGAINST_ADVICE,
        outcome_facts.ADMINISTRATIVE,
    ]


def test_load_facts_of_the_organization(world: World, scene: dict[str, Any]) -> None:
    facts = selectors.load_facts(world.org_a.pk, start=START, end=END, as_of=AS_OF)
    a1, a2, p2 = world.patient_a1.pk, world.patient_a2.pk, scene["p2"].pk
    adm1, adm2, adm3 = scene["adm1"].pk, scene["adm2"].pk, scene["adm3"].pk
    assert facts.episodes == (
        EpisodeFact(
            admission_id=adm1,
            patient_id=a1,
            program_id=world.program_a1.pk,
            site_id=world.site_a1.pk,
            track_ids=frozenset({world.track_a1.pk}),
            admitted_on=D(2026, 1, 5),
            referral_id=scene["ref"].pk,
            referred_on=D(2026, 1, 1),
            first_session_on=D(2026, 1, 7),
            ended_on=D(2026, 1, 20),
            end_kind="completed",
            contacts_after_end=(D(2026, 1, 21), D(2026, 1, 25)),
        ),
        EpisodeFact(
            admission_id=adm2,
            patient_id=p2,
            program_id=world.program_a1.pk,
            site_id=world.site_a1.pk,
            track_ids=frozenset({world.track_a1.pk, scene["track_b"].pk}),
            admitted_on=D(2026, 2, 1),
        ),
        EpisodeFact(
            admission_id=adm3,
            patient_id=a2,
            program_id=world.program_a2.pk,
            site_id=world.site_a2.pk,
            track_ids=facts.episodes[2].track_ids,
            admitted_on=D(2026, 1, 10),
        ),
    )
    assert facts.referrals == (
        ReferralFact(
            scene["ref"].pk, world.program_a1.pk, world.site_a1.pk, D(2026, 1, 1), adm1, a1
        ),
        ReferralFact(
            facts.referrals[1].referral_id, world.program_a1.pk, world.site_a1.pk, D(2026, 1, 20)
        ),
    )
    # A1's whole weeks before the end (20 Jan): 5-11 Jan (330 min = 5.5 h of 9) and 12-18 Jan
    # (leave 3 days: 5.13 h required, none attended). P2 from Monday 2 Feb to 12 April;
    # A2 (admitted Saturday 10 Jan) from Monday 12 Jan; both 9 h a week, nothing attended.
    a1_weeks = [w for w in facts.weeks if w.patient_id == a1]
    assert a1_weeks == [
        WeekFact(adm1, a1, D(2026, 1, 5), 9.0, 5.5),
        WeekFact(adm1, a1, D(2026, 1, 12), 5.13, 0.0),
    ]
    p2_weeks = [w.week_start for w in facts.weeks if w.patient_id == p2]
    assert p2_weeks[0] == D(2026, 2, 2) and p2_weeks[-1] == D(2026, 3, 30) and len(p2_weeks) == 9
    a2_weeks = [w.week_start for w in facts.weeks if w.patient_id == a2]
    assert a2_weeks[0] == D(2026, 1, 12) and len(a2_weeks) == 12
    assert facts.scores == (
        ScoreFact(a1, "phq9", D(2026, 1, 5), 20),
        ScoreFact(a1, "phq9", D(2026, 1, 31), 10),
    )
    assert sorted(facts.screens, key=lambda s: s.collected_on) == [
        ScreenFact(a1, D(2026, 1, 10), True),
        ScreenFact(a1, D(2026, 1, 15), False),
    ]


def test_filters(world: World, scene: dict[str, Any]) -> None:
    def admissions(**kw: Any) -> list[int]:
        facts = selectors.load_facts(world.org_a.pk, start=START, end=END, as_of=AS_OF, **kw)
        return [e.admission_id for e in facts.episodes]

    adm1, adm2, adm3 = scene["adm1"].pk, scene["adm2"].pk, scene["adm3"].pk
    assert admissions(program_id=world.program_a1.pk) == [adm1, adm2]
    assert admissions(site_id=world.site_a2.pk) == [adm3]
    assert admissions(track_id=scene["track_b"].pk) == [adm2]
    assert admissions(program_id=world.program_b1.pk) == []  # another organization's
    facts = selectors.load_facts(
        world.org_a.pk, start=START, end=END, as_of=AS_OF, site_id=world.site_a2.pk
    )
    assert (facts.referrals, facts.scores, facts.screens) == ((), (), ())


def test_dashboard_figures(world: World, scene: dict[str, Any]) -> None:
    board = selectors.dashboard(
        world.org_a.pk, start=START, end=END, as_of=AS_OF, program_id=world.program_a1.pk
    )
    a1, p2 = world.patient_a1.pk, scene["p2"].pk
    assert board.figure("census").members == (p2,)
    assert board.figure("admissions").value == 2.0
    assert board.figure("completion").members == (a1,)
    assert board.figure("days_to_first_session").value == 6.0  # 1 Jan -> 7 Jan
    # 20 -> 10: a fall of 10 beyond 5.06 points.
    assert board.figure("phq9_improved").value == 1.0
    assert board.figure("negative_screens").value == 0.5
    assert board.figure("follow_up_7").members == (a1,)
    assert board.figure("referrals_converted").value == 0.5


def test_period_end_before_start_is_refused(world: World) -> None:
    with pytest.raises(PeriodError):
        selectors.load_facts(world.org_a.pk, start=END, end=START, as_of=AS_OF)


def test_patient_rows(world: World, scene: dict[str, Any]) -> None:
    p2 = scene["p2"]
    rows = selectors.patient_rows(world.org_a.pk, [p2.pk, world.patient_a1.pk, world.patient_b1.pk])
    assert rows == sorted(rows, key=lambda r: r.name)
    by_id = {r.id: r for r in rows}
    assert world.patient_b1.pk not in by_id  # another organization's patient
    a1 = by_id[world.patient_a1.pk]
    assert (a1.mrn, a1.name, a1.program) == ("0000001", "Quintero, Alma", "Evening IOP A1")
    assert (a1.admitted_on, a1.ended_on, a1.end_kind) == (
        D(2026, 1, 5),
        D(2026, 1, 20),
        "Completed the program",
    )
    assert (by_id[p2.pk].ended_on, by_id[p2.pk].end_kind) == (None, "")


def _cohort(world: World, n: int) -> None:
    for i in range(n):
        p = PatientFactory.create(site=world.site_a1, program=world.program_a1)
        _, (e,) = admit(world, p, D(2026, 1, 5) + timedelta(days=i))
        if i % 2:
            discharge(world, e, D(2026, 2, 20), DischargeType.COMPLETED)
        attend(world, session(world, local(D(2026, 1, 20), 9)), p, "present")
        score(p, "phq9", local(D(2026, 1, 6), 9), 15)
        score(p, "gad7", local(D(2026, 2, 6), 9), 10)
        drug_screen(world, p, D(2026, 1, 12), "resulted", ("cocaine", "negative", False))
        PeerContact.objects.create(
            organization=world.org_a,
            patient=p,
            staff=world.peer_a1,
            contacted_on=D(2026, 2, 25),
            kind="phone",
            after_discharge=True,
            recorded_at=local(D(2026, 2, 25), 12),
        )


def _count(world: World) -> int:
    with CaptureQueriesContext(connection) as ctx:
        selectors.dashboard(world.org_a.pk, start=START, end=END, as_of=AS_OF)
        selectors.patient_rows(world.org_a.pk, list(Patient.objects.values_list("pk", flat=True)))
    return len(ctx.captured_queries)


def test_constant_number_of_queries(world: World) -> None:
    _cohort(world, 2)
    small = _count(world)
    _cohort(world, 10)
    assert _count(world) == small


def test_a_death_recorded_on_the_discharge_is_loaded(world: World, scene: dict[str, Any]) -> None:
    facts = selectors.load_facts(world.org_a.pk, start=START, end=END, as_of=AS_OF)
    assert facts.episodes[0].other_ending is None  # recorded blank
    Discharge.objects.filter(patient=world.patient_a1).update(other_ending="died")
    facts = selectors.load_facts(world.org_a.pk, start=START, end=END, as_of=AS_OF)
    assert [e.other_ending for e in facts.episodes] == ["died", None, None]
    # Equal to the stored choice the domain names.
    from openiop.intake.state_reporting_choices import OtherEnding

    assert OtherEnding.DIED.value == outcome_facts.DIED
