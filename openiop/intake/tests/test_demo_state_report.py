"""The demo's state reporting details: every admission gets details, a few incomplete, and
the discharges their answers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from openiop.care.models import Discharge, DischargeType
from openiop.core.testing import PatientFactory, World
from openiop.intake import demo_state_report
from openiop.intake.models import Admission, StateReportingDetails
from openiop.outcomes import teds
from openiop.patients.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 15, tzinfo=UTC)


def test_demo_fills_details_with_a_few_incomplete(world: World) -> None:
    for i in range(8):
        p = PatientFactory.create(
            site=world.site_a1, program=world.program_a1, sex_at_birth="female" if i % 2 else "male"
        )
        e = Enrollment.objects.create(
            patient=p, track=world.track_a1, starts_on=date(2026, 3, 2 + i), required_weekly_hours=9
        )
        a = Admission.objects.create(
            patient=p,
            program=world.program_a1,
            primary_counselor=world.counselor_a1,
            starts_on=date(2026, 3, 2 + i),
            admitted_at=NOW,
        )
        a.enrollments.add(e)
        if i < 3:
            e.status = EnrollmentStatus.DISCHARGED
            e.save()
            Discharge.objects.create(
                enrollment=e,
                patient=p,
                kind=DischargeType.ADMINISTRATIVE if i == 0 else DischargeType.COMPLETED,
                discharged_on=date(2026, 5, 1),
                summary="Summary of the treatment episode.",
                crisis_plan="Call 988.",
                recorded_by=world.counselor_a1,
                recorded_at=NOW,
            )
    demo_state_report.extend_demo(org=world.org_a, rng=random.Random(3), today=date(2026, 6, 1))
    assert StateReportingDetails.objects.count() == 8
    extract = teds.build(
        world.org_a.pk, date(2026, 3, 1), date(2026, 5, 31), state_code="MA", provider_id="P1"
    )
    # Admitted without referrals: the details say who referred and when they first asked;
    # the three incomplete admissions each miss one answer.
    assert len({(p.client_id, p.field) for p in extract.problems}) == 3
    assert len({p.client_id for p in extract.problems}) == 3
    assert all(r.values["EMPLOY_D"] for r in extract.records if r.record_type == "D")
    assert Discharge.objects.filter(other_ending="incarcerated").count() == 1
    # Run again: nothing changes (only admissions and discharges without answers are filled).
    demo_state_report.extend_demo(org=world.org_a, rng=random.Random(4), today=date(2026, 6, 1))
    assert StateReportingDetails.objects.count() == 8
