"""Read paths of the locator: the public search, home and program pages, and the
administrator's directory overview.

Search cost is independent of the directory's size: a bounding box on the indexed
(latitude, longitude) pair selects candidates in SQL together with every filter; exact
distances are computed for those candidates only (id, coordinates and program, no model
instances); the live facts of OpenIOP programs among them (openings counted from enrolments,
evening and weekend groups from the published schedule) take two more queries; then the
page's facilities are fetched by id. Four queries whatever the number of facilities.

The evening, weekend and "accepting" filters of OpenIOP programs are decided on those live
facts, the same ones the cards show, so a filter never keeps a program whose card says
otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from openiop.locator import geo
from openiop.locator.codes import CareType, Condition, Payment, Population
from openiop.locator.models import Facility, FacilitySource, HoursBasis, ImportRun
from openiop.locator.publishing import (
    Availability,
    GroupTime,
    TrackFacts,
    availability,
    capacity_and_openings,
    evening_and_weekend,
)
from openiop.organization.models import Organization, Program, Track
from openiop.patients.models import EnrollmentStatus
from openiop.scheduling.models import GroupSession, SessionStatus, WeekStatus

DEFAULT_RADIUS_MILES = 25.0
MAX_RADIUS_MILES = 250.0
DEFAULT_LIMIT = 50
SCHEDULE_LOOKBACK_WEEKS = 4  # an older published week no longer describes the program
HOME_LIMIT = 50


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
    """A facility as the public pages show it. For OpenIOP programs the openings, evening
    and weekend groups are live; for imported facilities, what the facility reported."""

    facility: Facility
    distance_miles: float | None
    openings: int | None
    capacity: int | None
    accepting: bool | None
    evenings: bool | None = None
    weekends: bool | None = None
    hours_basis: str = ""

    def __post_init__(self) -> None:
        if self.evenings is None:
            self.evenings = self.facility.evenings
        if self.weekends is None:
            self.weekends = self.facility.weekends
        if not self.hours_basis:
            self.hours_basis = self.facility.hours_basis

    @property
    def is_own(self) -> bool:
        return self.facility.source == FacilitySource.OWN

    @property
    def availability(self) -> str:
        return availability(self.accepting, self.openings).value

    @property
    def hours_note(self) -> str:
        """Where the evening and weekend labels come from, in plain words."""
        if self.hours_basis == HoursBasis.SCHEDULE:
            return "from the published group schedule"
        if self.is_own:
            return "group times not published yet"
        if self.hours_basis == HoursBasis.REPORTED:
            return "as reported by the facility"
        return "not reported"


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
    if params.telehealth:
        qs = qs.filter(telehealth=True)
    # OpenIOP programs pass on to the live check (`_passes_live`).
    for flag in ("evenings", "weekends"):
        if getattr(params, flag):
            qs = qs.filter(Q(source=FacilitySource.OWN) | Q(**{flag: True}))
    if params.accepting:
        qs = qs.filter(
            Q(source=FacilitySource.IMPORT, accepting_new_patients=True)
            & (Q(openings__isnull=True) | Q(openings__gt=0))
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


@dataclass(frozen=True)
class PublishedWeek:
    """A program's groups in its current published week, by track id."""

    week_start: date
    groups: dict[int, frozenset[GroupTime]]

    @property
    def all_groups(self) -> list[GroupTime]:
        return sorted({g for groups in self.groups.values() for g in groups})


