"""Read paths of the locator: the public search, and the administrator's directory overview.

Search cost is independent of the directory's size: a bounding box on the indexed
(latitude, longitude) pair selects candidates in SQL together with every filter; exact
distances are computed for those candidates only (id and coordinates, no model instances);
then the page's facilities are fetched by id, and the live openings of OpenIOP programs among
them are counted in one more query. Three queries whatever the number of facilities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet

from openiop.locator import geo
from openiop.locator.codes import CareType, Condition, Payment, Population
from openiop.locator.models import Facility, FacilitySource, ImportRun
from openiop.locator.publishing import TrackFacts, capacity_and_openings
from openiop.organization.models import Organization, Program, Track
from openiop.patients.models import EnrollmentStatus

DEFAULT_RADIUS_MILES = 25.0
MAX_RADIUS_MILES = 250.0
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class SearchParams:
    latitude: float
    longitude: float
    radius_miles: float = DEFAULT_RADIUS_MILES
    care_type: str = ""
    condition: str = ""
    population: str = ""
    payment: str = ""
    language: str = ""
    evenings: bool = False
    weekends: bool = False
    telehealth: bool = False
    accepting: bool = False
    limit: int = DEFAULT_LIMIT


@dataclass
class FacilityHit:
    facility: Facility
    distance_miles: float
    openings: int | None
    capacity: int | None
    accepting: bool | None

    @property
    def is_own(self) -> bool:
        return self.facility.source == FacilitySource.OWN


@dataclass
class SearchResult:
    hits: list[FacilityHit] = field(default_factory=list)
    total: int = 0  # within the radius; `hits` holds the nearest `limit` of them


def _filtered(params: SearchParams) -> QuerySet[Facility]:
    box = geo.bounding_box(params.latitude, params.longitude, params.radius_miles)
    qs = Facility.objects.filter(latitude__gte=box.lat_min, latitude__lte=box.lat_max)
    lon = Q()
    for west, east in box.lon_ranges:
        lon |= Q(longitude__gte=west, longitude__lte=east)
    qs = qs.filter(lon)
    masks = (
        ("care_types", CareType, params.care_type),
        ("conditions", Condition, params.condition),
        ("populations", Population, params.population),
        ("payments", Payment, params.payment),
    )
    for column, vocabulary, key in masks:
        if key:
            bit = vocabulary.by_key(key).mask
            alias = f"{column}_bit"
            qs = qs.alias(**{alias: F(column).bitand(bit)}).filter(**{alias: bit})
    if params.language:
        qs = qs.filter(languages__contains=f"|{params.language}|")
    for flag in ("evenings", "weekends", "telehealth"):
        if getattr(params, flag):
            qs = qs.filter(**{flag: True})
    if params.accepting:
        qs = qs.filter(
            Q(source=FacilitySource.IMPORT, accepting_new_patients=True)
            | Q(source=FacilitySource.OWN, program__accepting_new_patients=True)
        )
    return qs


def live_openings(program_ids: Sequence[int]) -> dict[int, tuple[int, int, bool]]:
    """(capacity, openings, accepting) of each program, from enrolments now (one query)."""
    rows = (
        Track.objects.filter(program_id__in=program_ids)
        .annotate(
            active=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE))
        )
        .values_list(
            "program_id",
            "kind",
            "min_age",
            "max_age",
            "max_group",
            "active",
            "program__accepting_new_patients",
        )
    )
    tracks: dict[int, list[TrackFacts]] = defaultdict(list)
    accepting: dict[int, bool] = {}
    for program_id, kind, min_age, max_age, max_group, active, is_accepting in rows:
        tracks[program_id].append(TrackFacts(kind, min_age, max_age, max_group, active))
        accepting[program_id] = is_accepting
    result: dict[int, tuple[int, int, bool]] = {}
    for program_id, facts in tracks.items():
        capacity, openings = capacity_and_openings(facts, accepting=accepting[program_id])
        result[program_id] = (capacity, openings, accepting[program_id])
    return result


def facility_search(params: SearchParams) -> SearchResult:
    """Facilities within `radius_miles` that pass every filter, nearest first."""
    candidates = _filtered(params).values_list("id", "latitude", "longitude")
    within: list[tuple[float, int]] = []
    for pk, lat, lon in candidates:
        distance = geo.haversine_miles(params.latitude, params.longitude, lat, lon)
        if distance <= params.radius_miles:
            within.append((distance, pk))
    within.sort()
    page = within[: params.limit]
    by_id = Facility.objects.select_related("organization").in_bulk([pk for _, pk in page])
    own = [f.program_id for f in by_id.values() if f.program_id is not None]
    live = live_openings(own) if own else {}
    result = SearchResult(total=len(within))
    for distance, pk in page:
        facility = by_id[pk]
        openings, capacity, accepting = (
            facility.openings,
            facility.capacity,
            facility.accepting_new_patients,
        )
        if facility.program_id is not None and facility.program_id in live:
            capacity, openings, accepting = live[facility.program_id]
        result.hits.append(FacilityHit(facility, round(distance, 1), openings, capacity, accepting))
    return result


def naive_search(params: SearchParams) -> SearchResult:
    """The same answer by a full scan in Python (no bounding box, no SQL filters): the
    benchmark's baseline. Not used by the application."""
    result = SearchResult()
    within: list[tuple[float, int, Facility]] = []
    for facility in Facility.objects.all():
        if params.care_type and not facility.care_types & CareType.by_key(params.care_type).mask:
            continue
        if params.condition and not facility.conditions & Condition.by_key(params.condition).mask:
            continue
        if (
            params.population
            and not facility.populations & Population.by_key(params.population).mask
        ):
            continue
        if params.payment and not facility.payments & Payment.by_key(params.payment).mask:
            continue
        if params.language and f"|{params.language}|" not in facility.languages:
            continue
        if any(
            getattr(params, f) and not getattr(facility, f)
            for f in ("evenings", "weekends", "telehealth")
        ):
            continue
        if params.accepting and not facility.accepting_new_patients:
            continue
        distance = geo.haversine_miles(
            params.latitude, params.longitude, facility.latitude, facility.longitude
        )
        if distance <= params.radius_miles:
            within.append((distance, facility.pk, facility))
    within.sort(key=lambda item: (item[0], item[1]))
    result.total = len(within)
    for distance, _, facility in within[: params.limit]:
        result.hits.append(
            FacilityHit(
                facility,
                round(distance, 1),
                facility.openings,
                facility.capacity,
                facility.accepting_new_patients,
            )
        )
    return result


