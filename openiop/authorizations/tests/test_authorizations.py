"""Authorizations through the database: forecast from the published schedule, units used from
charges, the work list, the review packet, the command, bad input and refusals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from openiop.authorizations import selectors
from openiop.authorizations.models import Authorization
from openiop.billing.models import Charge, Payer
from openiop.billing.tests.claims_factories import give_tpo_consent
from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.delivery.models import Note, NoteKind, NoteStatus
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.patients.models import Patient
from openiop.privacy import gate
from openiop.privacy.models import Disclosure as Part2Disclosure

pytestmark = pytest.mark.django_db

MON = date(2026, 11, 16)
NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _payer(world: World, org: Any = None, pid: str = "MCD01") -> Payer:
    return Payer.objects.create(
        organization=org or world.org_a, name="State Medicaid", payer_id=pid, claim_type="both"
    )


def _auth(world: World, patient: Patient, **kw: Any) -> Authorization:
    values: dict[str, Any] = {
        "organization": patient.organization,
        "patient": patient,
        "payer": kw.pop("payer", None) or _payer(world, pid=f"P{Payer.objects.count()}"),
        "service": "H0015",
        "unit_kind": "days",
        "units_authorized": Decimal(12),
        "starts_on": date(2026, 11, 2),
        "ends_on": date(2026, 12, 31),
        "number": "A-1",
        "created_by": world.admin_a,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(kw)
    return Authorization.objects.create(**values)


def _weekdays(world: World, patient: Patient, weeks: int = 2) -> None:
    for w in range(weeks):
        for d in range(5):
            day = MON + timedelta(weeks=w, days=d)
            assign(
                group_session(track=world.track_a1, counselor=world.counselor_a1, day=day), patient
            )


def _charge(world: World, patient: Patient, day: date, status: str, code: str = "H0015") -> None:
    Charge.objects.create(
        organization=world.org_a,
        patient=patient,
        service_date=day,
        service="per_diem" if status != "void" else "discrete",
        status=status,
        code=code,
        minutes=180,
        generated_at=NOW,
    )


def test_units_used_count_ready_and_held_charges_of_the_service_only(world: World) -> None:
    p = enrolled_patient(world.track_a1)
    auth = _auth(world, p)
    _charge(world, p, date(2026, 11, 3), "ready")
    _charge(world, p, date(2026, 11, 4), "held")
    _charge(world, p, date(2026, 11, 5), "void")
    _charge(world, p, date(2026, 11, 6), "no_charge")
    _charge(world, p, date(2026, 11, 9), "ready", code="S9480")
    _charge(world, p, date(2026, 10, 30), "ready")  # before the start
    assert selectors.units_used([auth], MON) == {auth.pk: Decimal(2)}
    other = _auth(world, enrolled_patient(world.track_a1))
    assert selectors.units_used([other], MON) == {other.pk: Decimal(0)}


def test_forecast_from_a_monday_to_friday_published_schedule(world: World) -> None:
    p = enrolled_patient(world.track_a1)
    auth = _auth(world, p)
    _charge(world, p, date(2026, 11, 3), "ready")
    _charge(world, p, date(2026, 11, 4), "held")
    _weekdays(world, p)
    f = selectors.forecast_for(auth, MON)
    # 10 left, 10 Monday-Friday days from 16 to 27 November; attendance unknown (none yet).
    assert f.units_left == 10 and f.attendance_rate is None
    assert f.exhausted_on == date(2026, 11, 27)
    assert f.review_by == date(2026, 11, 24)
    assert "Monday-Friday" in f.basis and "unknown" in f.basis


def test_a_cancelled_session_moves_the_forecast(world: World) -> None:
    from openiop.scheduling.models import GroupSession

    p = enrolled_patient(world.track_a1)
    auth = _auth(world, p, units_authorized=Decimal(5))
    _weekdays(world, p)
    assert selectors.forecast_for(auth, MON).exhausted_on == date(2026, 11, 20)
    GroupSession.objects.filter(starts_at__date=date(2026, 11, 18)).update(status="cancelled")
    assert selectors.forecast_for(auth, MON).exhausted_on == date(2026, 11, 23)


def test_attendance_rate_matches_the_taper_engine(world: World) -> None:
    from openiop.care.taper.inputs import recorded_attendance
    from openiop.delivery.models import AttendanceRecord
    from openiop.patients.models import Enrollment

    p = enrolled_patient(world.track_a1, hours="9")
    for week in (1, 2):
        day = MON - timedelta(weeks=week)
        s = group_session(track=world.track_a1, counselor=world.counselor_a1, day=day)
        assign(s, p)
        AttendanceRecord.objects.create(
            session=s,
            patient=p,
            status="present",
            check_in_at=s.starts_at,
            check_out_at=s.ends_at,
            updated_at=NOW,
        )
    expected = recorded_attendance(Enrollment.objects.get(patient=p), MON)
    assert expected is not None
    rate = selectors.attendance_rates([p.pk], MON)[p.pk]
    assert rate == Decimal(str(round(expected[0], 3)))
    assert selectors.attendance_rates([world.patient_a1.pk], MON)[world.patient_a1.pk] is None


def test_work_list_filter(client: Client, world: World) -> None:
    p = enrolled_patient(world.track_a1, last_name="Soon")
    _auth(world, p, units_authorized=Decimal(10))
    _weekdays(world, p)
    _auth(world, enrolled_patient(world.track_a1, last_name="Later"), ends_on=date(2027, 3, 1))
    login(client, world.billing_a1)
    body = client.get(reverse("authorizations:work_list")).content.decode()
    assert "Soon" in body and "Later" not in body and "24 Nov 2026" in body
    body = client.get(reverse("authorizations:work_list") + "?within=7").content.decode()
    assert "Soon" not in body
    assert client.get(reverse("authorizations:work_list") + "?within=x").status_code == 200


def test_work_list_query_count_is_constant(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    payer = _payer(world)

    def more(n: int) -> None:
        for _ in range(n):
            p = enrolled_patient(world.track_a1)
            _auth(world, p, payer=payer, ends_on=date(2026, 11, 25))
            _weekdays(world, p, weeks=1)
            _charge(world, p, date(2026, 11, 3), "ready")

    login(client, world.billing_a1)
    url = reverse("authorizations:work_list")
    more(2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    more(8)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("State Medicaid") == 10


def test_packet_is_a_pdf_without_note_text(client: Client, world: World) -> None:
    p = enrolled_patient(world.track_a1)
    auth = _auth(world, p)
    _weekdays(world, p)
    Note.objects.create(
        organization=world.org_a,
        kind=NoteKind.INDIVIDUAL,
        format="dap",
        patient=p,
        service_date=date(2026, 11, 10),
        author=world.counselor_a1,
        created_at=NOW,
        updated_at=NOW,
        status=NoteStatus.SIGNED,
        signed_at=NOW,
        signed_by=world.counselor_a1,
        signed_hash="0" * 64,
        content={"data": "Zanzibarquokka disclosed", "assessment": "x", "plan": "y"},
    )
    consent = give_tpo_consent(p, world.intake_a1)
    login(client, world.billing_a1)
    response = client.post(reverse("authorizations:packet", args=[auth.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"Zanzibarquokka" not in response.content
    assert b"A-1" in response.content and b"Monday-Friday" in response.content
    assert AuditEvent.objects.filter(action="print", object_type__contains="authorization").exists()
    shown = _words(response.content)
    assert gate.NOTICE in shown and gate.consent_summary(consent) in shown
    row = Part2Disclosure.objects.get()
    assert row.consent == consent and row.channel == "packet" and row.purpose == "payment"
    assert row.recipient_key == f"payer:{auth.payer_id}" and row.recipient_kind == "health_plan"
    assert row.data == ["attendance", "demographics", "diagnosis", "screenings", "treatment_plan"]
    assert row.object_type == "authorizations.authorization" and row.object_id == str(auth.pk)
    assert row.made_by == world.billing_a1


def _words(pdf: bytes) -> str:
    import re

    shown = re.findall(rb"\((.*?)(?<!\\)\) ?Tj", pdf)
    joined = " ".join(p.decode("latin-1") for p in shown)
    return re.sub(r"\s+", " ", joined.replace("\\(", "(").replace("\\)", ")"))


def test_packet_leaves_out_measures_the_consent_does_not_cover(
    client: Client, world: World
) -> None:
    p = enrolled_patient(world.track_a1)
    auth = _auth(world, p)
    give_tpo_consent(
        p, world.intake_a1, data=["attendance", "demographics", "diagnosis", "treatment_plan"]
    )
    login(client, world.billing_a1)
    response = client.post(reverse("authorizations:packet", args=[auth.pk]))
    assert response.status_code == 200
    assert "does not cover screening and measure results" in _words(response.content)
    assert Part2Disclosure.objects.get().data == [
        "attendance",
        "demographics",
        "diagnosis",
        "treatment_plan",
    ]


def test_packet_without_a_consent_covering_the_payer_is_refused_with_the_reason(
    client: Client, world: World
) -> None:
    p = enrolled_patient(world.track_a1)
    auth = _auth(world, p)
    # A consent that leaves out the measure results does not cover the packet.
    give_tpo_consent(p, world.intake_a1, data=["attendance", "demographics", "diagnosis"])
    login(client, world.billing_a1)
    response = client.post(reverse("authorizations:packet", args=[auth.pk]))
    assert response.status_code == 403
    assert b"does not include" in response.content
    assert not Part2Disclosure.objects.exists()
    assert (
        AuditEvent.objects.filter(
            action="denied", object_type="privacy.disclosure", patient_id_value=p.pk
        ).count()
        == 1
    )


def test_command_prints_json(world: World) -> None:
    p = enrolled_patient(world.track_a1, mrn="7654321", last_name="Hidden")
    _auth(world, p, units_authorized=Decimal(8))
    _weekdays(world, p)
    _auth(world, p, number="OLD", starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 31))
    out = StringIO()
    call_command("auth", "forecast", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert rows == [
        {
            "patient": "7654321",
            "authorization": "A-1",
            "units_authorized": 8,
            "units_used": 0,
            "forecast_exhausted_on": "2026-11-25",
            "review_by": "2026-11-20",
            "basis": rows[0]["basis"],
        }
    ]
    assert "Hidden" not in out.getvalue()


def _form(world: World, patient: Patient, **kw: Any) -> dict[str, Any]:
    data = {
        "patient": patient.pk,
        "payer": _payer(world, pid=f"F{Payer.objects.count()}").pk,
        "service": "h0015",
        "unit_kind": "days",
        "units_authorized": "20",
        "starts_on": "2026-11-01",
        "ends_on": "2026-12-31",
        "number": "AUTH-9",
        "review_lead_business_days": "3",
    }
    data.update(kw)
    return data


def test_add_change_and_bad_input(client: Client, world: World) -> None:
    login(client, world.billing_a1)
    url = reverse("authorizations:add")
    p = world.patient_a1
    assert client.get(url).status_code == 200
    for bad in (
        {"ends_on": "2026-10-01"},
        {"units_authorized": "0"},
        {"units_authorized": "2.5"},
        {"payer": _payer(world, org=world.org_b, pid="B").pk},
        {"payer": "999999"},
    ):
        assert client.post(url, _form(world, p, **bad)).status_code == 422, bad
    assert not Authorization.objects.exists()
    response = client.post(url, _form(world, p))
    assert response.status_code == 302
    auth = Authorization.objects.get()
    assert auth.service == "H0015"
    assert AuditEvent.objects.filter(action="add", object_type__contains="authorization").exists()
    edit = reverse("authorizations:edit", args=[auth.pk])
    assert client.get(edit).status_code == 200
    data = _form(world, p, units_authorized="30")
    assert client.post(edit, {**data, "ends_on": "2026-01-01"}).status_code == 422
    assert client.post(edit, data).status_code == 302
    auth.refresh_from_db()
    assert auth.units_authorized == 30
    assert client.get(reverse("authorizations:detail", args=[auth.pk])).status_code == 200


def _denials(user: Any) -> int:
    return AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()


@pytest.mark.parametrize("name", ["detail", "edit", "packet"])
def test_refusals_are_404_or_403_and_audited(client: Client, world: World, name: str) -> None:
    auth = _auth(world, world.patient_a1)
    url = reverse(f"authorizations:{name}", args=[auth.pk])
    for user, status in (
        (world.admin_b, 404),
        (world.counselor_b1, 404),
        (world.counselor_a2, 404),
        (world.counselor_a1, 403),
        (world.frontdesk_a1, 403),
    ):
        login(client, user)
        before = _denials(user)
        response = client.post(url) if name == "packet" else client.get(url)
        assert response.status_code == status, (user, url)
        assert _denials(user) == before + 1
        assert "Quintero" not in response.content.decode()


def test_director_reads_but_does_not_change(client: Client, world: World) -> None:
    auth = _auth(world, world.patient_a1)
    login(client, world.director_a)
    body = client.get(reverse("authorizations:detail", args=[auth.pk])).content.decode()
    assert "Change the authorization" not in body
    assert client.get(reverse("authorizations:edit", args=[auth.pk])).status_code == 403
    assert client.get(reverse("authorizations:work_list")).status_code == 200
    login(client, world.counselor_a1)
    assert client.get(reverse("authorizations:work_list")).status_code == 403
    assert client.get(reverse("authorizations:add")).status_code == 403


def test_packet_is_made_by_a_post_with_the_csrf_token_only(client: Client, world: World) -> None:
    """Making the packet records a disclosure: a GET (a link another site could trigger)
    answers 405 and a POST without the CSRF token is refused, neither disclosing anything."""
    p = enrolled_patient(world.track_a1)
    auth = _auth(world, p)
    give_tpo_consent(p, world.intake_a1)
    url = reverse("authorizations:packet", args=[auth.pk])
    login(client, world.billing_a1)
    page = client.get(reverse("authorizations:detail", args=[auth.pk])).content.decode()
    assert f'<form method="post" action="{url}">' in page and "csrfmiddlewaretoken" in page
    assert "Make the review packet (PDF)</button>" in page
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    login(strict, world.billing_a1)
    assert strict.post(url).status_code == 403
    assert not Part2Disclosure.objects.exists()
    assert client.post(url).status_code == 200
    assert Part2Disclosure.objects.count() == 1
