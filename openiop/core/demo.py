"""Seeded synthetic data: a realistic IOP organization for the demo, tests and benchmarks.

`build_demo(seed=..., patients=...)` creates one organization ("Riverbend Recovery
Collaborative") with three sites in two time zones, day/evening/adolescent programs, tracks
with ASAM minimums, rooms including a virtual one, staff in every role with weekly
availability and TOTP devices, and patients with a realistic mix of ages, tracks and
co-occurring conditions. Same seed, same data. Sized from tens to 100,000 patients with
bulk inserts (one audit event records the load, not one per synthetic row).

The log-in credentials are the exception: every build draws new passwords and TOTP keys from
the operating system's random source (`secrets`), never from the seed. Seeded credentials
would be the same on every demo install, so anyone who read the code or another install's
printout could log in to a demo that someone exposed on a network. `build_demo` returns them
once (`DemoResult.logins`); only their hashes and the device keys are stored.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Protocol

from django.db import connection, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import Role, User
from openiop.core import audit, db
from openiop.core.models import AuditAction
from openiop.organization.models import (
    Organization,
    Program,
    Room,
    Site,
    StaffAvailability,
    StaffProfile,
    Track,
    TrackKind,
    default_min_hours,
)
from openiop.patients.models import Contact, Enrollment, Patient

ORG_NAME = "Riverbend Recovery Collaborative"


class DemoExtension(Protocol):
    """An app's `extend_demo` (see `_extensions`)."""

    def __call__(self, *, org: Organization, rng: random.Random, today: date) -> None: ...


