"""Write path of the locator. Each function is one transaction that writes its audit event.

- `directory_publish`: the organization's programs publish themselves as facilities;
- `facility_import_csv`: external facilities from a CSV file (docs/locator-import.md);
- `program_listing_set`, `fee_schedule_set`: what an administrator says about a program;
- `referral_request_submit` / `referral_request_reject`: public referral requests, rate-limited
  per client address, landing in intake's pipeline through `intake.services.referral_create`;
- `search_attempt_record`: the public search's per-address limit (nothing else is stored).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from openiop.core import access, audit, db, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.costing import CostingInputError
from openiop.intake.models import Referral
from openiop.intake.services import referral_create
from openiop.locator import costs, geo, importer
from openiop.locator.codes import CareType, Payment, Population, languages_text
from openiop.locator.models import (
    OWN_ID_PREFIX,
    Facility,
    FacilitySource,
    FeeScheduleSetting,
    HoursBasis,
    ImportRun,
    ProgramListing,
    ReferralAttempt,
)
from openiop.locator.publishing import (
    TrackFacts,
    capacity_and_openings,
    conditions_mask,
    evening_and_weekend,
    populations_mask,
)
from openiop.locator.selectors import published_groups
from openiop.organization.models import Organization, Program, Track
from openiop.patients.models import EnrollmentStatus

if TYPE_CHECKING:
    from openiop.accounts.models import User

MAX_STORED_ERRORS = 500
IMPORT_UPDATE_FIELDS = [
    "source",
    "organization",
    "name",
    "address",
    "city",
    "state",
    "zip_code",
    "latitude",
    "longitude",
    "phone",
    "website",
    "care_types",
    "conditions",
    "populations",
    "payments",
    "languages",
    "telehealth",
    "evenings",
    "weekends",
    "hours_basis",
    "accepting_new_patients",
    "openings",
    "capacity",
    "last_updated",
]


def _require_administrator_of(actor: User, organization: Organization) -> None:
    policy.require(actor, Action.LOCATOR_MANAGE, object_type="locator.directory", signed_in=False)
    if access.organization_id(actor) != organization.pk:
        raise policy.refuse(actor, "That organization is not yours.", obj=organization)


# --- Publishing the organization's own programs -------------------------------------------


@dataclass
class PublishResult:
    published: list[Facility] = field(default_factory=list)
    removed: int = 0
    skipped: list[str] = field(default_factory=list)


def _track_facts(programs: Sequence[Program]) -> dict[int, list[TrackFacts]]:
    rows = (
        Track.objects.filter(program__in=programs)
        .annotate(
            active=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE))
        )
        .values_list("program_id", "kind", "min_age", "max_age", "max_group", "active")
    )
    facts: dict[int, list[TrackFacts]] = defaultdict(list)
    for program_id, kind, min_age, max_age, max_group, active in rows:
        facts[program_id].append(TrackFacts(kind, min_age, max_age, max_group, active))
    return facts


def _publish(organization: Organization, program_ids: Iterable[int] | None = None) -> PublishResult:
    programs_qs = Program.objects.filter(site__organization=organization).select_related("site")
    if program_ids is not None:
        programs_qs = programs_qs.filter(pk__in=list(program_ids))
    programs = list(programs_qs.order_by("pk"))
    listings = {x.program_id: x for x in ProgramListing.objects.filter(program__in=programs)}
    tracks = _track_facts(programs)
    weeks = published_groups([p.pk for p in programs])
    result = PublishResult()
    now = timezone.now()
    for program in programs:
        listing = listings.get(program.pk) or ProgramListing(program=program)
        if not listing.published:
            deleted, _ = Facility.objects.filter(program=program).delete()
            result.removed += deleted
            continue
        site = program.site
        place = geo.zip_place(site.zip_code)
        if place is None:
            result.skipped.append(f"{program}: site ZIP {site.zip_code} is not a known ZIP code.")
            continue
        program_tracks = tracks.get(program.pk, [])
        capacity, openings = capacity_and_openings(
            program_tracks, accepting=program.accepting_new_patients
        )
        week = weeks.get(program.pk)
        evenings, weekends = evening_and_weekend(week.all_groups if week else [])
        facility, _ = Facility.objects.update_or_create(
            program=program,
            defaults={
                "external_id": f"{OWN_ID_PREFIX}{program.pk}",
                "source": FacilitySource.OWN,
                "organization": organization,
                "name": f"{program.name} at {site.name}",
                "address": site.address,
                "city": site.city,
                "state": site.state,
                "zip_code": site.zip_code,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "phone": listing.phone or site.phone,
                "website": listing.website,
                "care_types": CareType.INTENSIVE_OUTPATIENT.mask | listing.extra_care_types,
                "conditions": conditions_mask(program_tracks),
                "populations": populations_mask(program_tracks) | listing.extra_populations,
                "payments": listing.payments,
                "languages": listing.languages,
                "telehealth": listing.telehealth,
                "evenings": evenings,
                "weekends": weekends,
                "hours_basis": HoursBasis.SCHEDULE if week else HoursBasis.UNKNOWN,
                "accepting_new_patients": program.accepting_new_patients,
                "openings": openings,
                "capacity": capacity,
                "last_updated": now,
            },
        )
        result.published.append(facility)
    return result


@service
def directory_publish(
    *,
    actor: User | None,
    organization: Organization,
    request: HttpRequest | None = None,
) -> PublishResult:
    """Publish (or refresh) every program of the organization in the public directory.

    `actor` None: the system (the `openiop locator publish` command, the demo).
    """
    if actor is not None:
        _require_administrator_of(actor, organization)
    result = _publish(organization)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type="locator.facility",
        request=request,
        organization_id=organization.pk,
        part2=False,
        detail=(
            f"directory published: {len(result.published)} program(s), "
            f"{result.removed} withdrawn, {len(result.skipped)} skipped"
        ),
    )
    return result


# --- What an administrator says about a program -------------------------------------------


@dataclass(frozen=True)
class ListingData:
    published: bool
    payments: Sequence[str]
    languages: Sequence[str]
    telehealth: bool
    extra_care_types: Sequence[str] = ()
    extra_populations: Sequence[str] = ()
    phone: str = ""
    website: str = ""


@service
def program_listing_set(
    *,
    actor: User,
    program: Program,
    data: ListingData,
    request: HttpRequest | None = None,
) -> ProgramListing:
    """Save what the directory says about `program`, then republish it."""
    organization = program.site.organization
    _require_administrator_of(actor, organization)
    try:
        listing_values: dict[str, Any] = {
            "published": data.published,
            "payments": Payment.mask_of(data.payments),
            "languages": languages_text(data.languages),
            "telehealth": data.telehealth,
            "extra_care_types": CareType.mask_of(data.extra_care_types)
            & ~CareType.INTENSIVE_OUTPATIENT.mask,
            "extra_populations": Population.mask_of(data.extra_populations),
            "phone": data.phone.strip(),
            "website": data.website.strip(),
        }
    except KeyError as exc:
        raise ValidationError({"__all__": f"Unknown choice {exc.args[0]!r}."}) from exc
    if not data.languages:
        raise ValidationError({"languages": "Choose at least one language."})
    listing = ProgramListing.objects.filter(program=program).first() or ProgramListing(
        program=program
    )
    for name, value in listing_values.items():
        setattr(listing, name, value)
    listing.full_clean()
    listing.save()
    result = _publish(organization, [program.pk])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=listing,
        fields=sorted(listing_values),
        request=request,
        organization_id=organization.pk,
        part2=False,
        detail=(
            f"directory listing of program {program.pk} saved; "
            + ("published" if result.published else "withdrawn or skipped")
        ),
    )
    return listing


@dataclass(frozen=True)
class FeeData:
    daily_rate_low: Decimal
    daily_rate_high: Decimal
    daily_rate_expected: Decimal | None
    location_cost_index: Decimal
    service_prices: dict[str, Decimal | None]  # per week; None or 0 = included in the rate
    population_multipliers: dict[str, Decimal | None]  # None = no adjustment (1.0)


FEE_FIELDS = (
    "daily_rate_low",
    "daily_rate_high",
    "daily_rate_expected",
    "location_cost_index",
)


@service
def fee_schedule_set(
    *,
    actor: User,
    program: Program,
    data: FeeData,
    request: HttpRequest | None = None,
) -> FeeScheduleSetting:
    """Save the program's fee schedule after checking it with the costing engine."""
    organization = program.site.organization
    _require_administrator_of(actor, organization)
    setting = FeeScheduleSetting.objects.filter(program=program).first() or FeeScheduleSetting(
        program=program
    )
    setting.daily_rate_low = data.daily_rate_low
    setting.daily_rate_high = data.daily_rate_high
    setting.daily_rate_expected = data.daily_rate_expected
    setting.location_cost_index = data.location_cost_index
    defaults = costs.DEFAULT_FEE_SCHEDULE.services
    setting.services = {
        key: {"label": defaults[key].label, "price": str(price), "per": "week"}
        for key, price in data.service_prices.items()
        if price and key in defaults
    }
    setting.populations = {
        key: str(value)
        for key, value in data.population_multipliers.items()
        if value is not None and value != 1
    }
    try:
        costs.schedule_from_setting(setting, name="check")
        if not costs.MIN_INDEX <= data.location_cost_index <= costs.MAX_INDEX:
            raise CostingInputError(
                "location_cost_index", f"must be between {costs.MIN_INDEX} and {costs.MAX_INDEX}"
            )
    except CostingInputError as exc:
        name = exc.field if exc.field in FEE_FIELDS else "__all__"
        raise ValidationError({name: str(exc)}) from exc
    setting.full_clean()
    setting.save()
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=setting,
        fields=[*FEE_FIELDS, "services", "populations"],
        request=request,
        organization_id=organization.pk,
        part2=False,
        detail=f"fee schedule of program {program.pk} saved",
    )
    return setting


