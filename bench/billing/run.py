"""Benchmark: a month of charges and claims (OpenIOP goal: 2,000 patients under 10 s on
PostgreSQL, with a constant number of queries per claim).

Fixed seed. For each size, a new organization is built (audit events are append-only, so
nothing is deleted; the services only read their own organization's rows) with bulk inserts (`bench/billing/world.py`, not timed): one site, one program with four
tracks, cohorts of 10 patients meeting Monday, Wednesday and Thursday for 3 hours in a
published week, attendance (mostly present, some late, some absent), a signed group note with
a section per attendee, a treatment plan with a diagnosis, one coverage each (Medicare,
Medicaid or a commercial plan; certifications for Medicare), a treatment, payment and
operations consent for 95% of them (42 CFR 2.31: the others' charges are held by the disclosure
gate), a billing provider with fees.
Then the real services run as the billing user for November 2026, each timed and its queries
counted (CaptureQueriesContext):

- charges: `generate_charges` (its own page: the user waits for it);
- build: `build_claims` as the claims page calls it (`check_in_background=True`): claims and
  files written, left "being checked", one check task per file enqueued (the user waits for
  this);
- check: the task's work, `claim_file_check` for each file, run here one file after another
  (pyx12 validation of the 837 text, then ready or draft): on the task queue nobody waits for
  it, and several workers share the files of one build.

The table shows the ratio of time and of queries per claim against the first size (the
baseline of the run); the verdicts judge the build alone (the wait on the claims page), charges
and build (both waits) and the total with the check, each against the goal at 2,000 patients.

    .venv/bin/python bench/billing/run.py                      # scratch SQLite, 200 and 2,000
    .venv/bin/python bench/billing/run.py --patients 200
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_billing \\
        .venv/bin/python bench/billing/run.py --patients 200,2000

Each run adds its organizations to the database: with DATABASE_URL its name must contain
"bench" (create and migrate it first, as in the report of the run). The check tasks a build
enqueues stay in that database's queue (the bench runs the check itself); a worker pointed at
it would find the files checked and do nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SEED = 20261101
GOAL_PATIENTS, GOAL_SECONDS = 2000, 10.0
TOLERANCE = 0.10  # queries per claim may differ by 10% between sizes (rounding of small counts)


@dataclass(frozen=True)
class Row:
    patients: int
    charges: int
    claims: int
    files: int
    charge_seconds: float
    build_seconds: float
    check_seconds: float
    slowest_file_seconds: float  # the check's wall time with one worker per file
    charge_queries: int
    build_queries: int
    check_queries: int

    @property
    def waits(self) -> float:
        """What users wait for: generating the charges, then building the claims."""
        return self.charge_seconds + self.build_seconds

    @property
    def seconds(self) -> float:
        return self.waits + self.check_seconds

    @property
    def per_claim(self) -> float:
        queries = self.charge_queries + self.build_queries + self.check_queries
        return queries / max(self.claims, 1)

    @property
    def build_per_claim(self) -> float:
        return self.build_queries / max(self.claims, 1)


def _setup_django() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if "bench" not in url.rsplit("/", 1)[-1]:
            sys.exit("DATABASE_URL: this benchmark fills the database; use one named *bench*")
    else:
        scratch = os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="openiop-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench-billing.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz0123")
    os.environ.setdefault("OPENIOP_INSECURE_HTTP", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "openiop.config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return f"{connection.vendor} ({connection.settings_dict['NAME']})"


def _measure(size: int) -> Row:
    import world
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openiop.billing import services
    from openiop.billing.models import Charge, ChargeStatus, ClaimStatus

    started = time.perf_counter()
    actor = world.build(size, seed=SEED)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"# built {size:,} patients in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    with CaptureQueriesContext(connection) as charge_q:
        t0 = time.perf_counter()
        services.generate_charges(
            actor=actor, first_day=world.FIRST, last_day=world.LAST, signed_in=False
        )
        charge_seconds = time.perf_counter() - t0
    with CaptureQueriesContext(connection) as build_q:
        t0 = time.perf_counter()
        built = services.build_claims(
            actor=actor,
            first_day=world.FIRST,
            last_day=world.LAST,
            signed_in=False,
            check_in_background=True,
        )
        build_seconds = time.perf_counter() - t0
    checked = []
    slowest = 0.0
    with CaptureQueriesContext(connection) as check_q:
        t0 = time.perf_counter()
        for f in built.files:
            t1 = time.perf_counter()
            checked.append(services.claim_file_check(claim_file_id=f.pk))
            slowest = max(slowest, time.perf_counter() - t1)
        check_seconds = time.perf_counter() - t0
    if any(f is None or f.status != ClaimStatus.READY for f in checked):
        print("# warning: a claim file was not ready after its check", file=sys.stderr)
    charges = (
        Charge.objects.filter(organization_id=int(actor.organization_id or 0))
        .exclude(status=ChargeStatus.VOID)
        .count()
    )
    return Row(
        size,
        charges,
        built.claims,
        len(built.files),
        charge_seconds,
        build_seconds,
        check_seconds,
        slowest,
        len(charge_q.captured_queries),
        len(build_q.captured_queries),
        len(check_q.captured_queries),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="200,2000", help="sizes, comma-separated")
    sizes = [int(s) for s in parser.parse_args().patients.split(",") if s.strip()]
    backend = _setup_django()
    rows = [_measure(size) for size in sizes]
    load = os.getloadavg()[0]
    print(f"charges and claims for {world_period()}, seed {SEED}, {backend}")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f} (wall time suffers under load)")
    print(
        f"{'patients':>8} {'charges':>7} {'claims':>6} {'files':>5} {'charges s':>9} "
        f"{'build s':>7} {'check s':>7} {'slowest file s':>14} {'total s':>7} {'x base':>6} {'q charges':>9} "
        f"{'q build':>7} {'q check':>7} {'q/claim':>7} {'x base':>6} {'build q/claim':>13}"
    )
    base = rows[0]
    for r in rows:
        print(
            f"{r.patients:>8,} {r.charges:>7,} {r.claims:>6,} {r.files:>5} "
            f"{r.charge_seconds:>9.2f} {r.build_seconds:>7.2f} {r.check_seconds:>7.2f} "
            f"{r.slowest_file_seconds:>14.2f} "
            f"{r.seconds:>7.2f} {r.seconds / base.seconds:>6.1f} {r.charge_queries:>9,} "
            f"{r.build_queries:>7,} {r.check_queries:>7,} {r.per_claim:>7.3f} "
            f"{r.per_claim / base.per_claim:>6.2f} {r.build_per_claim:>13.4f}"
        )
    for line in _verdict(rows):
        print(line)


def world_period() -> str:
    import world

    return f"{world.FIRST} to {world.LAST}"


def _verdict(rows: list[Row]) -> list[str]:
    """Queries per claim must not grow with size (a fixed part spread over more claims may
    make it fall); the time goal is judged at GOAL_PATIENTS, separately for the build alone
    (the wait on the claims page), for both waits (charges, then build) and for the total with
    the check (the task queue's work, run here in one process)."""
    base = rows[0].per_claim
    low, high = min(r.per_claim for r in rows), max(r.per_claim for r in rows)
    grown = [r for r in rows[1:] if r.per_claim > base * (1 + TOLERANCE)]
    if grown:
        return [
            f"NOT CONSTANT: {base:.2f} queries per claim at {rows[0].patients:,} patients, "
            f"{grown[-1].per_claim:.2f} at {grown[-1].patients:,}"
        ]
    queries = f"{low:.3f} to {high:.3f} queries per claim (constant or falling)"
    goal = next((r for r in rows if r.patients == GOAL_PATIENTS), None)
    if goal is None:
        return [f"NO VERDICT on time: run --patients {GOAL_PATIENTS} ({queries})"]

    def judged(what: str, seconds: float) -> str:
        verdict = "MET" if seconds < GOAL_SECONDS else "SLOW"
        return f"{verdict}: {what}: {GOAL_PATIENTS:,} patients in {seconds:.2f} s (goal < {GOAL_SECONDS:.0f} s)"

    return [
        judged("build (the wait on the claims page)", goal.build_seconds),
        judged("charges + build (both waits)", goal.waits),
        judged("total with the check (one process)", goal.seconds),
        judged(
            f"total with one worker per file ({goal.files} files; the largest bounds it)",
            goal.waits + goal.slowest_file_seconds,
        ),
        queries,
    ]


if __name__ == "__main__":
    main()
