"""Search: distance ordering, each filter, unknown ZIP, bad parameters, constant queries, the
public page and the public JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle

from openiop.core.testing import World
from openiop.locator import api, geo, selectors, services
from openiop.locator.codes import CareType, Condition, Payment, Population
from openiop.locator.tests.factories import FacilityFactory, adolescent_program

pytestmark = pytest.mark.django_db

WORCESTER = geo.zip_place("01608")
assert WORCESTER is not None


def at(zip_code: str, **extra: Any) -> Any:
    place = geo.zip_place(zip_code)
    assert place is not None
    return FacilityFactory.create(
        zip_code=zip_code, latitude=place.latitude, longitude=place.longitude, **extra
    )


def search(**filters: Any) -> selectors.SearchResult:
    assert WORCESTER is not None
    return selectors.facility_search(
        selectors.SearchParams(WORCESTER.latitude, WORCESTER.longitude, **filters)
    )


def names(result: selectors.SearchResult) -> list[str]:
    return [hit.facility.name for hit in result.hits]


def test_haversine_gives_the_known_distance_between_worcester_and_boston() -> None:
    boston = geo.zip_place("02108")
    assert WORCESTER is not None and boston is not None
    miles = geo.haversine_miles(
        WORCESTER.latitude, WORCESTER.longitude, boston.latitude, boston.longitude
    )
    assert 37 < miles < 41  # about 39 miles as the crow flies


def test_bounding_box_contains_the_circle_and_splits_at_the_180th_meridian() -> None:
    box = geo.bounding_box(42.0, -71.0, 25)
    assert box.lat_min < 42 - 25 / 69.2 and box.lat_max > 42 + 25 / 69.2
    ((west, east),) = box.lon_ranges
    assert west < -71.0 - 25 / (69.2 * 0.74) and east > -71.0 + 25 / (69.2 * 0.74)
    wrapped = geo.bounding_box(52.0, 179.5, 50)
    assert len(wrapped.lon_ranges) == 2
    assert wrapped.lon_ranges[1][0] == -180.0


def test_results_are_sorted_by_distance_and_limited_to_the_radius(world: World) -> None:
    at("01608", name="Here")
    at("01609", name="Next door")
    at("02108", name="Boston")  # ~39 miles
    at("60611", name="Chicago")
    result = search(radius_miles=25)
    assert names(result) == ["Here", "Next door"]
    assert result.hits[0].distance_miles <= result.hits[1].distance_miles
    assert names(search(radius_miles=50)) == ["Here", "Next door", "Boston"]
    assert search(radius_miles=50).total == 3


@pytest.mark.parametrize(
    ("field", "value", "attrs"),
    [
        ("care_type", "detox", {"care_types": CareType.DETOX.mask}),
        ("condition", "eating_disorders", {"conditions": Condition.EATING_DISORDERS.mask}),
        ("population", "adolescents", {"populations": Population.ADOLESCENTS.mask}),
        ("payment", "sliding_fee", {"payments": Payment.SLIDING_FEE.mask}),
        ("language", "portuguese", {"languages": "|english|portuguese|"}),
        ("evenings", True, {"evenings": True}),
        ("weekends", True, {"weekends": True}),
        ("telehealth", True, {"telehealth": True}),
    ],
)
def test_each_filter_keeps_only_matching_facilities(
    world: World, field: str, value: Any, attrs: dict[str, Any]
) -> None:
    at("01608", name="Plain", accepting_new_patients=None)
    at("01609", name="Match", **attrs)
    assert names(search(**{field: value})) == ["Match"]
    assert len(search().hits) == 2


def test_a_facility_matching_several_values_matches_each_of_them(world: World) -> None:
    both = Payment.MEDICAID.mask | Payment.MEDICARE.mask
    at("01608", name="Both", payments=both)
    assert names(search(payment="medicaid")) == ["Both"]
    assert names(search(payment="medicare")) == ["Both"]
    assert names(search(payment="self_pay")) == []


def test_accepting_filter_uses_the_live_flag_of_own_programs(world: World) -> None:
    at("01608", name="Imported yes", accepting_new_patients=True)
    at("01608", name="Imported unknown", accepting_new_patients=None)
    services.directory_publish(actor=None, organization=world.org_a)
    assert "Evening IOP A1 at A1" in names(search(accepting=True))
    world.program_a1.accepting_new_patients = False
    world.program_a1.save()  # not republished: the search still knows
    found = names(search(accepting=True))
    assert "Evening IOP A1 at A1" not in found and "Imported yes" in found
    assert "Imported unknown" not in found


def test_openings_of_own_programs_are_counted_live(world: World) -> None:
    track = adolescent_program(world.program_a1, enrolled=2, max_group=10)
    services.directory_publish(actor=None, organization=world.org_a)
    from openiop.core.testing import EnrollmentFactory, PatientFactory

    EnrollmentFactory.create(patient=PatientFactory.create(site=world.site_a1), track=track)
    hit = next(h for h in search().hits if h.facility.program_id == world.program_a1.pk)
    assert (hit.capacity, hit.openings) == (22, 19)  # 12 + (10 - 3): after publishing


def test_search_costs_four_queries_whatever_the_number_of_facilities(world: World) -> None:
    services.directory_publish(actor=None, organization=world.org_a)
    for _ in range(3):
        at("01609")
    with CaptureQueriesContext(connection) as small:
        search()
    FacilityFactory.create_batch(60, latitude=42.27, longitude=-71.79)
    at("60611")
    with CaptureQueriesContext(connection) as large:
        result = search(limit=100)
    assert result.total == 65
    assert len(small.captured_queries) == len(large.captured_queries) == 4


# --- the public page ------------------------------------------------------------------------


def test_public_page_works_without_login_and_shows_distances_and_openings(
    client: Client, world: World
) -> None:
    adolescent_program(world.program_a1, enrolled=1)
    services.directory_publish(actor=None, organization=world.org_a)
    at("01609", name="Elm Street Clinic", openings=None, accepting_new_patients=None)
    assert client.get("/public/locator/").status_code == 200
    page = client.get("/public/locator/", {"zip": "01609", "radius_miles": "25"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Elm Street Clinic" in text and "0.0 miles" in text
    assert "21 openings of 22 places" in text and "from the published group schedule" in text
    assert "Openings not reported" in text
    assert "Request a referral" in text
    assert page["Cache-Control"] == "no-store"


def test_public_page_with_an_unknown_zip_is_422_with_the_reason(
    client: Client, world: World
) -> None:
    page = client.get("/public/locator/", {"zip": "00000"})
    assert page.status_code == 422 and b"not a ZIP code we know" in page.content
    page = client.get("/public/locator/", {"zip": "abc", "radius_miles": "7"})
    assert page.status_code == 422 and b"5-digit" in page.content


def test_public_page_queries_stay_flat_as_the_directory_grows(client: Client, world: World) -> None:
    services.directory_publish(actor=None, organization=world.org_a)
    at("01609")
    client.get("/public/locator/", {"zip": "01608"})
    with CaptureQueriesContext(connection) as small:
        client.get("/public/locator/", {"zip": "01608"})
    FacilityFactory.create_batch(40, latitude=42.27, longitude=-71.79)
    with CaptureQueriesContext(connection) as large:
        client.get("/public/locator/", {"zip": "01608"})
    assert len(small.captured_queries) == len(large.captured_queries)


# --- the API ----------------------------------------------------------------------------------


def test_api_returns_json_nearest_first_with_distance_miles(client: Client, world: World) -> None:
    at("02108", name="Boston", payments=Payment.MEDICAID.mask)
    at("01609", name="Near", payments=Payment.MEDICAID.mask)
    response = client.get(
        "/api/v1/locator/search", {"zip": "01608", "radius_miles": "60", "payment": "medicaid"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2 and body["zip"] == "01608"
    assert [r["name"] for r in body["results"]] == ["Near", "Boston"]
    first = body["results"][0]
    assert first["distance_miles"] < body["results"][1]["distance_miles"]
    assert first["payments"] == ["medicaid"] and first["takes_online_referrals"] is False
    assert {"openings", "accepting_new_patients", "evenings", "hours_basis"} <= set(first)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"zip": "00000"}, "zip"),
        ({"zip": "1234"}, "zip"),
        ({}, "zip"),
        ({"zip": "01608", "radius_miles": "-5"}, "radius_miles"),
        ({"zip": "01608", "radius_miles": "1000"}, "radius_miles"),
        ({"zip": "01608", "radius_miles": "far"}, "radius_miles"),
        ({"zip": "01608", "care_type": "spa"}, "care_type"),
        ({"zip": "01608", "evenings": "maybe"}, "evenings"),
        ({"zip": "01608", "limit": "0"}, "limit"),
        ({"latitude": "42.26"}, "longitude"),
        ({"latitude": "95", "longitude": "-71.8"}, "latitude"),
        ({"zip": "01608", "latitude": "42.26", "longitude": "-71.8"}, "zip"),
    ],
)
def test_api_bad_parameters_are_400_naming_the_parameter(
    client: Client, world: World, params: dict[str, str], field: str
) -> None:
    response = client.get("/api/v1/locator/search", params)
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "Invalid input" and field in body["errors"]


def test_api_is_public_and_throttled_per_address() -> None:
    assert api.LocatorSearchAPI.permission_classes == [AllowAny]
    assert api.LocatorSearchAPI.throttle_classes == [api.ClientAddressThrottle]
    assert api.CostEstimateAPI.throttle_classes == [api.ClientAddressThrottle]
    assert issubclass(api.ClientAddressThrottle, AnonRateThrottle)


def test_api_answers_429_past_the_anonymous_rate(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    statuses = [
        client.get("/api/v1/locator/search", {"zip": "01608"}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_api_also_searches_from_coordinates(client: Client, world: World) -> None:
    at("01609", name="Near")
    response = client.get(
        "/api/v1/locator/search",
        {"latitude": "42.2624", "longitude": "-71.8003", "radius_miles": "5"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["zip"] is None and [r["name"] for r in body["results"]] == ["Near"]
