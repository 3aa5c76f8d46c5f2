"""The public front door: the home page for visitors, each program's page, evening and weekend
groups from the published schedule (labels and filters alike), the waiting list instead of
"accepting" next to "0 openings", and referral requests to a full or closed program."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openiop.core.testing import EnrollmentFactory, World
from openiop.locator import geo, selectors, services
from openiop.locator.codes import Payment
from openiop.locator.models import Facility, HoursBasis, ProgramListing
from openiop.locator.publishing import Availability, GroupTime, availability
from openiop.locator.tests.factories import FacilityFactory, adolescent_program, published_group
from openiop.organization.models import Program, Site, StaffAvailability, StaffProfile
from openiop.patients.models import Patient
from openiop.scheduling.models import SessionAssignment, SessionStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # a Wednesday
MONDAY = date(2026, 3, 9)
WORCESTER = geo.zip_place("01608")
assert WORCESTER is not None


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _day(offset: int) -> date:
    return date.fromordinal(MONDAY.toordinal() + offset)


def search(**filters: object) -> selectors.SearchResult:
    assert WORCESTER is not None
    return selectors.facility_search(
        selectors.SearchParams(WORCESTER.latitude, WORCESTER.longitude, **filters)  # type: ignore[arg-type]
    )


def facility_of(program: Program) -> Facility:
    return Facility.objects.get(program=program)


def card(content: str, facility: Facility) -> str:
    """The text of one facility's card on a results page."""
    match = re.search(rf'data-facility="{facility.pk}">(.*?)</li>', content, re.S)
    assert match is not None, f"no card for {facility.name}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def full_program(world: World, name: str = "Teen IOP Full") -> Program:
    """An accepting program whose only track has every seat taken."""
    program = Program.objects.create(site=world.site_a1, name=name)
    adolescent_program(program, enrolled=3, max_group=3, evening=True)
    return program


# --- the pure rules -----------------------------------------------------------------------------


def test_accepting_with_no_openings_is_a_waiting_list() -> None:
    assert availability(True, 0) is Availability.WAITING_LIST
    assert availability(True, 3) is Availability.OPEN
    assert availability(True, None) is Availability.OPEN  # count not reported
    assert availability(False, 5) is Availability.CLOSED
    assert availability(None, None) is Availability.UNKNOWN


def test_group_times_are_gathered_by_time_of_day() -> None:
    groups = [
        GroupTime(3, time(18), time(21)),
        GroupTime(0, time(18), time(21)),
        GroupTime(5, time(9), time(12)),
    ]
    assert selectors.meetings(groups) == [
        ("Mon, Thu", "6:00 pm to 9:00 pm"),
        ("Sat", "9:00 am to 12:00 pm"),
    ]


# --- evenings and weekends from the published schedule -------------------------------------------


def test_evenings_and_weekends_come_from_published_groups_not_staff_hours(world: World) -> None:
    # A1's staff are free in the evening and on Saturday, but its groups meet weekday mornings.
    profile = StaffProfile.objects.get(user=world.counselor_a1)
    StaffAvailability.objects.create(staff=profile, weekday=1, start=time(15), end=time(21))
    StaffAvailability.objects.create(staff=profile, weekday=5, start=time(9), end=time(13))
    published_group(world.track_a1, day=_day(0), start=time(9))
    published_group(world.track_a1, day=_day(2), start=time(9))
    # A2's groups meet on Monday evening and Sunday.
    evening = adolescent_program(world.program_a2, evening=True, week_of=MONDAY)
    published_group(evening, day=_day(6), start=time(10))
    services.directory_publish(actor=None, organization=world.org_a)

    a1, a2 = facility_of(world.program_a1), facility_of(world.program_a2)
    assert (a1.evenings, a1.weekends, a1.hours_basis) == (False, False, HoursBasis.SCHEDULE)
    assert (a2.evenings, a2.weekends, a2.hours_basis) == (True, True, HoursBasis.SCHEDULE)
    hits = {h.facility.pk: h for h in search().hits}
    assert (hits[a1.pk].evenings, hits[a1.pk].weekends) == (False, False)
    assert (hits[a2.pk].evenings, hits[a2.pk].weekends) == (True, True)


def test_without_a_published_schedule_no_evening_or_weekend_is_claimed(
    client: Client, world: World
) -> None:
    profile = StaffProfile.objects.get(user=world.counselor_a1)
    StaffAvailability.objects.create(staff=profile, weekday=5, start=time(17), end=time(21))
    services.directory_publish(actor=None, organization=world.org_a)
    facility = facility_of(world.program_a1)
    assert not facility.evenings and not facility.weekends
    assert facility.hours_basis == HoursBasis.UNKNOWN
    page = client.get("/public/locator/", {"zip": "01608"}).content.decode()
    assert "Group times not published yet" in card(page, facility)
    assert names(search(evenings=True)) == []