# --- Importing external facilities ----------------------------------------------------------


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@service
def facility_import_csv(
    *,
    actor: User | None,
    organization: Organization,
    data: bytes,
    file_name: str,
    request: HttpRequest | None = None,
) -> ImportRun:
    """Import a facility file: bad rows are rejected with reasons, good rows are created or
    updated by facility id, all in this one transaction (a failure keeps the previous data).

    Raises `importer.ImportFileError` when the file as a whole is unusable. A facility id that
    belongs to another organization, or to a published program, is rejected.
    """
    if actor is not None:
        _require_administrator_of(actor, organization)
    now = timezone.now()
    parsed = importer.parse_facility_csv(data, now=now)
    existing = _existing_owners([f.external_id for f in parsed.facilities])
    errors = list(parsed.errors)
    rows: list[Facility] = []
    for f in parsed.facilities:
        prior = existing.get(f.external_id)
        if prior is not None and prior != (FacilitySource.IMPORT, organization.pk):
            errors.append(
                importer.RowError(
                    f.row,
                    "facility_id",
                    f"{f.external_id!r} is already used by another directory; choose another id.",
                )
            )
            continue
        rows.append(_imported_facility(f, organization, now))
    Facility.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=IMPORT_UPDATE_FIELDS,
    )
    # Planner statistics for the directory search once the rows are committed (core.db).
    transaction.on_commit(lambda: db.analyze(Facility), robust=True)
    created = sum(1 for r in rows if r.external_id not in existing)
    errors.sort(key=lambda e: (e.row, e.column))
    run = ImportRun.objects.create(
        organization=organization,
        actor=actor,
        file_name=file_name[:200],
        started_at=now,
        rows=parsed.rows,
        created=created,
        updated=len(rows) - created,
        rejected=len({e.row for e in errors}),
        errors=[asdict(e) for e in errors[:MAX_STORED_ERRORS]],
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=run,
        request=request,
        organization_id=organization.pk,
        part2=False,
        detail=(
            f"facility import {file_name[:80]!r}: {parsed.rows} rows, {run.created} created, "
            f"{run.updated} updated, {run.rejected} rejected"
        ),
    )
    return run


