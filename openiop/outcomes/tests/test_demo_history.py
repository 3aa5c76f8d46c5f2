"""The demo's past episodes: months of admissions and discharges behind the outcomes figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from openiop.care.models import AlumniFollowUp, Discharge, DischargeType, DrugScreen
from openiop.core import audit, demo
from openiop.delivery.models import AttendanceRecord
from openiop.domain.screening import score
from openiop.domain.screening.response import answers_from_response
from openiop.intake.models import Admission, Referral, ReferralStage, ScreeningResponse
from openiop.outcomes import demo as outcomes_demo
from openiop.patients.models import Enrollment, EnrollmentStatus
from openiop.scheduling.models import GroupSession, SessionAssignment, WeekStatus

pytestmark = pytest.mark.django_db

PATIENTS = 40  # current patients; the history then has its minimum number of episodes


@pytest.fixture(autouse=True)
def _demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENIOP_DEMO", "1")


def _months(days: list[date]) -> set[tuple[int, int]]:
    return {(d.year, d.month) for d in days}


def _check(today: date) -> None:
    # The current patients have record numbers 1 to PATIENTS; the history's come after.
    past = list(
        Admission.objects.filter(patient__mrn__gt=f"{PATIENTS:07d}")
        .select_related("referral")
        .prefetch_related("enrollments")
        .order_by("starts_on", "pk")
    )
    assert len(past) == outcomes_demo.MIN_EPISODES
    assert min(a.starts_on for a in past) >= today - timedelta(days=outcomes_demo.HISTORY_DAYS)
    patients = {a.patient_id for a in past}
    # Nothing of the current patients' story changed: no past patient is in treatment now.
    assert not Enrollment.objects.filter(
        patient_id__in=patients, status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE]
    ).exists()

    # At least six calendar months of admissions and of discharges.
    discharges = list(Discharge.objects.filter(patient_id__in=patients))
    assert len(_months([a.starts_on for a in past])) >= 6
    assert len(_months([d.discharged_on for d in discharges])) >= 6
    # Every enrolment of an admission is discharged, every track the same day and type,
    # after 2 to 16 weeks; every discharge ends before the scheduling demo's first week.
    ends: dict[int, tuple[date, str]] = {}
    for a in past:
        enrolments = list(a.enrollments.all())
        assert enrolments and all(e.status == EnrollmentStatus.DISCHARGED for e in enrolments)
        ids = {e.pk for e in enrolments}
        mine = [d for d in discharges if d.enrollment_id in ids]
        kinds = {(d.discharged_on, d.kind) for d in mine}
        assert len(mine) == len(enrolments) and len(kinds) == 1
        ends[a.pk] = next(iter(kinds))
        assert 14 <= (ends[a.pk][0] - a.starts_on).days <= 112
        assert ends[a.pk][0] < today - timedelta(days=21)
    # Every discharge type, in about the intended shares.
    by_kind = Counter(kind for _, kind in ends.values())
    assert set(by_kind) == set(DischargeType.values)
    for kind, share in outcomes_demo.KIND_SHARES:
        assert abs(by_kind[kind] / len(past) - share) < 0.04, (kind, by_kind)

    # Each admission came from a referral moved to "admitted", received 3-14 days before;
    # referrals of the same months that never led to an admission exist too.
    for a in past:
        assert a.referral is not None and a.referral.stage == ReferralStage.ADMITTED
        assert a.referral.patient_id == a.patient_id
        assert 3 <= (a.starts_on - a.referral.created_at.date()).days <= 14
        assert (
            list(a.referral.events.values_list("to_stage", flat=True).order_by("occurred_at"))[-1]
            == ReferralStage.ADMITTED
        )
    lost = Referral.objects.filter(
        stage__in=[ReferralStage.DECLINED, ReferralStage.REFERRED_ELSEWHERE],
        created_at__lt=datetime.combine(today - timedelta(days=90), datetime.min.time(), UTC),
        admissions=None,
    )
    assert lost.count() >= 10

    # Readmissions: 3 to 5 patients admitted again within 90 days of their discharge.
    by_patient: dict[int, list[Admission]] = defaultdict(list)
    for a in past:
        by_patient[a.patient_id].append(a)
    again = [
        (first, second)
        for admissions in by_patient.values()
        if len(admissions) == 2
        for first, second in [admissions]
    ]
    assert 3 <= len(again) <= 5 and len(by_patient) == len(past) - len(again)
    for first, second in again:
        assert 0 < (second.starts_on - ends[first.pk][0]).days <= 90

    # Alumni follow-ups: some made within 7 days and within 30 days, some not made.
    follow_ups = list(
        AlumniFollowUp.objects.filter(patient_id__in=patients).select_related("discharge")
    )
    after = [
        (f.done_on - f.discharge.discharged_on).days
        for f in follow_ups
        if f.done_on is not None and f.done_on < today
    ]
    assert len(after) == sum(f.done_on is not None for f in follow_ups)
    assert min(after) > 0 and any(d <= 7 for d in after) and any(8 <= d <= 30 for d in after)
    assert any(f.done_on is None and f.due_on < today for f in follow_ups)

    # PHQ-9 and GAD-7 every two weeks, each as the screening engine scores its answers;
    # some patients improve reliably (PHQ-9 down 6 or more), some worsen.
    responses = list(
        ScreeningResponse.objects.filter(patient_id__in=patients, instrument__in=["phq9", "gad7"])
    )
    assert len(responses) >= 4 * len(past)
    for r in responses:
        instrument, _, answers = answers_from_response(r.response)
        result = score(instrument, answers)
        assert (result.total, result.band or "") == (r.total, r.band)
    series: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for r in responses:
        if r.instrument == "phq9" and r.total is not None:
            series[r.patient_id].append((r.administered_at, r.total))
    changes = [s[-1][1] - s[0][1] for s in (sorted(v) for v in series.values()) if len(s) > 2]
    assert sum(c <= -6 for c in changes) >= 10 and sum(c >= 6 for c in changes) >= 1

    # Drug screens resulted; group attendance only within the patient's own episodes, a
    # patient in one group at a time, rooms and counselors never double-booked.
    assert DrugScreen.objects.filter(patient_id__in=patients, status="resulted").count() > 100
    spans: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for a in past:
        spans[a.patient_id].append((a.starts_on, ends[a.pk][0]))
    records = list(
        AttendanceRecord.objects.filter(patient_id__in=patients).select_related(
            "session__week", "session__site"
        )
    )
    assert len(records) > 20 * len(past)
    for rec in records:
        assert rec.session.site is not None
        day = rec.session.starts_at.astimezone(ZoneInfo(rec.session.site.timezone)).date()
        assert any(s <= day <= e for s, e in spans[rec.patient_id])
        assert rec.session.week.status == WeekStatus.PUBLISHED
    assert SessionAssignment.objects.filter(patient_id__in=patients).count() == len(records)
    sessions = GroupSession.objects.filter(attendance_records__patient_id__in=patients).distinct()
    for field in ("room_id", "counselor_id"):
        taken = Counter(sessions.values_list(field, "starts_at"))
        assert max(taken.values()) == 1, field
    places = Counter(
        SessionAssignment.objects.filter(patient_id__in=patients).values_list(
            "patient_id", "session__starts_at"
        )
    )
    assert max(places.values()) == 1
    assert audit.verify().ok


def test_demo_history_gives_months_of_episodes() -> None:
    with time_machine.travel(datetime(2026, 11, 16, 15, 0, tzinfo=UTC), tick=True):
        today = timezone.localdate()
        assert today == date(2026, 11, 16)
        demo.build_demo(seed=7, patients=PATIENTS, today=today)
        _check(today)


def test_demo_history_on_29_february() -> None:
    with time_machine.travel("2028-02-29T15:00:00+00:00", tick=True):
        today = timezone.localdate()
        demo.build_demo(seed=7, patients=PATIENTS, today=today)
        _check(today)
