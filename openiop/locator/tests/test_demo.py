"""The demo shows the locator on realistic data: published programs and about 300 external
facilities around Worcester/Providence and Chicago."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
import time_machine

from openiop.core.testing import World
from openiop.locator import demo, geo, importer, selectors
from openiop.locator.models import Facility, FeeScheduleSetting, ImportRun

pytestmark = pytest.mark.django_db


def _near(zip_code: str, **filters: object) -> selectors.SearchResult:
    place = geo.zip_place(zip_code)
    assert place is not None
    return selectors.facility_search(
        selectors.SearchParams(place.latitude, place.longitude, **filters)  # type: ignore[arg-type]
    )


def test_the_synthetic_facility_file_is_valid_and_reproducible() -> None:
    first = demo.external_facilities_csv(random.Random(1), date(2026, 11, 1))
    assert first == demo.external_facilities_csv(random.Random(1), date(2026, 11, 1))
    parsed = importer.parse_facility_csv(first)
    assert parsed.rows == 300 and parsed.errors == []
    states = {f.state for f in parsed.facilities}
    assert states == {"MA", "RI", "IL"}


def test_extend_demo_publishes_programs_and_imports_facilities(world: World) -> None:
    demo.extend_demo(org=world.org_a, rng=random.Random(7), today=date(2026, 11, 2))
    assert Facility.objects.filter(source="own", organization=world.org_a).count() == 2
    assert Facility.objects.filter(source="import").count() == 300
    assert ImportRun.objects.get().rejected == 0
    assert _near("01608", radius_miles=25.0).total > 20
    assert _near("60611", radius_miles=10.0).total > 10


def test_the_full_demo_can_be_searched_near_worcester_and_chicago() -> None:
    from openiop.core.demo import build_demo

    with time_machine.travel(datetime(2026, 11, 4, 15, 0, tzinfo=UTC), tick=True):
        build_demo(seed=7, patients=30, today=date(2026, 11, 4))
        assert FeeScheduleSetting.objects.count() == 3  # the Main Street programs
        near_worcester = _near("01608", radius_miles=25.0)
        assert near_worcester.hits[0].facility.source == "own"
        assert near_worcester.hits[0].openings is not None
        chicago = _near("60611", radius_miles=10.0, care_type="intensive_outpatient")
        assert any(h.facility.name.endswith("Riverbend Lakeside") for h in chicago.hits)

        # The public home shows a full program with a waiting list and evening groups.
        home = {h.facility.name: h for h in selectors.published_programs()}
        full = home["Adolescent IOP at Riverbend Main Street"]
        assert full.availability == "waiting_list" and full.capacity
        evening = home["Evening IOP at Riverbend Main Street"]
        assert evening.evenings and evening.hours_basis == "schedule"
        page = selectors.program_page(evening.facility.pk)
        assert page is not None and any(track.meetings for track in page.tracks)