def _existing_owners(ids: list[str]) -> dict[str, tuple[str, int | None]]:
    """The source and organization of the facilities that already have these ids (read in
    chunks of 500, under every database's limit on query parameters)."""
    existing: dict[str, tuple[str, int | None]] = {}
    for chunk in _chunks(ids, 500):
        for external_id, source, owner in Facility.objects.filter(
            external_id__in=chunk
        ).values_list("external_id", "source", "organization_id"):
            existing[external_id] = (source, owner)
    return existing


def _imported_facility(
    f: importer.ParsedFacility, organization: Organization, now: datetime
) -> Facility:
    """An unsaved imported facility from a parsed row; without a "last updated" date it
    counts as updated by this import."""
    return Facility(
        external_id=f.external_id,
        source=FacilitySource.IMPORT,
        organization=organization,
        name=f.name,
        address=f.address,
        city=f.city,
        state=f.state,
        zip_code=f.zip_code,
        latitude=f.latitude,
        longitude=f.longitude,
        phone=f.phone,
        website=f.website,
        care_types=f.care_types,
        conditions=f.conditions,
        populations=f.populations,
        payments=f.payments,
        languages=f.languages,
        telehealth=f.telehealth,
        evenings=f.evenings,
        weekends=f.weekends,
        hours_basis=HoursBasis.REPORTED if f.hours_reported else HoursBasis.UNKNOWN,
        accepting_new_patients=f.accepting_new_patients,
        openings=f.openings,
        capacity=None,
        last_updated=f.last_updated or now,
    )