FIRST = [
    "Aaliyah",
    "Aiden",
    "Alejandro",
    "Amara",
    "Andre",
    "Ana",
    "Ben",
    "Brianna",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Darnell",
    "Deja",
    "Diego",
    "Elena",
    "Emily",
    "Ethan",
    "Fatima",
    "Gabriel",
    "Grace",
    "Hannah",
    "Hector",
    "Imani",
    "Isaac",
    "Jamal",
    "Jasmine",
    "Javier",
    "Jordan",
    "Jose",
    "Kai",
    "Kayla",
    "Keisha",
    "Liam",
    "Lucia",
    "Luis",
    "Malik",
    "Maria",
    "Marcus",
    "Maya",
    "Mei",
    "Miguel",
    "Mohammed",
    "Nadia",
    "Noah",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Riley",
    "Rosa",
    "Samir",
    "Sara",
    "Sofia",
    "Taylor",
    "Tyrone",
    "Valeria",
    "Wei",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adams",
    "Alvarez",
    "Baker",
    "Brown",
    "Chen",
    "Clark",
    "Cruz",
    "Davis",
    "Diaz",
    "Evans",
    "Flores",
    "Garcia",
    "Gomez",
    "Green",
    "Hall",
    "Harris",
    "Hernandez",
    "Hill",
    "Jackson",
    "Johnson",
    "Jones",
    "Kim",
    "Lee",
    "Lewis",
    "Lopez",
    "Martin",
    "Martinez",
    "Miller",
    "Mitchell",
    "Moore",
    "Nguyen",
    "Nelson",
    "Ortiz",
    "Patel",
    "Perez",
    "Phillips",
    "Ramirez",
    "Reyes",
    "Rivera",
    "Roberts",
    "Robinson",
    "Rodriguez",
    "Sanchez",
    "Scott",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Torres",
    "Walker",
    "White",
    "Williams",
    "Wilson",
    "Wright",
    "Young",
]
LANGUAGES = [
    ("English", 82),
    ("Spanish", 12),
    ("Portuguese", 2),
    ("Haitian Creole", 2),
    ("Vietnamese", 1),
    ("Mandarin", 1),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    totp_key_hex: str
    note: str


@dataclass
class DemoResult:
    organization: Organization
    logins: list[DemoLogin] = field(default_factory=list)
    patients: int = 0


SITES = [
    ("Riverbend Main Street", "120 Main Street", "Worcester", "MA", "01608", "America/New_York"),
    ("Riverbend Harbor", "45 Harbor Way", "Providence", "RI", "02903", "America/New_York"),
    ("Riverbend Lakeside", "900 Lakeshore Drive", "Chicago", "IL", "60611", "America/Chicago"),
]

PROGRAMS = [
    ("Day IOP", "Weekday mornings, 9:00-12:00, for people between jobs or on leave."),
    ("Evening IOP", "Weekday evenings 18:00-21:00 and Saturday mornings, for people who work."),
    ("Adolescent IOP", "After school, 15:30-18:30, for ages 13-17, with family sessions."),
]

TRACKS = {
    "Day IOP": [
        (TrackKind.SUBSTANCE_USE, "Substance use (day)"),
        (TrackKind.MENTAL_HEALTH, "Mental health (day)"),
        (TrackKind.EATING_DISORDERS, "Eating disorders (day)"),
    ],
    "Evening IOP": [
        (TrackKind.SUBSTANCE_USE, "Substance use (evening)"),
        (TrackKind.ALCOHOL, "Alcohol (evening)"),
        (TrackKind.MENTAL_HEALTH, "Mental health (evening)"),
    ],
    "Adolescent IOP": [(TrackKind.ADOLESCENTS, "Adolescents")],
}

STAFF = [
    ("admin", "Avery", "Stone", Role.ADMINISTRATOR, "", [0, 1, 2], False),
    ("director", "Dana", "Whitfield", Role.CLINICAL_DIRECTOR, "LICSW", [0, 1, 2], True),
    ("counselor.main", "Casey", "Morgan", Role.COUNSELOR, "LADC", [0], False),
    ("counselor.harbor", "Harper", "Quinn", Role.COUNSELOR, "LMHC", [1], False),
    ("counselor.lake", "Logan", "Reyes", Role.COUNSELOR, "CADC", [2], False),
    ("intake", "Imani", "Brooks", Role.INTAKE_COORDINATOR, "", [0, 1], False),
    ("billing", "Blake", "Carter", Role.BILLING, "", [0, 1, 2], False),
    ("frontdesk", "Frankie", "Diaz", Role.FRONT_DESK, "", [0], False),
    ("peer", "Pat", "Alvarez", Role.PEER_SPECIALIST, "CPRS", [0, 1], False),
]
EXTRA_COUNSELOR_CREDENTIALS = ["LADC", "LMHC", "LICSW", "CADC", "LCSW", "CADC-T"]


# fmt: off
PASSWORD_WORDS = (
    "amber", "anchor", "aspen", "badger", "beacon", "birch", "bramble", "breeze",
    "canyon", "cedar", "cinder", "clover", "comet", "copper", "coral", "cricket",
    "delta", "ember", "falcon", "fern", "fjord", "garnet", "glacier", "granite",
    "harbor", "hazel", "heron", "island", "jasper", "juniper", "kestrel", "lantern",
    "larch", "maple", "meadow", "mesa", "moss", "nectar", "orbit", "otter",
    "pebble", "pine", "prairie", "quartz", "raven", "ridge", "river", "saffron",
    "sage", "sparrow", "spruce", "summit", "thistle", "timber", "tundra", "valley",
    "violet", "walnut", "willow", "zephyr", "acorn", "basil", "dune", "flint",
)
# fmt: on


def _password() -> str:
    """A fresh passphrase (four words of 64 and three digits, about 34 bits), easy to type in
    a demo and never the same on two installs; the TOTP step and the log-in lock-out stand
    behind it as for any user."""
    words = "-".join(secrets.choice(PASSWORD_WORDS) for _ in range(4))
    return f"{words}-{100 + secrets.randbelow(900)}"


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


@transaction.atomic
def build_demo(*, seed: int = 7, patients: int = 60, today: date | None = None) -> DemoResult:
    """Create the demo organization. Refuses to run twice on one database."""
    if Organization.objects.filter(name=ORG_NAME).exists():
        raise ValueError(f"{ORG_NAME!r} already exists in this database")
    rng = random.Random(seed)
    today = today or timezone.localdate()
    org = Organization.objects.create(name=ORG_NAME)
    result = DemoResult(organization=org)
    sites, programs, tracks = _make_sites(rng, org)
    for row in _staff_rows(rng):
        login = _make_staff(rng, org, row, sites, programs, tracks)
        if login is not None:
            result.logins.append(login)
    _make_patients(rng, org, sites, programs, tracks, patients, today)
    result.patients = patients
    _fresh_statistics()
    for name, extend_demo in _extensions():
        extend_demo(org=org, rng=random.Random(f"{seed}:{name}"), today=today)
        _fresh_statistics()
    # Appointments beside the groups (they need the published weeks, and the portal shows
    # them); a prescriber is added, whose login is printed.
    from openiop.appointments import demo as appointments_demo

    for username, password, role, key, note in appointments_demo.extend_demo(
        org=org,
        rng=random.Random(f"{seed}:{appointments_demo.__name__}"),
        today=today,
        make_password=_password,
    ):
        result.logins.append(DemoLogin(username, password, role, key, note))
    _fresh_statistics()
    # The portal comes last (it needs consents, published weeks and admissions) and returns
    # its two logins (a patient and a family member) for printing.
    from openiop.portal import demo as portal_demo

    for username, password, role, key, note in portal_demo.extend_demo(
        org=org,
        rng=random.Random(f"{seed}:{portal_demo.__name__}"),
        today=today,
        make_password=_password,
    ):
        result.logins.append(DemoLogin(username, password, role, key, note))
    audit.record(
        actor=None,
        organization_id=org.pk,
        action=AuditAction.ADD,
        object_type="demo",
        detail=f"demo data loaded: seed {seed}, {patients} patients",
        part2=False,
    )
    return result


def _fresh_statistics() -> None:
    """ANALYZE between the stages on PostgreSQL, inside the load's own transaction.

    Each stage reads what the previous ones wrote (and updates it by joins). Statistics taken
    when a table was empty, or never taken, make PostgreSQL plan those joins as nested loops
    over rows it thinks are not there: one UPDATE of a patient's screen results once ran for
    a minute this way. ANALYZE may run inside a transaction block and counts the rows the
    transaction itself inserted (PostgreSQL documentation, "ANALYZE" and "14.2. Statistics
    Used by the Planner": <https://www.postgresql.org/docs/current/sql-analyze.html>).
    SQLite plans these joins well without statistics, so it is left alone."""
    if connection.vendor == "postgresql":
        db.analyze()


def _extensions() -> list[tuple[str, DemoExtension]]:
    """Each app extends the demo with its `<app>/demo.py` `extend_demo(*, org, rng, today)`,
    run in this order after the core data, in the same transaction (scheduling needs
    intake's availability, delivery the published weeks, care delivery's attendance and notes).

    Imported here rather than at the top because intake's demo borrows this module's name
    lists. Each extension's random stream is seeded with its module name, so renaming a
    module changes its demo data."""
    from openiop.authorizations import demo as authorizations_demo
    from openiop.billing import demo as billing_demo
    from openiop.care import demo as care_demo
    from openiop.delivery import demo as delivery_demo
    from openiop.fhir import demo as fhir_demo
    from openiop.intake import demo as intake_demo
    from openiop.intake import demo_state_report
    from openiop.locator import demo as locator_demo
    from openiop.outcomes import demo as outcomes_demo
    from openiop.privacy import demo as privacy_demo
    from openiop.scheduling import demo as scheduling_demo
    from openiop.support import demo as support_demo

    modules = (
        intake_demo,
        privacy_demo,
        scheduling_demo,
        delivery_demo,
        care_demo,
        locator_demo,
        billing_demo,
        authorizations_demo,
        fhir_demo,
        support_demo,
        outcomes_demo,
        demo_state_report,
    )
    return [(module.__name__, module.extend_demo) for module in modules]


def _make_sites(
    rng: random.Random, org: Organization
) -> tuple[list[Site], list[Program], list[Track]]:
    """The three sites, each with the three programs and their tracks (ASAM minimums from
    `default_min_hours`) and three rooms, plus two virtual rooms shared by all sites."""
    sites = [
        Site.objects.create(
            organization=org,
            name=n,
            address=a,
            city=c,
            state=s,
            zip_code=z,
            timezone=tz,
            phone=f"(555) 01{i}-2{i}00",
        )
        for i, (n, a, c, s, z, tz) in enumerate(SITES)
    ]
    programs: list[Program] = []
    tracks: list[Track] = []
    for site in sites:
        for pname, desc in PROGRAMS:
            program = Program.objects.create(
                site=site, name=pname, description=desc, accepting_new_patients=rng.random() > 0.15
            )
            programs.append(program)
            tracks.extend(_make_track(program, kind, tname) for kind, tname in TRACKS[pname])
        for r in range(1, 4):
            Room.objects.create(
                organization=org,
                site=site,
                name=f"{site.name.split()[-1]} room {r}",
                capacity=rng.choice([10, 12, 14]),
            )
    Room.objects.create(organization=org, name="Telehealth room A", capacity=12, virtual=True)
    Room.objects.create(organization=org, name="Telehealth room B", capacity=12, virtual=True)
    return sites, programs, tracks


def _make_track(program: Program, kind: str, name: str) -> Track:
    adolescent = kind == TrackKind.ADOLESCENTS
    return Track.objects.create(
        program=program,
        kind=kind,
        name=name,
        min_weekly_hours=default_min_hours(kind),
        min_group=3,
        max_group=10 if adolescent else 12,
        min_age=13 if adolescent else 18,
        max_age=17 if adolescent else 120,
    )


StaffRow = tuple[str, str, str, str, str, list[int], bool]


def _staff_rows(rng: random.Random) -> list[StaffRow]:
    """The named staff of `STAFF` (the demo logins) and nine more counselors, three a site."""
    staff_rows: list[StaffRow] = list(STAFF)
    for i in range(9):
        site_index = i % 3
        staff_rows.append(
            (
                f"counselor{i + 1}",
                rng.choice(FIRST),
                rng.choice(LAST),
                Role.COUNSELOR,
                rng.choice(EXTRA_COUNSELOR_CREDENTIALS),
                [site_index],
                False,
            )
        )
    return staff_rows


def _make_staff(
    rng: random.Random,
    org: Organization,
    row: StaffRow,
    sites: list[Site],
    programs: list[Program],
    tracks: list[Track],
) -> DemoLogin | None:
    """One staff member with a fresh password and TOTP device (see the module docstring),
    a profile scoped to their sites and, for counselors, tracks and weekly availability.
    Returns the login to print for the named staff of `STAFF`."""
    username, first, last, role, cred, site_idx, glass = row
    password = _password()
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        role=role,
        organization=org,
        can_break_glass=glass,
        email=f"{username}@riverbend.example",
    )
    user.set_password(password)
    user.save()
    key = secrets.token_hex(20)  # 160 bits, as django-otp's own default key
    TOTPDevice.objects.create(user=user, name="Authenticator app", key=key, confirmed=True)
    profile = StaffProfile.objects.create(
        user=user, credentials=cred, requires_cosignature=cred.endswith("-T")
    )
    my_sites = [sites[i] for i in site_idx]
    profile.sites.set(my_sites)
    my_programs = [p for p in programs if p.site in my_sites]
    profile.programs.set(my_programs)
    if role == Role.COUNSELOR:
        _make_counselor(rng, profile, [t for t in tracks if t.program in my_programs])
    if username not in {r[0] for r in STAFF}:
        return None
    note = {
        "counselor.harbor": "counselor at another site (Harbor): sees only Harbor patients"
    }.get(username, "")
    return DemoLogin(username, password, role, key, note)