def published_groups(
    program_ids: Iterable[int], today: date | None = None
) -> dict[int, PublishedWeek]:
    """Each program's weekly groups from the published schedule (one query).

    The week shown is the latest published week that has begun (at most
    `SCHEDULE_LOOKBACK_WEEKS` back), else the first one published ahead. Times are local to
    the program's site; cancelled sessions do not count. Programs without published groups in
    that span are absent."""
    ids = list(program_ids)
    if not ids:
        return {}
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    rows = GroupSession.objects.filter(
        track__program_id__in=ids,
        status=SessionStatus.SCHEDULED,
        week__status__in=(WeekStatus.PUBLISHED, WeekStatus.SUPERSEDED),
        week__week_start__gte=monday - timedelta(weeks=SCHEDULE_LOOKBACK_WEEKS),
        week__week_start__lte=monday + timedelta(weeks=1),
    ).values_list(
        "track__program_id",
        "track_id",
        "week__week_start",
        "starts_at",
        "ends_at",
        "track__program__site__timezone",
    )
    by_week: dict[int, dict[date, dict[int, set[GroupTime]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    zones: dict[str, ZoneInfo] = {}
    for program_id, track_id, week_start, starts_at, ends_at, zone_name in rows:
        zone = zones.setdefault(zone_name, ZoneInfo(zone_name))
        start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
        group = GroupTime(start.weekday(), start.time(), end.time())
        by_week[program_id][week_start][track_id].add(group)
    result: dict[int, PublishedWeek] = {}
    for program_id, weeks in by_week.items():
        begun = [w for w in weeks if w <= monday]
        chosen = max(begun) if begun else min(weeks)
        result[program_id] = PublishedWeek(
            chosen, {track: frozenset(groups) for track, groups in weeks[chosen].items()}
        )
    return result


@dataclass(frozen=True)
class OwnFacts:
    capacity: int
    openings: int
    accepting: bool
    week: PublishedWeek | None

    @property
    def evenings(self) -> bool:
        return evening_and_weekend(self.week.all_groups)[0] if self.week else False

    @property
    def weekends(self) -> bool:
        return evening_and_weekend(self.week.all_groups)[1] if self.week else False

    @property
    def hours_basis(self) -> str:
        return HoursBasis.SCHEDULE if self.week else HoursBasis.UNKNOWN


def own_facts(
    programs: Sequence[tuple[int, bool]], today: date | None = None
) -> dict[int, OwnFacts]:
    """Live facts of OpenIOP programs given as (id, accepting) pairs (two queries)."""
    if not programs:
        return {}
    ids = [pk for pk, _ in programs]
    live = live_openings(ids)
    weeks = published_groups(ids, today)
    result = {}
    for pk, is_accepting in programs:
        capacity, openings, accepting = live.get(pk, (0, 0, is_accepting))
        result[pk] = OwnFacts(capacity, openings, accepting, weeks.get(pk))
    return result


def _passes_live(facts: OwnFacts, params: SearchParams) -> bool:
    if params.evenings and not facts.evenings:
        return False
    if params.weekends and not facts.weekends:
        return False
    return not (
        params.accepting and availability(facts.accepting, facts.openings) is not Availability.OPEN
    )


def _hit(facility: Facility, distance: float | None, facts: OwnFacts | None) -> FacilityHit:
    if facts is None:
        return FacilityHit(
            facility,
            distance,
            facility.openings,
            facility.capacity,
            facility.accepting_new_patients,
        )
    return FacilityHit(
        facility,
        distance,
        facts.openings,
        facts.capacity,
        facts.accepting,
        evenings=facts.evenings,
        weekends=facts.weekends,
        hours_basis=facts.hours_basis,
    )


def facility_search(params: SearchParams, today: date | None = None) -> SearchResult:
    """Facilities within `radius_miles` that pass every filter, nearest first."""
    candidates = _filtered(params).values_list(
        "id", "latitude", "longitude", "program_id", "program__accepting_new_patients"
    )
    within: list[tuple[float, int, int | None, bool]] = []
    for pk, lat, lon, program_id, program_accepting in candidates:
        distance = geo.haversine_miles(params.latitude, params.longitude, lat, lon)
        if distance <= params.radius_miles:
            within.append((distance, pk, program_id, bool(program_accepting)))
    within.sort()
    live_filter = params.evenings or params.weekends or params.accepting
    # With a live filter every OpenIOP program in the radius is checked; else only the page's.
    scope = within if live_filter else within[: params.limit]
    facts = own_facts([(prog, acc) for _, _, prog, acc in scope if prog is not None], today)
    if live_filter:
        within = [w for w in within if w[2] is None or _passes_live(facts[w[2]], params)]
    page = within[: params.limit]
    by_id = Facility.objects.select_related("organization").in_bulk([pk for _, pk, _, _ in page])
    result = SearchResult(total=len(within))
    for distance, facility_id, own_id, _ in page:
        own = facts.get(own_id) if own_id is not None else None
        result.hits.append(_hit(by_id[facility_id], round(distance, 1), own))
    return result


def published_programs(today: date | None = None, limit: int = HOME_LIMIT) -> list[FacilityHit]:
    """OpenIOP programs in the directory with their live facts (for the public home page)."""
    facilities = list(
        Facility.objects.filter(source=FacilitySource.OWN)
        .select_related("organization", "program")
        .order_by("state", "city", "name", "id")[:limit]
    )
    facts = own_facts(
        [(f.program.pk, f.program.accepting_new_patients) for f in facilities if f.program],
        today,
    )
    return [_hit(f, None, facts.get(f.program_id) if f.program_id else None) for f in facilities]


@dataclass(frozen=True)
class TrackRow:
    name: str
    kind: str
    ages: str
    meetings: list[tuple[str, str]]  # (days, times), e.g. ("Mon, Wed, Thu", "6:00 pm-9:00 pm")


@dataclass
class ProgramPage:
    hit: FacilityHit
    tracks: list[TrackRow]
    week_start: date | None


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clock(t: time) -> str:
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour}:{t.minute:02d} {suffix}"


def meetings(groups: Iterable[GroupTime]) -> list[tuple[str, str]]:
    """Group times gathered by time of day: [("Mon, Thu", "6:00 pm-9:00 pm"), ...]."""
    days_at: dict[tuple[time, time], set[int]] = defaultdict(set)
    for group in groups:
        days_at[(group.start, group.end)].add(group.weekday)
    rows = sorted(days_at.items(), key=lambda item: (min(item[1]), item[0]))
    return [
        (", ".join(DAY_NAMES[d] for d in sorted(days)), f"{_clock(start)} to {_clock(end)}")
        for (start, end), days in rows
    ]


def program_page(pk: int, today: date | None = None) -> ProgramPage | None:
    """A facility of the directory for its public page; None if there is none with that id."""
    facility = (
        Facility.objects.select_related("organization", "program__site").filter(pk=pk).first()
    )
    if facility is None:
        return None
    program = facility.program if facility.source == FacilitySource.OWN else None
    if program is None:
        return ProgramPage(_hit(facility, None, None), [], None)
    facts = own_facts([(program.pk, program.accepting_new_patients)], today)[program.pk]
    tracks = []
    for track in Track.objects.filter(program=program).order_by("name", "pk"):
        groups = facts.week.groups.get(track.pk, frozenset()) if facts.week else frozenset()
        ages = (
            f"{track.min_age} to {track.max_age}"
            if track.max_age < 120
            else f"{track.min_age} and over"
        )
        tracks.append(TrackRow(track.name, track.get_kind_display(), ages, meetings(groups)))
    return ProgramPage(
        _hit(facility, None, facts), tracks, facts.week.week_start if facts.week else None
    )


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
        if params.accepting and (
            availability(facility.accepting_new_patients, facility.openings)
            is not Availability.OPEN
        ):
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