# --- Public referral requests ---------------------------------------------------------------


class RateLimited(Exception):
    """Too many referral requests (in the last hour) or searches (in the last minute) from
    this address."""


REFERRAL_LIMIT_PER_HOUR = 5
SEARCH_LIMIT_PER_MINUTE = 30
ATTEMPT_RETENTION = timedelta(days=1)


def referral_limit_per_hour() -> int:
    return int(getattr(settings, "LOCATOR_REFERRAL_LIMIT_PER_HOUR", REFERRAL_LIMIT_PER_HOUR))


def search_limit_per_minute() -> int:
    return int(getattr(settings, "LOCATOR_SEARCH_LIMIT_PER_MINUTE", SEARCH_LIMIT_PER_MINUTE))


def client_key(client_ip: str, scope: str = "referral") -> str:
    """A keyed hash of the address: the limit works without storing addresses in clear.

    Each limit (`scope`) hashes with its own key, so searches and referral requests from one
    address are counted apart in the same table.
    """
    key = hashlib.sha256(f"openiop-locator-{scope}:".encode() + settings.SECRET_KEY.encode())
    return hmac.new(key.digest(), client_ip.encode(), hashlib.sha256).hexdigest()


def _check_and_record(
    client_ip: str,
    outcome: str,
    *,
    scope: str = "referral",
    limit: int | None = None,
    window: timedelta = timedelta(hours=1),
) -> None:
    now = timezone.now()
    key = client_key(client_ip, scope)
    recent = ReferralAttempt.objects.filter(client_key=key, created_at__gte=now - window).count()
    if recent >= (referral_limit_per_hour() if limit is None else limit):
        raise RateLimited
    ReferralAttempt.objects.filter(created_at__lt=now - ATTEMPT_RETENTION).delete()
    ReferralAttempt.objects.create(client_key=key, created_at=now, outcome=outcome)


@service
def search_attempt_record(*, client_ip: str) -> None:
    """Count one public directory search from this address. Raises `RateLimited` past
    `LOCATOR_SEARCH_LIMIT_PER_MINUTE` searches in the last minute.

    Searching costs the database a distance query each time; the limit keeps one client from
    scraping the directory or loading the server, while a person refining a search stays
    well under it. Counted in the database like referral requests, so the limit holds across
    server processes.
    """
    _check_and_record(
        client_ip,
        "search",
        scope="search",
        limit=search_limit_per_minute(),
        window=timedelta(minutes=1),
    )


@service
def referral_request_submit(
    *,
    facility: Facility,
    client_ip: str,
    source: str,
    person: dict[str, Any],
    referrer: dict[str, Any],
    reason: str,
    consent_text: str,
    request: HttpRequest | None = None,
) -> Referral:
    """A public referral request for an OpenIOP program: rate-limited, then handed to intake
    (`referral_create`, stage "inquiry", consent stored verbatim). Raises `RateLimited`."""
    program = facility.program
    if facility.source != FacilitySource.OWN or program is None:
        raise ValidationError(
            {"facility": "This program is not on OpenIOP: please call it to ask for a referral."}
        )
    _check_and_record(client_ip, "sent")
    return referral_create(
        actor=None,
        organization=program.site.organization,
        program=program,
        source=source,
        person=person,
        referrer=referrer,
        reason=reason,
        consent_text=consent_text,
        request=request,
    )


@service
def referral_request_reject(
    *, client_ip: str, reason: str, request: HttpRequest | None = None
) -> None:
    """Count and audit a submission refused as automated (honeypot filled, sent too fast).

    Raises `RateLimited` without writing anything once the address is over its limit, so a
    flood cannot fill the audit trail.
    """
    _check_and_record(client_ip, reason[:20])
    audit.record(
        actor=None,
        action=AuditAction.SECURITY,
        object_type="locator.referral_request",
        request=request,
        part2=False,
        detail=f"public referral request refused as automated: {reason}",
    )
