"""The breach log: deadline rules (no database), the services and the pages."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from openiop.privacy import breach_rules as rules

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 16)


# Rules: pure, no database.
def test_individuals_are_due_60_days_after_discovery() -> None:
    assert rules.individuals_due(date(2026, 1, 10)) == date(2026, 3, 11)


def test_small_breach_goes_to_hhs_by_1_march_of_the_next_year() -> None:
    assert rules.hhs_due(date(2026, 5, 1), 3) == date(2027, 3, 1)


def test_small_breach_goes_to_hhs_by_29_february_in_a_leap_year() -> None:
    assert rules.hhs_due(date(2027, 12, 31), 499) == date(2028, 2, 29)


def test_500_people_go_to_hhs_with_the_individual_notice() -> None:
    assert rules.hhs_due(date(2026, 5, 1), 500) == date(2026, 6, 30)
    assert rules.hhs_due(date(2026, 5, 1), None) == date(2026, 6, 30)  # unknown: stricter


def test_media_notice_when_more_than_500_in_one_state() -> None:
    assert not rules.media_needed(900, 500)
    assert rules.media_needed(900, 501)
    assert rules.media_needed(None, None)


def test_deadlines_next_and_overdue() -> None:
    items = rules.deadlines(
        discovered_on=date(2026, 9, 1),
        people_affected=3,
        largest_state_count=3,
        outcome="breach",
        individuals_notified_on=None,
    )
    assert [d.key for d in items] == ["individuals", "hhs"]
    nxt = rules.next_deadline(items)
    assert nxt is not None and nxt.key == "individuals" and nxt.due == date(2026, 10, 31)
    assert not nxt.overdue(date(2026, 10, 31)) and nxt.overdue(date(2026, 11, 1))
    assert (
        rules.deadlines(
            discovered_on=date(2026, 9, 1), people_affected=3, largest_state_count=3, outcome="low"
        )
        == []
    )


def test_three_years_before_29_february() -> None:
    assert rules.years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)


# Services and pages.
@pytest.fixture
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _record(actor: Any, **kw: Any) -> Any:
    from openiop.privacy.services_breach import breach_record

    values: dict[str, Any] = {
        "discovered_on": date(2026, 11, 2),
        "occurred_on": date(2026, 11, 1),
        "summary": "Sign-in sheet lost",
        "information_involved": "Names",
        "people_affected": 3,
        "largest_state_count": 3,
    }
    values.update(kw)
    return breach_record(actor, **values)


FACTORS = {
    "factor_nature": "Names",
    "factor_recipient": "Unknown",
    "factor_acquired": "Cannot tell",
    "factor_mitigation": "None yet",
}


@pytest.mark.django_db
@pytest.mark.usefixtures("_clock")
def test_a_breach_goes_from_record_to_close(world: Any) -> None:
    from openiop.privacy import services_breach as s

    b = _record(world.director_a)
    with pytest.raises(ValidationError):
        s.breach_assess(world.director_a, b, **{**FACTORS, "factor_acquired": ""}, outcome="breach")
    b = s.breach_assess(world.director_a, b, **FACTORS, outcome="breach")
    with pytest.raises(ValidationError):
        s.breach_close(world.director_a, b, closed_on=TODAY)  # notices still to make
    with pytest.raises(ValidationError):
        s.breach_notify(
            world.director_a,
            b,
            individuals_notified_on=date(2026, 10, 1),
            hhs_notified_on=None,
            media_notified_on=None,
        )
    b = s.breach_notify(
        world.director_a,
        b,
        individuals_notified_on=TODAY,
        hhs_notified_on=TODAY,
        media_notified_on=None,
    )
    b = s.breach_close(world.director_a, b, closed_on=TODAY)
    assert b.closed_on == TODAY


@pytest.mark.django_db
@pytest.mark.usefixtures("_clock")
def test_low_probability_closes_once_assessed_and_undecided_cannot(world: Any) -> None:
    from openiop.privacy import services_breach as s

    b = _record(world.admin_a)
    with pytest.raises(ValidationError):
        s.breach_close(world.admin_a, b, closed_on=TODAY)
    b = s.breach_assess(world.admin_a, b, **FACTORS, outcome="low")
    assert s.breach_close(world.admin_a, b, closed_on=TODAY).closed_on == TODAY


@pytest.mark.django_db
@pytest.mark.usefixtures("_clock")
def test_another_organization_cannot_change_an_entry(world: Any) -> None:
    from openiop.core.models import AuditAction, AuditEvent
    from openiop.core.policy import Refused
    from openiop.privacy import services_breach as s

    b = _record(world.director_a)
    with pytest.raises(Refused):
        s.breach_assess(world.director_b, b, **FACTORS, outcome="low")
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, username="director_b").exists()
    from openiop.core.testing import login

    r = login(Client(), world.director_b).get(reverse("privacy:breach", args=[b.pk]))
    assert r.status_code == 404
    assert b.summary not in r.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("_clock")
def test_pages_record_assess_notify_and_list(world: Any) -> None:
    from openiop.core.testing import login
    from openiop.privacy.models import Breach

    client = login(Client(), world.director_a)
    r = client.post(reverse("privacy:breach_new"), {"discovered_on": "2026-12-01", "summary": ""})
    assert r.status_code == 422 and 'class="errorlist"' in r.content.decode()
    r = client.post(
        reverse("privacy:breach_new"),
        {"discovered_on": "2026-09-01", "summary": "Laptop stolen", "people_affected": "3"},
    )
    assert r.status_code == 302
    b = Breach.objects.get()
    page = reverse("privacy:breach", args=[b.pk])
    r = client.post(page, {"step": "assess", "outcome": "breach", "factor_nature": "x"})
    assert r.status_code == 422 and "Write this factor down" in r.content.decode()
    r = client.post(page, {"step": "assess", "outcome": "breach", **FACTORS})
    assert r.status_code == 302
    listing = client.get(reverse("privacy:breaches")).content.decode()
    assert "Laptop stolen" in listing and "overdue" in listing  # 60 days passed on 31 Oct
    r = client.post(page, {"step": "notify", "individuals_notified_on": "2026-12-01"})
    assert r.status_code == 422
    r = client.post(page, {"step": "close", "closed_on": "2026-11-16"})
    assert r.status_code == 422 and "Notices still to be made" in r.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["counselor_a1", "billing_a1", "frontdesk_a1"])
def test_other_roles_cannot_open_the_breach_log(world: Any, who: str) -> None:
    from openiop.core.models import AuditAction, AuditEvent
    from openiop.core.testing import login

    r = login(Client(), getattr(world, who)).get(reverse("privacy:breaches"))
    assert r.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, username=who).count() == 1


@pytest.mark.django_db
def test_demo_writes_two_entries(world: Any) -> None:
    from openiop.privacy import demo_records
    from openiop.privacy.models import Breach

    demo_records.extend_demo(org=world.org_a, rng=random.Random(1), today=TODAY)
    rows = list(Breach.objects.filter(organization=world.org_a).order_by("pk"))
    assert [(b.outcome, b.closed_on is None) for b in rows] == [("low", False), ("breach", True)]
    assert rows[1].hhs_notified_on is None and rows[1].individuals_notified_on is not None