def _make_counselor(rng: random.Random, profile: StaffProfile, tracks: list[Track]) -> None:
    """A counselor's tracks (most of their programs', at least two) and weekly availability:
    most weekday mornings and afternoons-to-evenings, and often Saturday morning."""
    profile.tracks.set([t for t in tracks if rng.random() < 0.85] or tracks[:2])
    windows = (
        [(d, time(9), time(12)) for d in range(5) if rng.random() < 0.75]
        + [(d, time(15), time(21)) for d in range(5) if rng.random() < 0.75]
        + ([(5, time(9), time(13))] if rng.random() < 0.7 else [])
    )
    StaffAvailability.objects.bulk_create(
        [StaffAvailability(staff=profile, weekday=d, start=s, end=e) for d, s, e in windows]
    )


def _years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February), so that a
    person born up to 360 days before it is exactly `years` old on `day`, in any year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _make_patients(
    rng: random.Random,
    org: Organization,
    sites: list[Site],
    programs: list[Program],
    tracks: list[Track],
    count: int,
    today: date,
) -> None:
    """`count` patients with their enrolments and an emergency contact, in batches of 2,000
    bulk inserts."""
    by_program: dict[int, list[Track]] = {}
    for t in tracks:
        by_program.setdefault(t.program_id, []).append(t)
    batch = 2000
    mrn = 0
    for start in range(0, count, batch):
        rows: list[Patient] = []
        plan: list[list[Track]] = []
        for _ in range(min(batch, count - start)):
            mrn += 1
            patient, chosen = _draw_patient(rng, org, sites, programs, by_program, mrn, today)
            rows.append(patient)
            plan.append(chosen)
        created = Patient.objects.bulk_create(rows)
        enrollments: list[Enrollment] = []
        contacts: list[Contact] = []
        for patient, chosen in zip(created, plan, strict=True):
            started = today - timedelta(days=rng.randint(0, 70))
            for track in chosen:
                enrollments.append(
                    Enrollment(
                        patient=patient,
                        track=track,
                        starts_on=started,
                        required_weekly_hours=Decimal(track.min_weekly_hours),
                    )
                )
            contacts.append(_emergency_contact(rng, patient, today))
        Enrollment.objects.bulk_create(enrollments)
        Contact.objects.bulk_create(contacts)