def test_cancelled_and_old_sessions_do_not_make_an_evening(world: World) -> None:
    published_group(world.track_a1, day=_day(1), start=time(18), status=SessionStatus.CANCELLED)
    published_group(world.track_a1, day=_day(-42), start=time(18))  # six weeks ago
    published_group(world.track_a1, day=_day(1), start=time(9))
    services.directory_publish(actor=None, organization=world.org_a)
    assert not facility_of(world.program_a1).evenings
    assert names(search(evenings=True)) == []


def test_the_latest_week_that_has_begun_describes_the_program(world: World) -> None:
    published_group(world.track_a1, day=_day(-6), start=time(18))  # last week: evenings
    published_group(world.track_a1, day=_day(1), start=time(9))  # this week: mornings
    published_group(world.track_a1, day=_day(8), start=time(19))  # next week: evenings again
    week = selectors.published_groups([world.program_a1.pk])[world.program_a1.pk]
    assert week.week_start == MONDAY
    assert week.all_groups == [GroupTime(1, time(9), time(12))]
    # With nothing published yet for this week or before, next week's groups are shown.
    program = Program.objects.create(site=world.site_a1, name="Starting soon")
    track = adolescent_program(program, evening=True, week_of=_day(7))
    week = selectors.published_groups([program.pk])[program.pk]
    assert week.week_start == _day(7) and week.groups[track.pk]


def test_group_times_are_read_in_the_sites_time_zone(client: Client, world: World) -> None:
    Site.objects.filter(pk=world.site_a1.pk).update(timezone="America/Chicago")
    world.track_a1.refresh_from_db()
    session = published_group(world.track_a1, day=_day(1), start=time(17, 30))
    assert session.starts_at.astimezone(UTC).hour == 22  # 17:30 in Chicago (summer time)
    services.directory_publish(actor=None, organization=world.org_a)
    facility = facility_of(world.program_a1)
    assert facility.evenings
    page = client.get(f"/public/programs/{facility.pk}/").content.decode()
    assert "Tue" in page and "5:30 pm to 8:30 pm" in page


# --- the filters match the labels -----------------------------------------------------------------


def names(result: selectors.SearchResult) -> list[str]:
    return [hit.facility.name for hit in result.hits]


def test_the_evening_filter_keeps_exactly_the_programs_labelled_evening(
    client: Client, world: World
) -> None:
    published_group(world.track_a1, day=_day(0), start=time(18))
    daytime = adolescent_program(world.program_a2, evening=False, week_of=MONDAY)
    FacilityFactory.create(name="Imported evenings", evenings=True)
    FacilityFactory.create(name="Imported days", evenings=False)
    services.directory_publish(actor=None, organization=world.org_a)
    found = names(search(evenings=True))
    assert sorted(found) == ["Evening IOP A1 at A1", "Imported evenings"]
    assert all(hit.evenings for hit in search(evenings=True).hits)

    # A later published evening group counts at once, without publishing the directory again.
    published_group(daytime, day=_day(3), start=time(17))
    assert "Evening IOP A2 at A2" in names(search(evenings=True))

    page = client.get("/public/locator/", {"zip": "01608", "evenings": "on"}).content.decode()
    for facility in Facility.objects.filter(name__in=found):
        assert "Evening groups" in card(page, facility)
    assert "Imported days" not in page


def test_the_weekend_filter_uses_published_weekend_groups(world: World) -> None:
    published_group(world.track_a1, day=_day(5), start=time(9))
    published_group(world.track_a1, day=_day(1), start=time(18))
    services.directory_publish(actor=None, organization=world.org_a)
    assert names(search(weekends=True)) == ["Evening IOP A1 at A1"]


# --- waiting list, never "accepting" next to "0 openings" -----------------------------------------


def test_a_full_program_shows_a_waiting_list_instead_of_zero_openings(
    client: Client, world: World
) -> None:
    program = full_program(world)
    FacilityFactory.create(name="Imported full", accepting_new_patients=True, openings=0)
    services.directory_publish(actor=None, organization=world.org_a)
    facility = facility_of(program)

    for url in ("/", "/public/locator/?zip=01608"):
        text = card(client.get(url).content.decode(), facility)
        assert "Full: waiting list open" in text and "Join the waiting list" in text
        assert "Accepting new patients" not in text and "0 openings" not in text
    detail = client.get(f"/public/programs/{facility.pk}/").content.decode()
    assert "This program is full right now" in detail and "0 openings" not in detail
    assert "Accepting new patients" not in detail

    imported = Facility.objects.get(name="Imported full")
    text = card(client.get("/public/locator/?zip=01608").content.decode(), imported)
    assert "Full: ask about a waiting list" in text and "0 openings" not in text


def test_the_accepting_filter_leaves_out_full_programs(world: World) -> None:
    full_program(world)
    FacilityFactory.create(name="Imported full", accepting_new_patients=True, openings=0)
    FacilityFactory.create(name="Imported open", accepting_new_patients=True, openings=3)
    services.directory_publish(actor=None, organization=world.org_a)
    found = names(search(accepting=True))
    assert "Teen IOP Full at A1" not in found and "Imported full" not in found
    assert "Imported open" in found and "Evening IOP A1 at A1" in found
    assert all(hit.availability == "open" for hit in search(accepting=True).hits)


