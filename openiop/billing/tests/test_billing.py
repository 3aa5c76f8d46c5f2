"""Charges from care, coverage, and the billing pages' refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.billing import services
from openiop.billing.models import (
    Certification,
    Charge,
    ChargeStatus,
    Coverage,
    Payer,
    ProgramBilling,
)
from openiop.core.models import AuditEvent
from openiop.core.testing import login
from openiop.delivery.models import AttendanceRecord, AttendanceStatus, Note, NoteKind, NoteStatus
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.patients.models import Patient

NY = ZoneInfo("America/New_York")
MON = date(2026, 11, 2)
TODAY = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def _payer(world: Any, *, medicare: bool = False, pid: str = "MCD01") -> Payer:
    return Payer.objects.create(
        organization=world.org_a,
        name="Medicare" if medicare else "State Medicaid",
        payer_id=pid,
        claim_type="institutional",
        is_medicare=medicare,
    )


def _cover(world: Any, patient: Patient, payer: Payer | None) -> Coverage:
    return Coverage.objects.create(
        patient=patient,
        rank=1,
        self_pay=payer is None,
        payer=payer,
        member_id="M1",
        eligibility_checked_on=date(2026, 11, 1),
        guarantor_name="Self",
        created_by=world.admin_a,
        created_at=TODAY,
    )


def _attend(world: Any, patient: Patient, day: date, minutes: int) -> None:
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=day)
    assign(session, patient)
    start = datetime.combine(day, time(18), tzinfo=NY)
    AttendanceRecord.objects.create(
        session=session,
        patient=patient,
        status=AttendanceStatus.PRESENT,
        check_in_at=start,
        check_out_at=start + timedelta(minutes=minutes),
        updated_at=TODAY,
    )


def _sign(world: Any, patient: Patient, day: date) -> None:
    Note.objects.create(
        organization=world.org_a,
        kind=NoteKind.INDIVIDUAL,
        format="dap",
        patient=patient,
        service_date=day,
        author=world.counselor_a1,
        created_at=TODAY,
        updated_at=TODAY,
        status=NoteStatus.SIGNED,
        signed_at=TODAY,
        signed_by=world.counselor_a1,
        signed_hash="0" * 64,
    )


def _generate(world: Any, first: date = MON, last: date = MON + timedelta(days=6)) -> Any:
    return services.generate_charges(
        actor=world.billing_a1, first_day=first, last_day=last, signed_in=False
    )


def _charge(patient: Patient, day: date = MON) -> Charge:
    return Charge.objects.exclude(status=ChargeStatus.VOID).get(patient=patient, service_date=day)


def test_3_hours_with_a_signed_note_is_a_ready_per_diem(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    _cover(world, p, _payer(world))
    _attend(world, p, MON, 180)
    _sign(world, p, MON)
    _generate(world)
    c = _charge(p)
    assert (c.service, c.status, c.code, c.revenue_code) == ("per_diem", "ready", "H0015", "0906")


def test_2h59_is_no_per_diem_and_falls_back_to_the_discrete_code(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    _cover(world, p, None)
    _attend(world, p, MON, 179)
    _sign(world, p, MON)
    _generate(world)
    c = _charge(p)
    assert (c.service, c.status) == ("none", "no_charge") and "2 h 59" in c.reason
    ProgramBilling.objects.create(program=world.program_a1, discrete_code="90853")
    _generate(world)
    c = _charge(p)
    assert (c.service, c.status, c.code) == ("discrete", "ready", "90853")
    assert Charge.objects.get(patient=p, service="none").status == ChargeStatus.VOID


def test_unsigned_note_is_held_then_ready_once_signed_without_a_duplicate(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    _cover(world, p, _payer(world))
    _attend(world, p, MON, 180)
    first = _generate(world)
    assert first.held == 1 and _charge(p).status == ChargeStatus.HELD
    assert "signed" in _charge(p).reason
    again = _generate(world)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 1)
    _sign(world, p, MON)
    _generate(world)
    assert _charge(p).status == ChargeStatus.READY
    assert Charge.objects.filter(patient=p).count() == 1


def test_medicare_needs_a_current_certification(world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    _cover(world, p, _payer(world, medicare=True, pid="MCR01"))
    _attend(world, p, MON, 200)
    _sign(world, p, MON)
    _generate(world)
    c = _charge(p)
    assert (c.status, c.condition_codes) == ("held", "92") and "certification" in c.reason
    Certification.objects.create(
        patient=p,
        physician_name="Dr. Example",
        certified_on=MON - timedelta(days=5),
        recertify_by=MON + timedelta(days=55),
        recorded_by=world.admin_a,
        recorded_at=TODAY,
    )
    _generate(world)
    c = _charge(p)
    assert (c.status, c.condition_codes) == ("ready", "92")


def test_the_same_charge_cannot_exist_twice(world: Any) -> None:
    from django.db import IntegrityError, transaction

    p = enrolled_patient(world.track_a1)
    _cover(world, p, None)
    _attend(world, p, MON, 180)
    _generate(world)
    c = _charge(p)
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(
            organization=world.org_a,
            patient=p,
            service_date=MON,
            service=c.service,
            status="ready",
            generated_at=TODAY,
        )


def test_generation_is_audited(world: Any) -> None:
    _generate(world)
    assert AuditEvent.objects.filter(object_type="billing.charge", action="add").count() == 1


def test_counselor_cannot_generate(world: Any) -> None:
    from openiop.core.policy import Refused

    with pytest.raises(Refused):
        services.generate_charges(
            actor=world.counselor_a1, first_day=MON, last_day=MON, signed_in=False
        )


# Pages.


def test_coverage_page_lists_problems(client: Client, world: Any) -> None:
    p = world.patient_a1
    cov = _cover(world, p, _payer(world))
    Coverage.objects.filter(pk=cov.pk).update(member_id="", eligibility_checked_on=None)
    login(client, world.billing_a1)
    response = client.get(reverse("billing:coverage", args=[p.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The member id is missing." in body and "never been checked" in body


def test_coverage_add_bad_input_is_422_and_nothing_saved(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    url = reverse("billing:coverage_add", args=[world.patient_a1.pk])
    response = client.post(url, {"rank": "1", "relationship": "self"})
    assert response.status_code == 422
    assert not Coverage.objects.exists()
    payer = _payer(world)
    response = client.post(url, {"rank": "1", "relationship": "self", "payer": payer.pk})
    assert response.status_code == 302 and Coverage.objects.count() == 1


def test_certification_add(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    url = reverse("billing:certification_add", args=[world.patient_a1.pk])
    data = {"physician_name": "Dr. A", "certified_on": "2026-11-01", "recertify_by": "2026-10-01"}
    assert client.post(url, data).status_code == 422
    data["recertify_by"] = "2026-12-30"
    assert client.post(url, data).status_code == 302
    assert Certification.objects.count() == 1


def _denials(user: Any) -> int:
    return AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()


PAGES = [
    ("get", "billing:coverage", True),
    ("post", "billing:coverage_add", True),
    ("post", "billing:certification_add", True),
]


@pytest.mark.parametrize(("method", "name", "has_pk"), PAGES)
def test_another_site_is_404_and_a_counselor_403_audited(
    client: Client, world: Any, method: str, name: str, has_pk: bool
) -> None:
    url = reverse(name, args=[world.patient_a1.pk])
    for user, status in (
        (world.admin_b, 404),
        (world.counselor_b1, 404),
        (world.counselor_a1, 403),
        (world.frontdesk_a1, 403),
    ):
        login(client, user)
        before = _denials(user)
        response = getattr(client, method)(url)
        assert response.status_code == status, (user, url)
        assert _denials(user) == before + 1
        assert "Quintero" not in response.content.decode()


def test_billing_user_of_another_site_gets_404(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    response = client.get(reverse("billing:coverage", args=[world.patient_a2.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "name"), [("get", "billing:home"), ("post", "billing:generate")]
)
def test_home_and_generate_refuse_a_counselor(
    client: Client, world: Any, method: str, name: str
) -> None:
    login(client, world.counselor_a1)
    before = _denials(world.counselor_a1)
    assert getattr(client, method)(reverse(name)).status_code == 403
    assert _denials(world.counselor_a1) == before + 1


def test_director_reads_but_does_not_manage(client: Client, world: Any) -> None:
    login(client, world.director_a)
    response = client.get(reverse("billing:home"))
    assert response.status_code == 200
    assert "Generate charges" not in response.content.decode()
    assert client.post(reverse("billing:generate")).status_code == 403


def test_generate_from_the_page(client: Client, world: Any) -> None:
    p = enrolled_patient(world.track_a1)
    _attend(world, p, MON, 180)
    login(client, world.billing_a1)
    data = {"first_day": "2026-11-02", "last_day": "2026-11-08"}
    assert client.post(reverse("billing:generate"), data).status_code == 302
    assert _charge(p).status == ChargeStatus.HELD
    bad = client.post(reverse("billing:generate"), {"first_day": "2026-11-09", "last_day": "x"})
    assert bad.status_code == 422


def _many(world: Any, n: int) -> None:
    payer = _payer(world, pid=f"P{n}")
    for i in range(n):
        p = enrolled_patient(world.track_a1)
        _cover(world, p, payer if i % 2 else None)
        Charge.objects.create(
            organization=world.org_a,
            patient=p,
            service_date=MON,
            service="per_diem",
            status="held" if i % 2 else "ready",
            code="H0015",
            payer=payer if i % 2 else None,
            reason="No signed group or individual note for this day.",
            generated_at=TODAY,
        )


def test_home_query_count_is_constant(
    client: Client, world: Any, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, world.billing_a1)
    url = reverse("billing:home") + "?first_day=2026-11-01&last_day=2026-11-08"
    _many(world, 2)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _many(world, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("H0015") >= 14
