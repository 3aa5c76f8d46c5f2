"""Demo data for the schedule (called by core.demo inside the demo transaction).

The three weeks before this one and this week are built, solved and published in order, so a
newcomer sees a published schedule with curriculum topics and past sessions (the attendance
demo records attendance on them); next week is built and solved but left for review, ready
for "Publish". Solving uses CP-SAT with a short time limit, one worker and a fixed seed; with
60 patients it takes well under a second a week. The organization's scheduling settings (site
hours, track hours, room hours: ``openiop.organization.demo``) are set first.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from openiop.accounts.models import Role, User
from openiop.organization import demo as organization_demo
from openiop.organization.models import Organization
from openiop.scheduling import runner, services
from openiop.scheduling.blocks import monday_of

DEMO_SOLVE_SECONDS = 3.0
DEMO_SEED = 0


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    admin = (
        User.objects.filter(organization=org, role=Role.ADMINISTRATOR, is_active=True)
        .order_by("pk")
        .first()
    )
    if admin is None:
        return
    organization_demo.extend_demo(org=org, rng=rng, today=today)
    _telehealth_preferences(org)
    monday = monday_of(today)
    for offset in (-3, -2, -1, 0, 1):
        week = services.week_build(
            actor=admin, organization=org, week_start=monday + timedelta(days=7 * offset)
        )
        solved = runner.solve_now(week, time_limit=DEMO_SOLVE_SECONDS, seed=DEMO_SEED, workers=1)
        if solved is not None and offset <= 0 and solved.status == "solved":
            services.week_publish(actor=admin, week=solved)


def _telehealth_preferences(org: Organization) -> None:
    """About a third of the enrolled patients accept video groups (the chart's Schedule tab),
    so the solver may seat them in the telehealth rooms with patients of other sites; the
    appointments demo records their telehealth consent."""
    from openiop.patients.models import Enrollment, EnrollmentStatus
    from openiop.scheduling.models import PatientSchedulePreference

    enrolled = sorted(
        set(
            Enrollment.objects.filter(
                patient__organization=org, status=EnrollmentStatus.ACTIVE
            ).values_list("patient_id", flat=True)
        )
    )
    PatientSchedulePreference.objects.bulk_create(
        [
            PatientSchedulePreference(patient_id=pk, telehealth_ok=True)
            for i, pk in enumerate(enrolled)
            if i % 3 == 1
        ],
        ignore_conflicts=True,  # the demo's settings may be applied twice
    )
