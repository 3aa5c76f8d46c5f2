"""Demo data for the public directory (called by `openiop.core.demo.build_demo`).

Publishes the demo organization's programs (with listings: payments, languages, telehealth,
and a fee schedule for the Main Street programs) and imports about 300 synthetic external
facilities around Massachusetts, Rhode Island and Chicago through the real CSV import, so
that a search near 01608 (Worcester) or 60611 (Chicago) shows a realistic mix. The public home
and program pages show the published week's group times (the Main Street Evening IOP meets in
the evening and on Saturday), and the Main Street Adolescent IOP is full, with a waiting list:
its group size is set to the number of teenagers enrolled. Names, phone
numbers (555-01xx, reserved for fiction) and web addresses (example.org) are invented.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from openiop.locator import geo, services
from openiop.locator.codes import Payment, languages_text
from openiop.locator.models import FeeScheduleSetting, ProgramListing
from openiop.organization.models import Organization, Program, Track
from openiop.patients.models import EnrollmentStatus

SITE_LANGUAGES = {
    "Riverbend Main Street": ["english", "spanish"],
    "Riverbend Harbor": ["english", "portuguese", "haitian_creole"],
    "Riverbend Lakeside": ["english", "spanish"],
}
PROGRAM_PAYMENTS = {
    "Day IOP": [Payment.MEDICAID, Payment.PRIVATE_INSURANCE, Payment.SELF_PAY],
    "Evening IOP": [
        Payment.MEDICARE,
        Payment.PRIVATE_INSURANCE,
        Payment.SELF_PAY,
        Payment.SLIDING_FEE,
    ],
    "Adolescent IOP": [Payment.MEDICAID, Payment.PRIVATE_INSURANCE, Payment.SELF_PAY],
}
# (state, ZIP prefixes, area codes, count)
REGIONS = [
    (
        "MA",
        ("010", "014", "015", "016", "017", "018", "019", "021", "022", "023", "024"),
        ("508", "617", "978", "413", "781"),
        140,
    ),
    ("RI", ("028", "029"), ("401",), 60),
    ("IL", ("606", "600", "601", "604", "605"), ("312", "773", "847", "630", "708"), 100),
]
FIRST_WORDS = [
    "Harbor",
    "New Path",
    "Beacon",
    "Cornerstone",
    "Riverside",
    "Summit",
    "Lighthouse",
    "Open Door",
    "Crossroads",
    "Evergreen",
    "Bridgeway",
    "Northstar",
    "Clearwater",
    "Hope Street",
    "Maple",
    "Lakeview",
    "Pathways",
    "Compass",
    "Willow",
    "Renewal",
]
KINDS = [
    ("Recovery Center", ["SA"]),
    ("Behavioral Health", ["MH", "SA"]),
    ("Counseling Services", ["MH"]),
    ("Treatment Center", ["SA", "SUMH"]),
    ("Family Services", ["MH", "SA"]),
    ("Addiction Services", ["SA"]),
    ("Wellness Clinic", ["MH", "SUMH"]),
]


FULL_PROGRAM = ("Riverbend Main Street", "Adolescent IOP")


def _fill_one_program(org: Organization) -> None:
    """Make one program full (accepting, no seats left) so the waiting list shows."""
    program = Program.objects.filter(
        site__organization=org, site__name=FULL_PROGRAM[0], name=FULL_PROGRAM[1]
    ).first()
    if program is None:
        return
    Program.objects.filter(pk=program.pk).update(accepting_new_patients=True)
    tracks = Track.objects.filter(program=program).annotate(
        active=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE))
    )
    for track in tracks:
        Track.objects.filter(pk=track.pk).update(max_group=max(track.active, track.min_group))


def _publish_own(org: Organization, rng: random.Random) -> None:
    _fill_one_program(org)
    programs = list(Program.objects.filter(site__organization=org).select_related("site"))
    for program in programs:
        ProgramListing.objects.update_or_create(
            program=program,
            defaults={
                "published": True,
                "payments": Payment.mask_of(p.key for p in PROGRAM_PAYMENTS.get(program.name, [])),
                "languages": languages_text(SITE_LANGUAGES.get(program.site.name, ["english"])),
                "telehealth": program.name == "Evening IOP" or rng.random() < 0.3,
                "website": "https://riverbend.example.org/programs",
            },
        )
        if program.site.name == "Riverbend Main Street":
            FeeScheduleSetting.objects.update_or_create(
                program=program,
                defaults={
                    "daily_rate_low": Decimal("240.00"),
                    "daily_rate_high": Decimal("320.00"),
                    "location_cost_index": Decimal("1.00"),
                    "services": {
                        "family_therapy": {
                            "label": "Family therapy",
                            "price": "45.00",
                            "per": "week",
                        },
                        "drug_testing": {"label": "Drug testing", "price": "25.00", "per": "week"},
                    },
                    "populations": {"adolescents": "1.10"},
                },
            )
    services.directory_publish(actor=None, organization=org)


def _codes(rng: random.Random, kind_codes: list[str], state: str) -> list[str]:
    codes = list(kind_codes)
    settings = [("OIT", 0.5), ("OP", 0.7), ("PH", 0.15), ("RES", 0.12), ("DT", 0.12)]
    chosen = [code for code, p in settings if rng.random() < p] or ["OP"]
    codes += chosen
    codes += [
        code
        for code, p in (("ADLT", 0.92), ("CHLD", 0.22), ("YAD", 0.45), ("SNR", 0.3))
        if rng.random() < p
    ]
    codes += [
        code
        for code, p in (("MD", 0.7), ("MC", 0.4), ("PI", 0.75), ("SF", 0.8), ("SS", 0.35))
        if rng.random() < p
    ]
    codes += [
        code
        for code, p in (("TELE", 0.5), ("VET", 0.1), ("PED", 0.04), ("CBT", 0.6))
        if rng.random() < p
    ]
    if rng.random() < (0.35 if state == "IL" else 0.25):
        codes.append("SP")
    if state in ("MA", "RI") and rng.random() < 0.08:
        codes.append("F67")
    if state in ("MA", "RI") and rng.random() < 0.05:
        codes.append("F19")
    if state == "IL" and rng.random() < 0.05:
        codes.append("F66")
    return codes


CSV_COLUMNS = [
    "facility_id",
    "name",
    "street",
    "city",
    "state",
    "zip",
    "latitude",
    "longitude",
    "phone",
    "website",
    "services",
    "accepting_new_patients",
    "openings",
    "evenings",
    "weekends",
    "last_updated",
]


def external_facilities_csv(rng: random.Random, today: date) -> bytes:
    """About 300 synthetic facilities in the import format (also used by tests)."""
    places = geo.all_zip_places()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    number = 0
    for state, prefixes, area_codes, count in REGIONS:
        pool = sorted(
            (p for p in places if p.state == state and p.zip_code.startswith(prefixes)),
            key=lambda p: p.zip_code,
        )
        for _ in range(count):
            number += 1
            writer.writerow(
                _facility_row(
                    rng, f"demo-{state.lower()}-{number:04d}", state, pool, area_codes, today
                )
            )
    return out.getvalue().encode()


def _facility_row(
    rng: random.Random,
    facility_id: str,
    state: str,
    pool: list[geo.ZipPlace],
    area_codes: tuple[str, ...],
    today: date,
) -> list[str]:
    """One facility near a ZIP code of `pool`: a name, an address and telephone number in
    the region, services of its kind (`KINDS`), and hours and openings some leave blank."""
    place = rng.choice(pool)
    first = rng.choice(FIRST_WORDS)
    kind, kind_codes = rng.choice(KINDS)
    name = f"{first} {kind}" if rng.random() < 0.6 else f"{place.city.title()} {kind}"
    accepting = rng.choices(["Y", "N", ""], weights=[60, 15, 25])[0]
    openings = str(rng.randint(0, 12)) if accepting == "Y" and rng.random() < 0.6 else ""
    evenings = rng.choices(["Y", "N", ""], weights=[50, 30, 20])[0]
    weekends = rng.choices(["Y", "N", ""], weights=[25, 55, 20])[0]
    slug = name.lower().replace(" ", "-")
    return [
        facility_id,
        name,
        f"{rng.randint(2, 1900)} {rng.choice(['Main', 'Elm', 'Union', 'Park', 'Washington', 'Lake', 'Pleasant', 'Church'])} {rng.choice(['Street', 'Avenue', 'Road'])}",
        place.city.title(),
        state,
        place.zip_code,
        f"{place.latitude + rng.uniform(-0.01, 0.01):.5f}",
        f"{place.longitude + rng.uniform(-0.01, 0.01):.5f}",
        f"({rng.choice(area_codes)}) 555-01{rng.randint(0, 99):02d}",
        f"https://{slug}.example.org",
        " ".join(_codes(rng, kind_codes, state)),
        accepting,
        openings,
        evenings,
        weekends,
        (today - timedelta(days=rng.randint(3, 330))).isoformat(),
    ]


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    _publish_own(org, rng)
    services.facility_import_csv(
        actor=None,
        organization=org,
        # never "updated" in the future of the real clock, even for a demo dated ahead
        data=external_facilities_csv(rng, min(today, timezone.localdate())),
        file_name="demo-facilities.csv",
    )
