"""The support services part of the demo: partners, needs from the AHC HRSN screen,
referrals at every status with one overdue, peer contacts and alumni."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from openiop.accounts.models import Role, User
from openiop.care.models import Discharge
from openiop.core import audit, demo
from openiop.delivery.models import AttendanceRecord
from openiop.patients.models import Enrollment, EnrollmentStatus
from openiop.privacy.models import Disclosure
from openiop.support.models import (
    OPEN_REFERRAL,
    AlumniAttendance,
    AlumniEvent,
    Need,
    NeedSource,
    Partner,
    PartnerReferral,
    PeerContact,
    ReferralEvent,
    ReferralOutcome,
    ReferralStatus,
)
from openiop.support.report import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENIOP_DEMO", "1")


def _check(today: date) -> None:
    assert User.objects.filter(username="peer", role=Role.PEER_SPECIALIST).exists()
    assert Partner.objects.count() == 7
    assert (
        Need.objects.filter(source=NeedSource.SCREEN, screening__instrument="ahc_hrsn").count()
        >= 10
    )
    statuses = set(PartnerReferral.objects.values_list("status", flat=True))
    assert statuses == set(ReferralStatus.values)
    closed = PartnerReferral.objects.filter(status=ReferralStatus.CLOSED)
    assert {r.outcome for r in closed} == {ReferralOutcome.RESOLVED, ReferralOutcome.NOT_RESOLVED}
    assert (
        PartnerReferral.objects.filter(status=ReferralStatus.DECLINED)
        .exclude(declined_reason="")
        .exists()
    )
    overdue = PartnerReferral.objects.filter(status__in=OPEN_REFERRAL, follow_up_on__lt=today)
    assert overdue.count() == 1
    # Back-dated: every referral was sent before today, its events on their own days, and
    # every one went out under a consent (a disclosure on the day it was sent).
    for r in PartnerReferral.objects.all():
        assert r.sent_on < today and r.disclosure_id is not None
        days = list(r.events.order_by("recorded_at", "pk").values_list("occurred_on", flat=True))
        assert days == sorted(days) and days[0] == r.sent_on
        assert Disclosure.objects.get(pk=r.disclosure_id).made_at.date() == r.sent_on
    assert ReferralEvent.objects.filter(occurred_on__lt=today - timedelta(days=30)).exists()
    resolved = Need.objects.filter(status="resolved")
    assert resolved.exists() and all(n.closed_on and n.closed_on < today for n in resolved)
    assert (
        PeerContact.objects.filter(after_discharge=False).values("patient").distinct().count() >= 4
    )
    assert PeerContact.objects.filter(after_discharge=True).exists()
    assert AlumniAttendance.objects.filter(event__in=AlumniEvent.objects.all()).exists()
    # The alumni were discharged through the discharge service: each enrolment ends on or
    # after its start, none is left open, and no attendance follows the discharge day.
    alumni = set(AlumniAttendance.objects.values_list("patient_id", flat=True))
    for discharge in Discharge.objects.filter(patient_id__in=alumni):
        assert discharge.discharged_on < today
        for e in Enrollment.objects.filter(patient_id=discharge.patient_id):
            assert e.status == EnrollmentStatus.DISCHARGED
            assert e.ends_on is not None and e.starts_on <= e.ends_on
        assert not AttendanceRecord.objects.filter(
            patient_id=discharge.patient_id,
            session__starts_at__gte=datetime.combine(discharge.discharged_on, time(), UTC),
        ).exists()
    assert alumni <= set(Discharge.objects.values_list("patient_id", flat=True))
    report = selectors.report(
        Partner.objects.first().organization_id,  # type: ignore[union-attr]
        today - timedelta(days=89),
        today,
        as_of=today,
    )
    assert report.total.referrals_overdue == 1
    assert report.total.needs_resolved >= 2
    assert report.total.median_days_to_resolution is not None
    assert audit.verify().ok


def test_support_demo_has_referrals_at_every_status_and_one_overdue() -> None:
    # A fixed day (the clock ticking from there, as the demo's writes expect), so the test
    # never depends on the day it runs.
    with time_machine.travel(datetime(2026, 11, 16, 15, 0, tzinfo=UTC), tick=True):
        today = timezone.localdate()
        assert today == date(2026, 11, 16)
        demo.build_demo(seed=7, patients=60, today=today)
        _check(today)


def test_support_demo_works_on_29_february() -> None:
    with time_machine.travel("2028-02-29T15:00:00+00:00", tick=True):
        today = timezone.localdate()
        demo.build_demo(seed=7, patients=60, today=today)
        _check(today)
