"""The organization's programs publish themselves: openings, evenings/weekends from the published
group schedule,
listing and fee schedule pages, refusals for other roles and organizations."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, World, login
from openiop.locator import publishing, services
from openiop.locator.codes import CareType, Condition, Payment, Population
from openiop.locator.models import Facility, FeeScheduleSetting, HoursBasis, ProgramListing
from openiop.locator.publishing import GroupTime, TrackFacts
from openiop.locator.tests.factories import adolescent_program, listing_payload
from openiop.organization.models import Site

pytestmark = pytest.mark.django_db


# --- the pure rules ---------------------------------------------------------------------------


def test_openings_are_per_track_seats_left_and_a_full_track_lends_none() -> None:
    tracks = [TrackFacts("substance_use", 18, 120, 12, 14), TrackFacts("alcohol", 18, 120, 10, 4)]
    assert publishing.capacity_and_openings(tracks, accepting=True) == (22, 6)
    assert publishing.capacity_and_openings(tracks, accepting=False) == (22, 0)
    assert publishing.capacity_and_openings([], accepting=True) == (0, 0)


def test_a_published_group_is_an_evening_group_if_it_starts_at_17_or_later() -> None:
    def ev(start: int, end: int, day: int = 1) -> tuple[bool, bool]:
        return publishing.evening_and_weekend([GroupTime(day, time(start), time(end))])

    assert ev(17, 19) == (True, False)
    assert ev(18, 21) == (True, False)
    assert ev(15, 21) == (False, False)  # an afternoon group running late is not an evening one
    assert ev(9, 13) == (False, False)
    assert ev(9, 13, day=5) == (False, True)  # Saturday
    assert ev(18, 20, day=6) == (True, True)  # Sunday evening
    assert publishing.evening_and_weekend([]) == (False, False)


def test_ages_and_kinds_of_tracks_give_populations_and_conditions() -> None:
    teen = TrackFacts("adolescents", 13, 17, 10, 0)
    adult = TrackFacts("mental_health", 18, 120, 12, 0)
    assert Population.keys_in(publishing.populations_mask([teen])) == ["adolescents"]
    assert Population.keys_in(publishing.populations_mask([adult])) == [
        "young_adults",
        "adults",
        "seniors",
    ]
    assert Condition.keys_in(publishing.conditions_mask([teen, adult])) == ["mental_health"]


# --- publishing -------------------------------------------------------------------------------


def test_publishing_creates_one_facility_per_program_with_live_derived_facts(world: World) -> None:
    adolescent_program(world.program_a1, enrolled=3, max_group=10, evening=True, saturday=True)
    result = services.directory_publish(actor=world.admin_a, organization=world.org_a)
    assert len(result.published) == 2 and result.skipped == []
    facility = Facility.objects.get(program=world.program_a1)
    # track_a1 (substance use, max 12, nobody enrolled) + adolescents (max 10, 3 enrolled)
    assert (facility.capacity, facility.openings) == (22, 19)
    assert facility.evenings and facility.weekends
    assert facility.hours_basis == HoursBasis.SCHEDULE
    assert CareType.keys_in(facility.care_types) == ["intensive_outpatient"]
    assert "adolescents" in Population.keys_in(facility.populations)
    assert Payment.keys_in(facility.payments) == ["private_insurance", "self_pay"]  # default
    assert facility.external_id == f"openiop-program-{world.program_a1.pk}"
    # program A2 has no published groups: neither evenings nor weekends, times not published
    other = Facility.objects.get(program=world.program_a2)
    assert not other.evenings and not other.weekends and other.capacity == 0
    assert other.hours_basis == HoursBasis.UNKNOWN
    assert AuditEvent.objects.filter(
        username="admin_a", object_type="locator.facility", action="change"
    ).exists()
    # republishing updates in place
    services.directory_publish(actor=world.admin_a, organization=world.org_a)
    assert Facility.objects.filter(program=world.program_a1).count() == 1


def test_a_program_not_accepting_has_no_openings_and_an_unlisted_one_is_withdrawn(
    world: World,
) -> None:
    world.program_a1.accepting_new_patients = False
    world.program_a1.save()
    ProgramListing.objects.create(program=world.program_a2, published=False)
    services.directory_publish(actor=None, organization=world.org_a)
    facility = Facility.objects.get(program=world.program_a1)
    assert facility.openings == 0 and facility.accepting_new_patients is False
    assert not Facility.objects.filter(program=world.program_a2).exists()


def test_a_site_with_an_unknown_zip_is_skipped_with_a_reason(world: World) -> None:
    Site.objects.filter(pk=world.site_a2.pk).update(zip_code="00000")
    result = services.directory_publish(actor=None, organization=world.org_a)
    assert len(result.published) == 1
    assert "00000" in result.skipped[0]


def test_only_the_organizations_administrator_may_publish(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.directory_publish(actor=world.director_a, organization=world.org_a)
    with pytest.raises(PermissionDenied):
        services.directory_publish(actor=world.admin_b, organization=world.org_a)


# --- pages ------------------------------------------------------------------------------------


def test_administrator_sees_the_directory_and_publishes(client: Client, world: World) -> None:
    login(client, world.admin_a)
    page = client.get("/locator/")
    assert page.status_code == 200 and b"Evening IOP A1" in page.content
    response = client.post("/locator/publish")
    assert response.status_code == 302
    assert Facility.objects.filter(organization=world.org_a, source="own").count() == 2
    page = client.get("/locator/")
    assert b"Own schedule" not in page.content and b"National default" in page.content


def test_directory_overview_costs_the_same_number_of_queries_with_more_programs(
    client: Client, world: World
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openiop.core.testing import ProgramFactory, TrackFactory

    login(client, world.admin_a)
    services.directory_publish(actor=None, organization=world.org_a)
    client.get("/locator/")  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as small:
        assert client.get("/locator/").status_code == 200
    for i in range(6):
        program = ProgramFactory.create(site=world.site_a1, name=f"More {i}")
        track = TrackFactory.create(program=program)
        EnrollmentFactory.create(patient=PatientFactory.create(site=world.site_a1), track=track)
    services.directory_publish(actor=None, organization=world.org_a)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/locator/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_listing_page_saves_payments_and_languages_and_republishes(
    client: Client, world: World
) -> None:
    login(client, world.admin_a)
    url = f"/locator/programs/{world.program_a1.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, listing_payload())
    assert response.status_code == 302
    facility = Facility.objects.get(program=world.program_a1)
    assert Payment.keys_in(facility.payments) == ["medicaid", "private_insurance"]
    assert facility.language_keys == ["english", "spanish"]
    assert facility.telehealth and facility.phone == "(508) 555-0199"
    assert AuditEvent.objects.filter(object_type="locator.programlisting", action="change").exists()


def test_listing_page_without_a_language_is_422_with_a_field_error(
    client: Client, world: World
) -> None:
    login(client, world.admin_a)
    url = f"/locator/programs/{world.program_a1.pk}/"
    response = client.post(url, listing_payload(languages=[], website="not a url"))
    assert response.status_code == 422
    assert b"languages-errors" in response.content or b"This field is required" in response.content
    assert not ProgramListing.objects.exists()


def test_fee_schedule_page_saves_and_checks_the_figures(client: Client, world: World) -> None:
    login(client, world.admin_a)
    url = f"/locator/programs/{world.program_a1.pk}/"
    base = {
        "form": "fees",
        "daily_rate_low": "200.00",
        "daily_rate_high": "300.00",
        "location_cost_index": "1.10",
        "service_family_therapy": "40.00",
        "population_adolescents": "1.20",
    }
    assert client.post(url, base).status_code == 302
    setting = FeeScheduleSetting.objects.get(program=world.program_a1)
    assert setting.daily_rate_low == Decimal("200.00")
    assert setting.services["family_therapy"]["price"] == "40.00"
    assert setting.populations == {"adolescents": "1.20"}
    bad = client.post(url, {**base, "daily_rate_low": "400.00"})
    assert bad.status_code == 422 and b"at least the low rate" in bad.content
    assert FeeScheduleSetting.objects.get(program=world.program_a1).daily_rate_low == Decimal(
        "200.00"
    )
    assert AuditEvent.objects.filter(object_type="locator.feeschedulesetting").count() == 1


def test_a_program_of_another_organization_is_404_and_audited(client: Client, world: World) -> None:
    login(client, world.admin_a)
    url = f"/locator/programs/{world.program_b1.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, listing_payload()).status_code == 404
    assert not ProgramListing.objects.exists()
    assert (
        AuditEvent.objects.filter(
            action="denied",
            username="admin_a",
            object_type="organization.program",
            object_id=str(world.program_b1.pk),
        ).count()
        == 2
    )


def test_a_counselor_cannot_change_a_listing_and_the_attempt_is_audited(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    url = f"/locator/programs/{world.program_a1.pk}/"
    assert client.post(url, listing_payload()).status_code == 403
    assert client.post("/locator/publish").status_code == 403
    assert not ProgramListing.objects.exists() and not Facility.objects.exists()
    assert AuditEvent.objects.filter(action="denied", username="counselor_a1").count() == 2


def test_staff_pages_need_a_login(client: Client, world: World) -> None:
    response = client.get("/locator/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
