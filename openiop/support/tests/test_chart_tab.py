"""The chart's Support tab: needs (open first) with their referrals, peer contacts,
mutual-help meetings by week, alumni events; buttons by role; constant queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.accounts.models import User
from openiop.care.models import PeerMeetingWeek
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login, without_tokens
from openiop.intake.models import ScreeningResponse
from openiop.patients.models import Patient
from openiop.support.models import (
    AlumniAttendance,
    AlumniEvent,
    Need,
    NeedKind,
    NeedSource,
    Partner,
    PartnerReferral,
    PeerContact,
    ReferralStatus,
)
from openiop.support.needs import services

TODAY = date(2026, 12, 9)  # a Wednesday
NOW = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def tab_url(patient: Patient) -> str:
    return reverse("patients:chart_tab", args=[patient.pk, "support"])


def partner(world: World, name: str = "Harbor Housing") -> Partner:
    return Partner.objects.create(
        organization=world.org_a, name=name, created_at=NOW, updated_at=NOW
    )


def refer(
    world: World,
    need: Need,
    to: Partner,
    *,
    follow_up_on: date,
    status: str = ReferralStatus.SENT,
) -> PartnerReferral:
    return PartnerReferral.objects.create(
        organization=world.org_a,
        patient=need.patient,
        need=need,
        partner=to,
        status=status,
        sent_on=date(2026, 12, 1),
        follow_up_on=follow_up_on,
        sent_by=world.counselor_a1,
        updated_at=NOW,
    )


def screen_need(world: World) -> Need:
    screening = ScreeningResponse.objects.create(
        patient=world.patient_a1,
        instrument="ahc_hrsn",
        instrument_version="1",
        response={},
        flags=["hrsn_food"],
        administered_by=world.counselor_a1,
        administered_at=datetime(2026, 12, 2, 14, 0, tzinfo=UTC),
    )
    return Need.objects.create(
        organization=world.org_a,
        patient=world.patient_a1,
        kind=NeedKind.FOOD,
        source=NeedSource.SCREEN,
        screening=screening,
        identified_on=date(2026, 12, 2),
        identified_by=world.counselor_a1,
    )


def contact(world: World, day: date, *, staff: User | None = None, **extra: object) -> PeerContact:
    return PeerContact.objects.create(
        organization=world.org_a,
        patient=world.patient_a1,
        staff=staff or world.peer_a1,
        contacted_on=day,
        kind="phone",
        recorded_at=NOW,
        **extra,
    )


def test_tab_shows_needs_with_where_they_came_from_and_their_referrals(
    client: Client, world: World
) -> None:
    food = screen_need(world)
    housing = services.need_record(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        kind=NeedKind.HOUSING,
        identified_on=date(2026, 12, 3),
    )
    refer(world, food, partner(world, "Worcester Food Bank"), follow_up_on=date(2026, 12, 8))
    refer(
        world,
        housing,
        partner(world),
        follow_up_on=date(2026, 12, 12),
        status=ReferralStatus.ACCEPTED,
    )
    legal = services.need_record(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        kind=NeedKind.LEGAL,
        identified_on=date(2026, 12, 1),
    )
    services.need_close(
        actor=world.counselor_a1,
        need=legal,
        status="declined",
        note="Has a lawyer already",
        closed_on=date(2026, 12, 4),
    )
    login(client, world.counselor_a1)
    response = client.get(tab_url(world.patient_a1))
    assert response.status_code == 200
    html = without_tokens(response.content)
    assert "Needs screen of 2026-12-02" in html
    assert "Recorded by Counselor_A1" in html
    assert "Worcester Food Bank" in html and "Harbor Housing" in html
    assert "follow up 2026-12-08" in html and "Accepted" in html
    assert html.count("Overdue") == 1  # the food referral: open and past its follow-up day
    assert html.index("Open needs") < html.index("Closed needs") < html.index("Legal help")
    assert "patient declined help on 2026-12-04" in html and "Has a lawyer already" in html
    assert reverse("support:need_refer", args=[food.pk]) in html
    assert reverse("support:need_close", args=[housing.pk]) in html
    assert reverse("support:need_reopen", args=[legal.pk]) in html
    assert reverse("support:need_new", args=[world.patient_a1.pk]) in html
    # the chart view audits the view of the tab
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, detail="chart tab support", username="counselor_a1"
    ).exists()


def test_a_referral_past_its_follow_up_but_closed_is_not_overdue(
    client: Client, world: World
) -> None:
    need = screen_need(world)
    refer(world, need, partner(world), follow_up_on=date(2026, 12, 1), status="closed")
    refer(world, need, partner(world, "Other"), follow_up_on=date(2026, 12, 9))
    login(client, world.counselor_a1)
    assert b"Overdue" not in client.get(tab_url(world.patient_a1)).content


def test_tab_shows_meetings_by_week_and_not_recorded_is_not_zero(
    client: Client, world: World
) -> None:
    this_monday = date(2026, 12, 7)
    for kind, count in (("aa", 2), ("na", 1)):
        PeerMeetingWeek.objects.create(
            patient=world.patient_a1,
            week_start=this_monday,
            kind=kind,
            count=count,
            recorded_by=world.counselor_a1,
            recorded_at=NOW,
        )
    PeerMeetingWeek.objects.create(
        patient=world.patient_a1,
        week_start=this_monday - timedelta(weeks=2),
        kind="aa",
        count=0,
        recorded_by=world.counselor_a1,
        recorded_at=NOW,
    )
    PeerMeetingWeek.objects.create(  # older than 8 weeks: not shown
        patient=world.patient_a1,
        week_start=this_monday - timedelta(weeks=8),
        kind="aa",
        count=9,
        recorded_by=world.counselor_a1,
        recorded_at=NOW,
    )
    login(client, world.peer_a1)
    html = without_tokens(client.get(tab_url(world.patient_a1)).content)
    assert "<td>2026-12-07</td><td>3</td>" in html
    assert "<td>2026-11-23</td><td>0</td>" in html
    assert html.count("not recorded</span>") == 6
    assert "2026-10-12" not in html and "<td>9</td>" not in html


def test_tab_shows_peer_contacts_and_alumni_events(client: Client, world: World) -> None:
    contact(world, date(2026, 12, 5), minutes=30, note="Talked about work", after_discharge=True)
    event = AlumniEvent.objects.create(
        organization=world.org_a,
        program=world.program_a1,
        title="Recovery picnic",
        starts_at=datetime(2026, 11, 20, 17, 0, tzinfo=UTC),
        created_by=world.peer_a1,
        created_at=NOW,
    )
    AlumniAttendance.objects.create(
        event=event, patient=world.patient_a1, recorded_by=world.peer_a1, recorded_at=NOW
    )
    login(client, world.peer_a1)
    html = without_tokens(client.get(tab_url(world.patient_a1)).content)
    assert "Talked about work" in html and "Alumni contact" in html
    assert "Recovery picnic" in html and "2026-11-20" in html
    assert reverse("support:peer_contacts", args=[world.patient_a1.pk]) in html


def test_empty_tab_says_so(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    html = without_tokens(client.get(tab_url(world.patient_a1)).content)
    assert "No open needs." in html and "No peer contacts logged." in html
    assert "Closed needs" not in html


def test_peer_specialist_sees_the_support_tab_but_not_the_plan_tab(
    client: Client, world: World
) -> None:
    login(client, world.peer_a1)
    response = client.get(tab_url(world.patient_a1))
    assert response.status_code == 200
    html = without_tokens(response.content)
    assert reverse("patients:chart_tab", args=[world.patient_a1.pk, "plan"]) not in html
    assert reverse("support:need_new", args=[world.patient_a1.pk]) in html
    plan = client.get(reverse("patients:chart_tab", args=[world.patient_a1.pk, "plan"]))
    assert plan.status_code == 403


def test_role_without_support_services_is_refused_the_tab_and_does_not_see_it(
    client: Client, world: World
) -> None:
    login(client, world.frontdesk_a1)
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    assert client.get(tab_url(world.patient_a1)).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
    overview = client.get(reverse("patients:chart", args=[world.patient_a1.pk]))
    assert tab_url(world.patient_a1).encode() not in overview.content


def test_user_of_another_organization_gets_404_and_one_audited_denial(
    client: Client, world: World
) -> None:
    screen_need(world)
    login(client, world.counselor_b1)
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    response = client.get(tab_url(world.patient_a1))
    assert response.status_code == 404 and b"Quintero" not in response.content
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1


def _add_rows(world: World, n: int, start: int) -> None:
    kinds = [k for k in NeedKind.values if k != NeedKind.FOOD]
    for i in range(start, start + n):
        need = Need.objects.create(
            organization=world.org_a,
            patient=world.patient_a1,
            kind=kinds[i],
            source=NeedSource.STAFF,
            identified_on=date(2026, 11, 1 + i),
            identified_by=world.counselor_a1 if i % 2 else world.intake_a1,
        )
        if i % 3 == 0:
            need.status, need.closed_on, need.closed_by = "resolved", TODAY, world.director_a
            need.save()
        refer(world, need, partner(world, f"Partner {i}"), follow_up_on=date(2026, 12, 1 + i))
        contact(world, date(2026, 12, 1 + i % 8), staff=world.counselor_a1 if i % 2 else None)


def test_the_tab_costs_the_same_number_of_queries_for_2_or_8_needs_referrals_and_contacts(
    client: Client, world: World, django_assert_num_queries: object
) -> None:
    screen_need(world)
    _add_rows(world, 2, 0)
    login(client, world.counselor_a1)
    url = tab_url(world.patient_a1)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _add_rows(world, 6, 2)
    assert Need.objects.count() == 9 and PeerContact.objects.count() == 8
    with django_assert_num_queries(len(small)):  # type: ignore[operator]
        response = client.get(url)
    assert response.status_code == 200 and b"Partner 7" in response.content
