"""One weekly requirement for a co-occurring patient, shown in the same words on the plan,
schedule and week pages and in the compliance report; the prorated admission week."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.care.plans.services import plan_create
from openiop.core.testing import TrackFactory, login
from openiop.delivery.compliance_report import compliance_report
from openiop.delivery.hours import patient_requirement, week_compliance
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.domain.compliance import Status
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient

NY = ZoneInfo("America/New_York")
WEEK = date(2026, 11, 2)  # Monday
SUNDAY = WEEK + timedelta(days=6)
LABEL = "9 h a week (one requirement across both tracks)"


def _co_occurring(world: Any) -> Patient:
    patient = enrolled_patient(world.track_a1, first_name="Coco", last_name="Occurring")
    mh = TrackFactory.create(program=world.program_a1, kind=TrackKind.MENTAL_HEALTH, name="MH A1")
    Enrollment.objects.create(
        patient=patient, track=mh, starts_on=date(2026, 1, 1), required_weekly_hours=Decimal("9")
    )
    return patient


def _sessions(world: Any, *patients: Patient) -> None:
    for offset in (0, 2, 4):
        session = group_session(
            track=world.track_a1, counselor=world.counselor_a1, day=WEEK + timedelta(days=offset)
        )
        assign(session, *patients)


def test_co_occurring_patient_has_one_requirement_in_the_week(world: Any) -> None:
    patient = _co_occurring(world)
    week = week_compliance(
        organization_id=patient.organization_id,
        week_start=WEEK,
        as_of=None,
        patients=Patient.objects.filter(pk=patient.pk),
    ).results[patient.pk]
    assert week.required_minutes == 540  # not 18 h
    assert any("one requirement across both tracks" in r for r in week.reasons)
    requirement = patient_requirement(patient, WEEK)
    assert (requirement.minutes, requirement.label) == (540, LABEL)


def test_plan_schedule_and_week_pages_say_the_same(world: Any) -> None:
    with time_machine.travel(datetime.combine(WEEK + timedelta(days=2), time(12), NY), tick=False):
        patient = _co_occurring(world)
        _sessions(world, patient)
        plan = plan_create(
            actor=world.counselor_a1,
            enrollment=Enrollment.objects.filter(patient=patient).first(),
            review_on=WEEK + timedelta(days=30),
        )
        client = login(Client(), world.counselor_a1)
        pages = {
            "plan": reverse("care:plan", args=[patient.pk, plan.pk]),
            "schedule": reverse("patients:chart_tab", args=[patient.pk, "schedule"]),
            "week": reverse("delivery:week") + "?week=2026-11-02",
        }
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, name
            assert f"Required: {LABEL}" in response.content.decode() or (
                name == "week" and LABEL in response.content.decode()
            ), name
        report = compliance_report(
            week_start=WEEK, as_of=None, organizations=[world.org_a], source="test"
        )
        row = next(r for r in report["patients"] if r["patient"] == patient.pk)
        assert row["requirement"] == LABEL and row["required_hours"] == 9


@pytest.mark.parametrize("as_of", [None, datetime.combine(SUNDAY, time(12), NY)])
def test_patient_admitted_on_the_last_day_of_the_week_is_not_short(
    world: Any, as_of: datetime | None
) -> None:
    earlier = enrolled_patient(world.track_a1, last_name="Earlier")
    newcomer = enrolled_patient(world.track_a1, last_name="Newcomer", starts_on=SUNDAY)
    _sessions(world, earlier)
    results = week_compliance(organization_id=world.org_a.pk, week_start=WEEK, as_of=as_of).results
    assert results[earlier.pk].status is Status.SHORT
    week = results[newcomer.pk]
    assert week.required_minutes == 0
    assert week.status not in (Status.SHORT, Status.AT_RISK)
    assert any("admission week is prorated" in r for r in week.reasons)


def test_week_page_leaves_a_patient_admitted_on_sunday_off_the_at_risk_list(world: Any) -> None:
    with time_machine.travel(datetime.combine(SUNDAY, time(12), NY), tick=False):
        enrolled_patient(world.track_a1, first_name="Ed", last_name="Earlier")
        enrolled_patient(world.track_a1, first_name="Nia", last_name="Newcomer", starts_on=SUNDAY)
        _sessions(world, *Patient.objects.filter(last_name="Earlier"))
        client = login(Client(), world.counselor_a1)
        body = client.get(reverse("delivery:week")).content.decode()
        everyone = client.get(reverse("delivery:week_patients"), {"status": "all"})
    at_risk = body.split("<h2>Patients at risk</h2>")[1].split("<h2")[0]
    assert "Earlier, Ed" in at_risk
    assert "Newcomer, Nia" not in at_risk
    assert "Newcomer, Nia" in everyone.content.decode()  # still listed among every patient


def test_an_on_leave_track_counts_the_same_on_the_plan_schedule_and_week_pages(
    world: Any,
) -> None:
    """One active track (9 h) and one on leave (12 h): every page counts both tracks."""
    label = "12 h a week (one requirement across both tracks)"
    with time_machine.travel(datetime.combine(WEEK + timedelta(days=2), time(12), NY), tick=False):
        patient = enrolled_patient(world.track_a1, first_name="Lee", last_name="Onleave")
        mh = TrackFactory.create(
            program=world.program_a1, kind=TrackKind.MENTAL_HEALTH, name="MH A1"
        )
        Enrollment.objects.create(
            patient=patient,
            track=mh,
            starts_on=date(2026, 1, 1),
            status=EnrollmentStatus.ON_LEAVE,
            required_weekly_hours=Decimal("12"),
        )
        _sessions(world, patient)
        active = Enrollment.objects.get(patient=patient, status=EnrollmentStatus.ACTIVE)
        plan = plan_create(
            actor=world.counselor_a1, enrollment=active, review_on=WEEK + timedelta(days=30)
        )
        week = week_compliance(
            organization_id=patient.organization_id,
            week_start=WEEK,
            as_of=None,
            patients=Patient.objects.filter(pk=patient.pk),
        ).results[patient.pk]
        assert week.required_minutes == 720
        assert patient_requirement(patient, WEEK + timedelta(days=2)).label == label
        client = login(Client(), world.counselor_a1)
        pages = {
            "plan": reverse("care:plan", args=[patient.pk, plan.pk]),
            "schedule": reverse("patients:chart_tab", args=[patient.pk, "schedule"]),
            "week": reverse("delivery:week") + "?week=2026-11-02",
        }
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, name
            body = response.content.decode()
            assert label in body, name
            assert "9 h a week" not in body, name