def _draw_patient(
    rng: random.Random,
    org: Organization,
    sites: list[Site],
    programs: list[Program],
    by_program: dict[int, list[Track]],
    mrn: int,
    today: date,
) -> tuple[Patient, list[Track]]:
    """One unsaved patient and the tracks to enrol them in: about 12% adolescents in the
    adolescent program, adults aged around 36, and about a third of adults in a substance
    or alcohol track also in the mental-health track (co-occurring conditions)."""
    adolescent = rng.random() < 0.12
    age = rng.randint(13, 17) if adolescent else min(75, max(18, int(rng.gauss(36, 12))))
    born = _years_before(today, age) - timedelta(days=rng.randint(1, 360))
    site = rng.choices(sites, weights=[5, 3, 2])[0]
    site_programs = [p for p in programs if p.site_id == site.pk]
    program = (
        next(p for p in site_programs if p.name == "Adolescent IOP")
        if adolescent
        else rng.choice([p for p in site_programs if p.name != "Adolescent IOP"])
    )
    options = by_program[program.pk]
    chosen = [rng.choice(options)]
    kinds = {t.kind for t in options}
    if (
        not adolescent
        and TrackKind.MENTAL_HEALTH in kinds
        and chosen[0].kind in (TrackKind.SUBSTANCE_USE, TrackKind.ALCOHOL)
        and rng.random() < 0.35
    ):
        chosen.append(next(t for t in options if t.kind == TrackKind.MENTAL_HEALTH))
    sex = rng.choice(["female", "male", "female", "male", "unknown"])
    language = _weighted(rng, LANGUAGES)
    patient = Patient(
        organization=org,
        site=site,
        program=program,
        mrn=f"{mrn:07d}",
        first_name=rng.choice(FIRST),
        last_name=rng.choice(LAST),
        date_of_birth=born,
        sex_at_birth=sex,
        preferred_language=language,
        interpreter_needed=language != "English" and rng.random() < 0.5,
        phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        city=site.city,
        state=site.state,
        zip_code=site.zip_code,
    )
    return patient, chosen


def _emergency_contact(rng: random.Random, patient: Patient, today: date) -> Contact:
    """A minor's emergency contact is a parent; an adult's is drawn from close relations."""
    relation = (
        "Parent"
        if patient.age_on(today) < 18
        else rng.choice(["Spouse", "Partner", "Sibling", "Parent", "Friend"])
    )
    return Contact(
        patient=patient,
        name=f"{rng.choice(FIRST)} {patient.last_name}",
        relationship=relation,
        phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        is_emergency=True,
    )