def own_facility(pk: int | str | None) -> Facility | None:
    """A facility of the directory by id (for the cost estimate and referral pages)."""
    try:
        key = int(pk) if pk not in (None, "") else None
    except (TypeError, ValueError):
        return None
    if key is None:
        return None
    return (
        Facility.objects.select_related("program__site__organization", "organization")
        .filter(pk=key)
        .first()
    )


@dataclass
class ProgramRow:
    program: Program
    facility: Facility | None
    capacity: int
    openings: int


def directory_overview(organization: Organization) -> list[ProgramRow]:
    """The organization's programs with their published facility and live openings."""
    programs = list(
        Program.objects.filter(site__organization=organization)
        .select_related("site", "listing", "fee_schedule", "facility")
        .order_by("site__name", "name")
    )
    live = live_openings([p.pk for p in programs])
    rows = []
    for program in programs:
        capacity, openings, _ = live.get(program.pk, (0, 0, program.accepting_new_patients))
        rows.append(ProgramRow(program, getattr(program, "facility", None), capacity, openings))
    return rows


def import_runs(organization: Organization, limit: int = 10) -> list[ImportRun]:
    return list(ImportRun.objects.filter(organization=organization).select_related("actor")[:limit])


def imported_count(organization: Organization) -> int:
    return Facility.objects.filter(organization=organization, source=FacilitySource.IMPORT).count()
