"""Test data for the care app, built on the shared personas (``core.testing``).

Writes go through the care services where the test is about something else, so the data is
exactly what the app would store; fixtures that need the past (measures, screens weeks ago)
backdate rows after writing them through their service.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.common import monday
from openiop.care.community.services import peer_meetings_record, support_profile_set
from openiop.care.models import (
    DrugScreen,
    EnrollmentPhase,
    MeetingKind,
    ObjectiveStatus,
    TreatmentPlan,
)
from openiop.care.plans.services import (
    goal_add,
    intervention_add,
    objective_add,
    objective_set_status,
    plan_create,
    plan_sign,
    problem_add,
)
from openiop.care.screens.services import drug_screen_order, drug_screen_record_result
from openiop.core.testing import EnrollmentFactory, World
from openiop.intake.models import ScreeningResponse
from openiop.intake.services import screening_record
from openiop.patients.models import Enrollment, Patient


def today() -> date:
    return timezone.localdate()


def enrol(
    world: World, patient: Patient | None = None, *, weeks_ago: int = 8, **kw: Any
) -> Enrollment:
    patient = patient or world.patient_a1
    track = kw.pop("track", None)
    if track is None:
        track = world.track_a1 if patient.organization_id == world.org_a.pk else None
    extra = {"track": track} if track is not None else {}
    if track is None and patient.organization_id != world.org_a.pk:
        from openiop.core.testing import TrackFactory

        extra["track"] = TrackFactory.create(program=patient.program)
    return EnrollmentFactory.create(
        patient=patient,
        starts_on=today() - timedelta(weeks=weeks_ago),
        required_weekly_hours=kw.pop("hours", Decimal("9")),
        **extra,
        **kw,
    )


DIAGNOSIS_CODE = "F10.20"
"""The diagnosis of the factories' plans (a billable ICD-10-CM code: tested)."""


def signed_plan(
    actor: User,
    enrollment: Enrollment,
    *,
    statuses: tuple[str, ...] = (ObjectiveStatus.MET, ObjectiveStatus.ON_TRACK),
) -> TreatmentPlan:
    plan = plan_create(actor=actor, enrollment=enrollment, review_on=today() + timedelta(days=30))
    problem = problem_add(
        actor=actor, plan=plan, description="Alcohol use disorder", icd10_code=DIAGNOSIS_CODE
    )
    goal = goal_add(
        actor=actor,
        plan=plan,
        description="Cope with cravings",
        skill_domain="coping",
        problem=problem,
    )
    for i, status in enumerate(statuses):
        objective = objective_add(
            actor=actor,
            goal=goal,
            description=f"Objective {i + 1}",
            measure="weekly log",
            target_on=today() + timedelta(weeks=2),
        )
        objective_set_status(actor=actor, objective=objective, status=status)
    intervention_add(actor=actor, plan=plan, kind="cbt", frequency="3 groups a week")
    return plan_sign(actor=actor, plan=plan, patient_name="Alma Quintero", signed_on=today())


def resulted_screen(
    actor: User,
    patient: Patient,
    *,
    days_ago: int = 3,
    positive: tuple[str, ...] = (),
    panel: tuple[str, ...] = ("alcohol", "buprenorphine", "cocaine", "fentanyl", "opiate"),
) -> tuple[DrugScreen, Any]:
    screen = drug_screen_order(actor=actor, patient=patient, method="poc_cup", panel=panel)
    DrugScreen.objects.filter(pk=screen.pk).update(
        ordered_at=timezone.now() - timedelta(days=days_ago + 1)
    )
    screen.refresh_from_db()
    return drug_screen_record_result(
        actor=actor,
        screen=screen,
        collected_on=today() - timedelta(days=days_ago),
        results={c: "positive" if c in positive else "negative" for c in panel},
    )


def phq9(total: int) -> dict[str, int]:
    answers = dict.fromkeys([str(n) for n in range(1, 10)], 0)
    for i in range(total):
        answers[str(i % 8 + 1)] += 1
    return answers


def gad7(total: int) -> dict[str, int]:
    answers = dict.fromkeys([str(n) for n in range(1, 8)], 0)
    for i in range(total):
        answers[str(i % 7 + 1)] += 1
    return answers


def measure(
    actor: User, patient: Patient, instrument: str, total: int, *, weeks_ago: int
) -> ScreeningResponse:
    """Record through intake's service, then date it in the past."""
    answers = phq9(total) if instrument == "phq9" else gad7(total)
    row = screening_record(actor=actor, patient=patient, instrument_id=instrument, answers=answers)
    when = timezone.now() - timedelta(weeks=weeks_ago)
    ScreeningResponse.objects.filter(pk=row.pk).update(administered_at=when)
    row.refresh_from_db()
    return row


def meetings(actor: User, patient: Patient, counts: list[int], kind: str = MeetingKind.AA) -> None:
    """Meetings in the last len(counts) complete weeks, oldest first."""
    this_monday = monday(today())
    for i, n in enumerate(counts):
        week = this_monday - timedelta(weeks=len(counts) - i)
        peer_meetings_record(actor=actor, patient=patient, week_start=week, counts={kind: n})


def ready_to_step_down(world: World, actor: User, enrollment: Enrollment) -> None:
    """Every input the engine needs for a step down from phase 3, except attendance."""
    patient = enrollment.patient
    EnrollmentPhase.objects.create(
        enrollment=enrollment,
        phase_id="phase-3",
        started_on=today() - timedelta(weeks=3),
        updated_at=timezone.now(),
    )
    signed_plan(actor, enrollment)
    support_profile_set(
        actor=actor,
        patient=patient,
        data={
            "last_use_reported_on": today() - timedelta(weeks=8),
            "has_sponsor_or_mentor": True,
            "sober_supports": 3,
        },
    )
    meetings(actor, patient, [2, 2, 3, 3])
    resulted_screen(actor, patient, days_ago=5)
    for instrument, totals in (("phq9", (16, 12, 8)), ("gad7", (13, 10, 7))):
        for weeks_ago, total in zip((6, 3, 1), totals, strict=True):
            measure(actor, patient, instrument, total, weeks_ago=weeks_ago)


def attendance(
    patient: Patient, enrollment: Enrollment, counselor: User, *, hours: list[float]
) -> None:
    """Delivery attendance records: one 3-hour session a day, ``hours`` attended each, in the
    last complete weeks (fixture rows)."""
    from openiop.core.testing import RoomFactory
    from openiop.delivery.models import AttendanceRecord
    from openiop.scheduling.models import GroupSession, ScheduleWeek

    room = RoomFactory.create(site=patient.site)
    week = ScheduleWeek.objects.create(
        organization_id=patient.organization_id, week_start=monday(today()) - timedelta(weeks=4)
    )
    start = monday(today()) - timedelta(weeks=4)
    for i, h in enumerate(hours):
        day = start + timedelta(days=(i // 3) * 7 + (i % 3) * 2)
        begins = datetime.combine(day, time(15), UTC)
        session = GroupSession.objects.create(
            week=week,
            organization_id=patient.organization_id,
            site=patient.site,
            track=enrollment.track,
            room=room,
            counselor=counselor,
            block_id=f"b{i}",
            starts_at=begins,
            ends_at=begins + timedelta(hours=3),
        )
        AttendanceRecord.objects.create(
            session=session,
            patient=patient,
            status="present" if h else "absent_unexcused",
            check_in_at=begins if h else None,
            check_out_at=begins + timedelta(hours=h) if h else None,
            updated_at=timezone.now(),
        )
