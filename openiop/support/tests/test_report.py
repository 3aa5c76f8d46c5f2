"""The support services report page: figures by need kind and by partner for the
organization, administrators and clinical directors only, counts without names."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login, without_tokens
from openiop.domain.support_report import metrics
from openiop.support.models import Need, NeedStatus, Partner, ReferralOutcome, ReferralStatus
from openiop.support.report import selectors
from openiop.support.tests.report_data import need, partner, referral

pytestmark = pytest.mark.django_db

URL = "/support/report/"
TODAY = date(2026, 6, 15)
D = date


@pytest.fixture(autouse=True)
def _clock() -> object:
    with time_machine.travel("2026-06-15T15:00:00+00:00", tick=False) as t:
        yield t


def _data(world: World) -> None:
    by = world.counselor_a1
    housing = partner(world.org_a, "County Housing Authority")
    food = partner(world.org_a, "Harvest Food Bank")
    a1, a2 = world.patient_a1, world.patient_a2
    n1 = need(a1, "housing", D(2026, 4, 1), by, status="resolved", closed=D(2026, 4, 11))
    n2 = need(a2, "housing", D(2026, 5, 1), by)
    n3 = need(a1, "food", D(2026, 5, 10), by, status="resolved", closed=D(2026, 5, 13))
    need(a2, "food", D(2026, 3, 17), by)  # 90 days before today: outside the default period
    referral(
        n1,
        housing,
        by,
        D(2026, 4, 2),
        D(2026, 4, 9),
        [("accepted", D(2026, 4, 3)), ("delivered", D(2026, 4, 10)), ("closed", D(2026, 4, 11))],
        outcome="resolved",
    )
    referral(n2, housing, by, D(2026, 5, 2), D(2026, 5, 9), [("accepted", D(2026, 5, 4))])
    referral(n3, food, by, D(2026, 5, 10), D(2026, 5, 17), [("declined", D(2026, 5, 11))])
    # Organization B's need and referral never count for A.
    b_need = need(world.patient_b1, "housing", D(2026, 5, 1), world.counselor_b1)
    referral(
        b_need, partner(world.org_b, "B Shelter"), world.counselor_b1, D(2026, 5, 2), D(2026, 5, 3)
    )


def test_url_name() -> None:
    from django.urls import reverse

    assert reverse("support:report") == URL


def test_domain_values_match_the_models() -> None:
    assert metrics.NEED_RESOLVED == NeedStatus.RESOLVED
    assert metrics.OUTCOME_RESOLVED == ReferralOutcome.RESOLVED
    assert {
        metrics.SENT,
        metrics.RECEIVED,
        metrics.ACCEPTED,
        metrics.DECLINED,
        metrics.DELIVERED,
        metrics.CLOSED,
        metrics.WITHDRAWN,
    } == set(ReferralStatus.values)


def test_director_sees_the_organizations_figures_for_the_last_90_days(
    client: Client, world: World
) -> None:
    _data(world)
    response = login(client, world.director_a).get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.start, report.end) == (D(2026, 3, 18), TODAY)
    t = report.total
    assert (t.needs_found, t.needs_referred, t.needs_resolved) == (3, 3, 2)
    assert t.median_days_to_resolution == 6.5  # 10 and 3 days
    assert (t.referrals_sent, t.referrals_accepted, t.referrals_declined) == (3, 2, 1)
    assert (t.referrals_delivered, t.referrals_closed_resolved, t.referrals_overdue) == (1, 1, 1)
    assert [g.key for g in report.by_partner] == ["County Housing Authority", "Harvest Food Bank"]
    body = without_tokens(response.content)
    assert "County Housing Authority" in body and "B Shelter" not in body
    assert "How the figures are counted" in body
    for name in ("Alma", "Quintero", "Bruno", "Okafor", "0000001"):
        assert name not in body
    event = AuditEvent.objects.filter(action="query", object_type="support.need").get()
    assert event.username == "director_a" and "2026-03-18 to 2026-06-15" in event.detail


def test_a_partner_is_credited_only_with_the_needs_its_own_referral_resolved(
    client: Client, world: World
) -> None:
    _data(world)
    by = world.counselor_a1
    # Need 4: declined by the housing authority, then resolved through the food bank.
    n4 = need(
        world.patient_a1, "housing", D(2026, 6, 1), by, status="resolved", closed=D(2026, 6, 9)
    )
    housing, food = (
        Partner.objects.get(name="County Housing Authority"),
        Partner.objects.get(name="Harvest Food Bank"),
    )
    referral(n4, housing, by, D(2026, 6, 1), D(2026, 6, 8), [("declined", D(2026, 6, 2))])
    referral(
        n4,
        food,
        by,
        D(2026, 6, 3),
        D(2026, 6, 10),
        [("accepted", D(2026, 6, 4)), ("closed", D(2026, 6, 9))],
        outcome="resolved",
    )
    response = login(client, world.director_a).get(URL)
    by_partner = {g.key: g.figures for g in response.context["report"].by_partner}
    h, f = by_partner["County Housing Authority"], by_partner["Harvest Food Bank"]
    # Housing: needs 1, 2 and 4 referred; only need 1 resolved through it (10 days).
    assert (h.needs_found, h.needs_resolved, h.median_days_to_resolution) == (3, 1, 10.0)
    assert h.referrals_declined == 1
    # Food bank: need 3 (it declined; staff closed the need) and need 4 (resolved through
    # it, 8 days).
    assert (f.needs_found, f.needs_resolved, f.median_days_to_resolution) == (2, 1, 8.0)
    assert response.context["report"].total.needs_resolved == 3
    body = without_tokens(response.content)
    assert "Declined (by the partner or recorded by staff)" in body
    assert "that partner's own referral was closed with the need resolved" in body


def test_administrator_sees_it_too(client: Client, world: World) -> None:
    _data(world)
    response = login(client, world.admin_a).get(URL, {"from": "2026-05-01", "to": "2026-05-31"})
    assert response.status_code == 200
    assert response.context["report"].total.needs_found == 2


def test_other_organization_sees_only_its_own(client: Client, world: World) -> None:
    _data(world)
    response = login(client, world.director_b).get(URL)
    assert response.status_code == 200
    assert response.context["report"].total.needs_found == 1
    body = without_tokens(response.content)
    assert "B Shelter" in body and "County Housing Authority" not in body


@pytest.mark.parametrize("who", ["counselor_a1", "peer_a1", "billing_a1", "frontdesk_a1"])
def test_roles_without_the_report_are_refused_and_audited(
    client: Client, world: World, who: str
) -> None:
    _data(world)
    user = getattr(world, who)
    response = login(client, user).get(URL)
    assert response.status_code == 403
    denied = AuditEvent.objects.filter(action="denied", username=user.username)
    assert denied.count() == 1
    assert not AuditEvent.objects.filter(action="query", object_type="support.need").exists()
    assert "County Housing Authority" not in without_tokens(response.content)


def test_program_filter_counts_that_programs_patients(client: Client, world: World) -> None:
    _data(world)
    response = login(client, world.director_a).get(URL, {"program": world.program_a1.pk})
    assert response.status_code == 200
    assert response.context["report"].total.needs_found == 2  # patient A1's two needs
    assert [g.key for g in response.context["report"].by_kind] == ["food", "housing"]


def test_another_organizations_program_is_a_field_error(client: Client, world: World) -> None:
    response = login(client, world.director_a).get(URL, {"program": world.program_b1.pk})
    assert response.status_code == 422
    assert "program" in response.context["form"].errors
    assert "Evening IOP B1" not in without_tokens(response.content)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-06-01", "to": "2026-05-01"}, "to"),
    ],
)
def test_bad_dates_are_422_with_a_field_error(
    client: Client, world: World, params: dict[str, str], field: str
) -> None:
    before = Need.objects.count()
    response = login(client, world.director_a).get(URL, params)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert "report" not in response.context
    assert Need.objects.count() == before
    assert not AuditEvent.objects.filter(action="query", object_type="support.need").exists()


def test_queries_do_not_grow_with_the_data(
    client: Client, world: World, django_assert_num_queries: object
) -> None:
    _data(world)
    login(client, world.director_a)
    client.get(URL)  # the first request of a session reads more (session, device)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    by = world.counselor_a1
    extra = partner(world.org_a, "Metro Legal Aid")
    for i in range(12):
        n = need(
            world.patient_a1 if i % 2 else world.patient_a2,
            "legal" if i < 6 else "other",
            D(2026, 5, 1 + i),
            by,
            status="resolved",
            closed=D(2026, 6, 1),
        )
        referral(
            n,
            extra,
            by,
            D(2026, 5, 2 + i),
            D(2026, 5, 20),
            [("accepted", D(2026, 5, 20)), ("closed", D(2026, 6, 1))],
            outcome="resolved",
        )
    with django_assert_num_queries(len(small)):  # type: ignore[operator]
        response = client.get(URL)
    assert response.context["report"].total.needs_found == 15


def test_selector_uses_three_queries(world: World, django_assert_num_queries: object) -> None:
    _data(world)
    with django_assert_num_queries(3):  # type: ignore[operator]
        report = selectors.report(world.org_a.pk, D(2026, 1, 1), TODAY, as_of=TODAY)
    assert report.total.needs_found == 4
