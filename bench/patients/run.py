"""Benchmark: the patient list pages at 100,000 patients in one organization (OpenIOP goal:
every list page at or under 100 ms p95).

Fixed seed. Builds one organization with bulk inserts (not timed): eight sites, each with one
program of two tracks; patients spread over the sites, names drawn from a pool with accents,
hyphens and apostrophes; a third actively enrolled in a track of their site's program and a
few in another site's. The site counselor works at the first site and its program; the
clinical director sees the whole organization. Then, per case, the page's queries are timed
(RUNS runs after one warm-up; median and p95) and compared with the query the page ran
before keyset pages and the search key (same run, same data): offset pages with a COUNT,
substring search on the three name columns, the counselor's count over the visibility rule.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_patients \\
        .venv/bin/python bench/patients/run.py            # builds, then measures
    DATABASE_URL=... .venv/bin/python bench/patients/run.py --reuse   # measures the last build
    .venv/bin/python bench/patients/run.py --patients 10000           # scratch SQLite

With DATABASE_URL the database name must contain "bench" (create it first; it is migrated
here). With ``--reuse`` an organization an earlier run built for the same size and seed is
measured again instead of built.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SEED = 20261207
GOAL_MS = 100.0
RUNS = 30
SITES = 8
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Okafor",
    "Quintero",
    "Lindqvist",
    "Müller",
    "Núñez",
    "Żółć",
    "Søren",
    "O'Brien",
    "D'Arcy",
    "Garcia-López",
    "Kowalski",
    "Novak",
    "Dubois",
    "Rossi",
    "Ferrari",
    "Schmidt",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Ivanova",
    "Petrov",
    "Haddad",
    "Khalil",
    "Nasser",
    "Tanaka",
    "Suzuki",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Zhang",
    "Liu",
    "Singh",
    "Patel",
    "Shah",
]
FIRST_NAMES = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "José",
    "María",
    "Zoë",
    "Chloé",
    "Renée",
    "André",
    "Jean-Luc",
    "Anne-Marie",
    "Łukasz",
    "Björn",
    "Sinéad",
    "Seán",
    "Ngozi",
    "Chidi",
    "Aiyana",
    "Kai",
    "Noor",
    "Omar",
    "Fatima",
    "Yusuf",
    "Mei",
    "Hiro",
    "Ana",
    "Luis",
    "Rosa",
    "Alma",
    "Bruno",
    "Cora",
    "Diego",
    "Elena",
    "Farah",
    "Gita",
    "Hana",
    "Ivan",
    "Jae",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Oscar",
    "Priya",
]


@dataclass(frozen=True)
class Row:
    case: str
    median: float
    p95: float
    old_median: float | None
    old_p95: float | None


def _setup_django() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if "bench" not in url.rsplit("/", 1)[-1]:
            sys.exit("DATABASE_URL: this benchmark fills the database; use one named *bench*")
    else:
        scratch = os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="openiop-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench-patients.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz0123")
    os.environ.setdefault("OPENIOP_INSECURE_HTTP", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "openiop.config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return f"{connection.vendor} ({connection.settings_dict['NAME']})"


def _org_name(size: int, seed: int) -> str:
    return f"Patients bench {size} seed {seed}"


def build(size: int, *, seed: int) -> int:
    """The organization (id) with `size` patients."""
    from openiop.accounts.models import Role, User
    from openiop.organization.models import Organization, Program, Site, StaffProfile, Track
    from openiop.patients.models import Enrollment, EnrollmentStatus, Patient

    rng = random.Random(seed)
    org = Organization.objects.create(name=_org_name(size, seed))
    sites, programs, tracks = [], [], []
    for s in range(SITES):
        site = Site.objects.create(
            organization=org,
            name=f"Site {s + 1}",
            address=f"{s + 1} Main Street",
            city="Worcester",
            state="MA",
            zip_code="01608",
            timezone="America/New_York",
        )
        program = Program.objects.create(site=site, name=f"IOP {s + 1}")
        sites.append(site)
        programs.append(program)
        tracks.append(
            [
                Track.objects.create(
                    program=program,
                    kind="substance_use",
                    name=f"Track {t}",
                    min_weekly_hours=Decimal("9"),
                )
                for t in range(2)
            ]
        )
    director = User.objects.create(
        username=f"bench.director.{org.pk}", role=Role.CLINICAL_DIRECTOR, organization=org
    )
    StaffProfile.objects.create(user=director)
    counselor = User.objects.create(
        username=f"bench.counselor.{org.pk}", role=Role.COUNSELOR, organization=org
    )
    profile = StaffProfile.objects.create(user=counselor)
    profile.sites.set([sites[0]])
    profile.programs.set([programs[0]])

    born0 = date(1950, 1, 1)
    rows = []
    for i in range(size):
        s = rng.randrange(SITES)
        rows.append(
            Patient(
                organization=org,
                site=sites[s],
                program=programs[s] if rng.random() < 0.8 else None,
                mrn=f"{i + 1:07d}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                preferred_name=rng.choice(FIRST_NAMES) if rng.random() < 0.05 else "",
                date_of_birth=born0 + timedelta(days=rng.randrange(58 * 365)),
            )
        )
    started = time.perf_counter()
    Patient.objects.bulk_create(rows, batch_size=5000)
    patients = list(
        Patient.objects.filter(organization=org).order_by("pk").values_list("pk", "site_id")
    )
    site_index = {site.pk: n for n, site in enumerate(sites)}
    enrollments = []
    for pk, site_id in patients:
        roll = rng.random()
        if roll < 0.33:
            track = rng.choice(tracks[site_index[site_id]])
        elif roll < 0.35:
            track = rng.choice(tracks[rng.randrange(SITES)])
        else:
            continue
        enrollments.append(
            Enrollment(
                patient_id=pk,
                track=track,
                starts_on=date(2026, 1, 5) + timedelta(days=rng.randrange(300)),
                status=EnrollmentStatus.ACTIVE,
                required_weekly_hours=Decimal("9"),
            )
        )
    Enrollment.objects.bulk_create(enrollments, batch_size=5000)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE patients_patient")
            cursor.execute("ANALYZE patients_enrollment")
    print(
        f"# built {size:,} patients, {len(enrollments):,} enrolments in "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return int(org.pk)


def _old_search(user: Any, *, text: str, date_of_birth: date | None = None) -> Any:
    """The search as it was: each word a substring of any of the three name columns."""
    from django.db.models import Q

    from openiop.patients import selectors

    qs = selectors.patient_list(user)
    for word in text.split():
        if word.isdigit():
            qs = qs.filter(mrn=word)
            continue
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(preferred_name__icontains=word)
        )
    if date_of_birth is not None:
        qs = qs.filter(date_of_birth=date_of_birth)
    return qs


def _old_page(qs: Any, number: int) -> list[Any]:
    """The list as it was: Django's Paginator (a COUNT, then OFFSET/LIMIT) by 25."""
    from django.core.paginator import Paginator

    return list(Paginator(qs, 25).get_page(number).object_list)


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def measure(org_id: int) -> list[Row]:
    from openiop.accounts.models import User
    from openiop.core import access
    from openiop.patients import selectors
    from openiop.patients.models import Patient

    director = User.objects.get(username=f"bench.director.{org_id}")
    counselor = User.objects.get(username=f"bench.counselor.{org_id}")
    for user in (director, counselor):
        user.is_verified = lambda: True  # type: ignore[method-assign]
    rng = random.Random(SEED + 1)
    size = Patient.objects.filter(organization_id=org_id).count()
    sample = Patient.objects.filter(organization_id=org_id, site__name="Site 1").order_by("pk")[
        rng.randrange(size // (2 * SITES))
    ]
    scope = {u: access.patients_visible_to(u) for u in (director, counselor)}

    def first_page(user: Any) -> Callable[[], object]:
        return lambda: selectors.keyset_page(selectors.patient_list(user), scope=scope[user])

    # "Next page" deep in the list: the cursor after the patient halfway down.
    middle = {
        u: scope[u]
        .order_by("search_name", "pk")
        .values_list("pk", flat=True)[scope[u].count() // 2]
        for u in (director, counselor)
    }
    depth = {u: scope[u].count() // 2 // 25 + 1 for u in (director, counselor)}

    def next_page(user: Any) -> Callable[[], object]:
        token = selectors._cursor("n", middle[user])
        return lambda: selectors.keyset_page(
            selectors.patient_list(user), scope=scope[user], cursor=token
        )

    last = sample.last_name
    prefix = last[:4]
    typo = f"{sample.first_name[:-2]}{sample.first_name[-1]}{sample.first_name[-2]} {last}"

    def search(user: Any, text: str, dob: date | None = None) -> Callable[[], object]:
        return lambda: selectors.keyset_page(
            selectors.patient_search(user, text=text, date_of_birth=dob), scope=scope[user]
        )

    cases: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
        (
            "list page 1 (director)",
            first_page(director),
            lambda: _old_page(selectors.patient_list(director), 1),
        ),
        (
            "list page 1 (site counselor)",
            first_page(counselor),
            lambda: _old_page(selectors.patient_list(counselor), 1),
        ),
        (
            "next page, mid-list (director)",
            next_page(director),
            lambda: _old_page(selectors.patient_list(director), depth[director]),
        ),
        (
            "next page, mid-list (counselor)",
            next_page(counselor),
            lambda: _old_page(selectors.patient_list(counselor), depth[counselor]),
        ),
        (
            "name prefix (director)",
            search(director, prefix),
            lambda: list(_old_search(director, text=prefix)[:100]),
        ),
        (
            "name prefix (counselor)",
            search(counselor, prefix),
            lambda: list(_old_search(counselor, text=prefix)[:100]),
        ),
        (
            "last first + dob (counselor)",
            search(counselor, f"{last} {sample.first_name}", sample.date_of_birth),
            lambda: list(
                _old_search(
                    counselor,
                    text=f"{last} {sample.first_name}",
                    date_of_birth=sample.date_of_birth,
                )[:100]
            ),
        ),
        (
            "first name + dob (director)",
            lambda: selectors.patient_similar(
                director, text=sample.first_name, date_of_birth=sample.date_of_birth
            ),
            lambda: list(
                _old_search(director, text=sample.first_name, date_of_birth=sample.date_of_birth)[
                    :100
                ]
            ),
        ),
        (
            "similar names, typo (director)",
            lambda: selectors.patient_similar(director, text=typo),
            lambda: list(_old_search(director, text=typo)[:100]),
        ),
        (
            "similar names, typo (counselor)",
            lambda: selectors.patient_similar(counselor, text=typo),
            lambda: list(_old_search(counselor, text=typo)[:100]),
        ),
        (
            "my patients count (counselor)",
            lambda: selectors.patient_count_for(counselor),
            lambda: access.patients_visible_to(counselor).count(),
        ),
    ]
    found = selectors.patient_similar(director, text=typo)
    print(
        f"# typo {typo!r}: the sample is result {[p.pk for p in found].index(sample.pk) + 1}"
        if sample.pk in [p.pk for p in found]
        else f"# typo {typo!r}: the sample is not among the {len(found)} results",
        file=sys.stderr,
    )
    rows = []
    for name, new, old in cases:
        med, p95 = _time(new)
        old_med, old_p95 = _time(old) if old else (None, None)
        rows.append(Row(name, med, p95, old_med, old_p95))
    return rows


def _existing(size: int, seed: int) -> int | None:
    from openiop.organization.models import Organization

    org = Organization.objects.filter(name=_org_name(size, seed)).order_by("-pk").first()
    return int(org.pk) if org else None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="measure an earlier build")
    args = parser.parse_args()
    backend = _setup_django()
    org_id = _existing(args.patients, SEED) if args.reuse else None
    if org_id is None:
        org_id = build(args.patients, seed=SEED)
    else:
        print(f"# reusing the organization {org_id} built earlier", file=sys.stderr)
    rows = measure(org_id)
    print(f"patient list pages, {args.patients:,} patients in one organization, seed {SEED}")
    print(f"{backend}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {RUNS} runs")
    print(
        f"{'case':<33} {'median ms':>9} {'p95 ms':>8} {'goal':>6} "
        f"{'old median':>10} {'old p95':>8} {'old/new p95':>11}"
    )
    for r in rows:
        verdict = "met" if r.p95 <= GOAL_MS else "MISSED"
        old = (
            f"{r.old_median:>10.1f} {r.old_p95:>8.1f} {r.old_p95 / r.p95:>10.1f}x"
            if r.old_median is not None and r.old_p95 is not None
            else f"{'-':>10} {'-':>8} {'-':>11}"
        )
        print(f"{r.case:<33} {r.median:>9.1f} {r.p95:>8.1f} {verdict:>6} {old}")
    worst = max(rows, key=lambda r: r.p95)
    missed = [r.case for r in rows if r.p95 > GOAL_MS]
    print(
        ("PASS" if not missed else "MISSED")
        + f": worst p95 {worst.p95:.1f} ms ({worst.case}); goal {GOAL_MS:.0f} ms p95 per page"
        + (f"; over the goal: {', '.join(missed)}" if missed else "")
    )


if __name__ == "__main__":
    main()