# --- referral requests to a full or closed program ------------------------------------------------


def test_a_referral_request_to_a_full_program_says_it_joins_the_waiting_list(
    client: Client, world: World
) -> None:
    program = full_program(world)
    services.directory_publish(actor=None, organization=world.org_a)
    page = client.get("/public/referral/", {"facility": facility_of(program).pk})
    content = page.content.decode()
    assert page.status_code == 200
    assert "This program is full right now" in content and "waiting list" in content


def test_a_referral_request_to_a_closed_program_says_so(client: Client, world: World) -> None:
    adolescent_program(world.program_a2, enrolled=1, max_group=10)  # open, 9 seats left
    services.directory_publish(actor=None, organization=world.org_a)
    Program.objects.filter(pk=world.program_a1.pk).update(accepting_new_patients=False)
    content = client.get(
        "/public/referral/", {"facility": facility_of(world.program_a1).pk}
    ).content.decode()
    assert "This program is not taking new patients right now" in content
    content = client.get(
        "/public/referral/", {"facility": facility_of(world.program_a2).pk}
    ).content.decode()
    assert "not taking new patients" not in content and "full right now" not in content


# --- the public home ---------------------------------------------------------------------------


def test_a_visitor_at_the_root_gets_the_public_home(client: Client, world: World) -> None:
    session = published_group(world.track_a1, day=_day(1), start=time(18))
    EnrollmentFactory.create(patient=world.patient_a1, track=world.track_a1)
    SessionAssignment.objects.create(session=session, patient=world.patient_a1)
    services.directory_publish(actor=None, organization=world.org_a)
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert (
        "Call or text" in content
        and "988" in content
        and "Suicide &amp; Crisis Lifeline" in content
    )
    assert "In an emergency call" in content and "911" in content
    assert 'action="/public/locator/"' in content
    assert 'href="/public/self-check/"' in content and 'href="/public/cost-estimate/"' in content
    assert "Evening IOP A1 at A1" in content
    assert f'href="/public/programs/{facility_of(world.program_a1).pk}/"' in content
    assert "Log out" not in content and "Patients" not in content
    patients = list(Patient.objects.all())
    assert world.patient_a1 in patients and len(patients) >= 3
    for patient in patients:  # no patient's name, not even one in the published group
        assert patient.first_name not in content and patient.last_name not in content


def test_the_home_page_queries_stay_flat_as_programs_are_published(
    client: Client, world: World
) -> None:
    services.directory_publish(actor=None, organization=world.org_a)
    client.get("/")
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    for n in range(5):
        program = Program.objects.create(site=world.site_a1, name=f"More {n}")
        adolescent_program(program, enrolled=1, week_of=MONDAY)
    services.directory_publish(actor=None, organization=world.org_a)
    with CaptureQueriesContext(connection) as large:
        client.get("/")
    assert len(small.captured_queries) == len(large.captured_queries)


# --- each program's page -----------------------------------------------------------------------


def test_the_program_page_shows_tracks_group_times_openings_payments_languages_directions(
    client: Client, world: World
) -> None:
    published_group(world.track_a1, day=_day(0), start=time(18))
    published_group(world.track_a1, day=_day(3), start=time(18))
    published_group(world.track_a1, day=_day(5), start=time(9))
    ProgramListing.objects.create(
        program=world.program_a1,
        payments=Payment.mask_of(["medicaid", "sliding_fee"]),
        languages="|english|spanish|",
    )
    services.directory_publish(actor=None, organization=world.org_a)
    facility = facility_of(world.program_a1)
    response = client.get(f"/public/programs/{facility.pk}/")
    content = re.sub(r"\s+", " ", response.content.decode())
    assert response.status_code == 200
    assert "SUD A1" in content
    assert "<strong>Mon, Thu</strong>, 6:00 pm to 9:00 pm" in content
    assert "<strong>Sat</strong>, 9:00 am to 12:00 pm" in content
    assert "Evening groups, weekend groups" in content
    assert "from the published group schedule" in content and "March 9, 2026" in content
    assert "12 openings of 12 places" in content and "Accepting new patients" in content
    assert "English, Spanish" in content
    assert ", ".join(facility.payment_labels) in content and "Medicaid" in content
    assert (
        "https://www.openstreetmap.org/search?query=1+Main+Street%2C+Worcester%2C+MA+01608"
        in content
    )
    assert "Request a referral" in content


def test_an_imported_facility_has_a_page_too(client: Client, world: World) -> None:
    facility = FacilityFactory.create(name="Beacon Recovery", evenings=True)
    content = client.get(f"/public/programs/{facility.pk}/").content.decode()
    assert "Beacon Recovery" in content and "as reported by the facility" in content
    assert "Request a referral" not in content


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999"])
def test_an_unknown_program_is_a_friendly_404(client: Client, world: World, pk: str) -> None:
    response = client.get(f"/public/programs/{pk}/")
    assert response.status_code == 404
    assert b"We could not find that program" in response.content
    assert b"Find a program" in response.content
