"""Per-diem billing: the HCPCS per-day default, a payer's rule set per program (with its
source shown where it is applied), and the billing-rule page's refusals and validation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from openiop.core.models import AuditEvent
from openiop.core.testing import login
from openiop.delivery import services
from openiop.delivery.models import AttendanceStatus, BillingRule, PerDiemBasis
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.delivery.tests.test_hours import local, record, week_of
from openiop.domain.compliance import Billing, Status
from openiop.patients.models import Patient

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
WEEK = date(2026, 11, 2)  # Monday
AFTER = datetime.combine(WEEK + timedelta(days=8), time(12), tzinfo=NY)  # the week is over
SOURCE = "Acme Health provider manual, 2026, section 4.2"


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(AFTER, tick=False) as traveller:
        yield traveller


def six_hour_week(world: Any) -> Patient:
    """3 h on Monday, 1 h 30 on Wednesday and on Friday: one per-diem day, 6 h in the week."""
    patient = enrolled_patient(world.track_a1, last_name="Perdiem")
    days = [WEEK + timedelta(days=d) for d in (0, 2, 4)]
    sessions = [
        group_session(track=world.track_a1, counselor=world.counselor_a1, day=d) for d in days
    ]
    for s in sessions:
        assign(s, patient)
    record(sessions[0], patient, AttendanceStatus.PRESENT)
    for session, day in zip(sessions[1:], days[1:], strict=True):
        record(session, patient, AttendanceStatus.LEFT_EARLY, out=local(day, 19, 30))
    return patient


def payer_rule(world: Any, **changes: Any) -> BillingRule:
    values: dict[str, Any] = {
        "payer": "Acme Health",
        "basis": PerDiemBasis.DAY_AND_WEEK,
        "day_hours": Decimal(3),
        "week_hours": Decimal(9),
        "min_days": 3,
        "source": SOURCE,
    }
    values.update(changes)
    return services.billing_rule_set(actor=world.admin_a, program=world.program_a1, **values)


def test_by_default_a_3_hour_day_in_a_6_hour_week_is_a_per_diem_day(world: Any) -> None:
    week = week_of(six_hour_week(world), WEEK)
    assert week.attended_minutes == 360
    assert week.days[0].billing is Billing.PER_DIEM
    assert week.days[2].billing is Billing.DISCRETE
    # Program compliance: short on hours (the status) and on days, reported.
    assert week.status is Status.SHORT
    assert (week.program_days, week.program_days_required) == (1, 3)
    assert any(r.startswith("Program compliance") for r in week.reasons)
    assert week.per_diem_rule.payer == "" and "H0015" in week.per_diem_rule.source


def test_a_payer_rule_requiring_the_weekly_minimum_makes_that_day_not_billable(
    world: Any,
) -> None:
    patient = six_hour_week(world)
    payer_rule(world)
    week = week_of(patient, WEEK)
    assert week.days[0].meets_daily_minimum
    assert week.days[0].billing is Billing.DISCRETE  # not billable as the per diem
    assert week.per_diem_rule.payer == "Acme Health"
    assert any(f"source: {SOURCE}" in r for r in week.reasons)


def test_the_week_page_reports_program_compliance_and_shows_the_payer_source(
    world: Any, clock: Any
) -> None:
    six_hour_week(world)
    client = login(Client(), world.counselor_a1)
    page = client.get("/delivery/week/", {"week": WEEK.isoformat()}).content.decode()
    assert "<td>1 of 3</td>" in page
    assert "whatever the rest of the week" in page and SOURCE not in page
    payer_rule(world)
    page = client.get("/delivery/week/", {"week": WEEK.isoformat()}).content.decode()
    assert "(Acme Health rule)" in page and f"(source: {SOURCE})" in page


def test_the_api_names_the_rule_and_its_source(world: Any, clock: Any) -> None:
    patient = six_hour_week(world)
    payer_rule(world)
    client = login(Client(), world.counselor_a1)
    data = client.get(
        f"/api/v1/delivery/patients/{patient.pk}/hours", {"week": WEEK.isoformat()}
    ).json()
    assert data["per_diem_rule"]["cited_source"] == SOURCE
    assert data["per_diem_rule"]["basis"] == "day_and_week"
    assert (data["program_days"], data["program_days_required"]) == (1, 3)
    assert data["days"][0]["billing"] == "discrete"


# --- the billing-rule page ----------------------------------------------------------------

VALID = {
    "payer": "Acme Health",
    "basis": "day_and_week",
    "day_hours": "3",
    "week_hours": "9",
    "min_days": "3",
    "source": SOURCE,
}


def url(program: Any) -> str:
    return f"/delivery/billing-rules/{program.pk}/"


def test_billing_staff_set_a_payer_rule_with_an_audit_event(world: Any) -> None:
    client = login(Client(), world.billing_a1)
    listing = client.get("/delivery/billing-rules/")
    assert listing.status_code == 200 and "Default (HCPCS per-day rule)" in listing.content.decode()
    response = client.post(url(world.program_a1), VALID)
    assert response.status_code == 302
    rule = BillingRule.objects.get(program=world.program_a1)
    assert (rule.payer, rule.basis, rule.source) == ("Acme Health", "day_and_week", SOURCE)
    assert AuditEvent.objects.filter(
        username="billing_a1", action="add", object_id=str(rule.pk)
    ).exists()
    assert SOURCE in client.get("/delivery/billing-rules/").content.decode()


def test_a_user_of_another_site_gets_an_audited_404(world: Any) -> None:
    client = login(Client(), world.billing_a1)  # site A1 only
    assert client.get(url(world.program_a2)).status_code == 404
    assert client.post(url(world.program_a2), VALID).status_code == 404
    assert AuditEvent.objects.filter(username="billing_a1", action="denied").count() == 2
    assert login(Client(), world.admin_b).get(url(world.program_a1)).status_code == 404
    assert not BillingRule.objects.exists()


def test_a_role_without_the_action_gets_an_audited_403(world: Any) -> None:
    client = login(Client(), world.counselor_a1)
    assert client.post(url(world.program_a1), VALID).status_code == 403
    assert AuditEvent.objects.filter(username="counselor_a1", action="denied").count() == 1
    assert client.get("/delivery/billing-rules/").status_code == 403
    assert not BillingRule.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"week_hours": "0"}, "week_hours", "from 6"),
        ({"week_hours": "-9"}, "week_hours", "from 6"),
        ({"week_hours": "5"}, "week_hours", "lowest weekly minimum"),
        ({"week_hours": "25"}, "week_hours", "to 19"),
        ({"day_hours": "0"}, "day_hours", "from 1 to 12"),
        ({"day_hours": "-3"}, "day_hours", "from 1 to 12"),
        ({"min_days": "-1"}, "min_days", "from 1 to 7"),
        ({"min_days": "8"}, "min_days", "from 1 to 7"),
        ({"source": "  "}, "source", ""),
        ({"source": "see"}, "source", "provider manual"),
    ],
)
def test_nonsense_is_refused_with_422_and_nothing_saved(
    world: Any, changes: dict[str, str], field: str, message: str
) -> None:
    client = login(Client(), world.billing_a1)
    response = client.post(url(world.program_a1), {**VALID, **changes})
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{field}-errors"' in page and message in page
    assert field not in page.split('id="id_' + field + '-errors"')[1].split("</ul>")[0]
    assert not BillingRule.objects.exists()
