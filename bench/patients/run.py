"""Benchmark: patient list and search as the organization grows.

Fixed seed; builds the demo organization at 1,000, 10,000 and 100,000 patients in a scratch
SQLite database (or DATABASE_URL's PostgreSQL when given as BENCH_DATABASE_URL), then times
the selectors behind the patient list page (first page of 25) and the search (name word,
name + date of birth, record number) as the director (org-wide) and a site counselor.
Prints median and p95 of 30 runs per cell, with the ratio against the 1,000-patient baseline.
Usage: .venv/bin/python bench/patients/run.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

SIZES = [1_000, 10_000, 100_000]
RUNS = 30


def main() -> None:
    scratch = os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="openiop-bench-")
    os.environ.setdefault("SECRET_KEY", "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz0123")
    os.environ.setdefault("OPENIOP_INSECURE_HTTP", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "openiop.config.settings"
    rows: list[tuple[int, str, float, float]] = []
    for size in SIZES:
        os.environ["DATABASE_URL"] = (
            os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch}/bench-{size}.sqlite3"
        )
        rows.extend(_measure(size))
    baseline = {name: med for size, name, med, _ in rows if size == SIZES[0]}
    print(f"{'patients':>9} {'query':<34} {'median ms':>10} {'p95 ms':>8} {'x 1k':>6}")
    for size, name, med, p95 in rows:
        print(f"{size:>9} {name:<34} {med:>10.2f} {p95:>8.2f} {med / baseline[name]:>6.1f}")
    worst = max(p95 for *_, p95 in rows)
    verdict = "PASS" if worst <= 100 else "SLOW"
    print(
        f"{verdict}: worst p95 {worst:.1f} ms at up to {SIZES[-1]:,} patients (goal: page queries <= 100 ms)"
    )


def _measure(size: int) -> list[tuple[int, str, float, float]]:
    import django
    from django.conf import settings
    from django.db import connections

    if not settings.configured:
        django.setup()
    settings.DATABASES["default"]["NAME"] = os.environ["DATABASE_URL"].split("sqlite:///", 1)[-1]
    connections.close_all()
    for alias in list(connections):
        del connections[alias]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from openiop.accounts.models import User
    from openiop.core import demo
    from openiop.patients import selectors
    from openiop.patients.models import Patient

    demo.DEMO_EXTENSIONS = []
    if not Patient.objects.exists():
        started = time.perf_counter()
        demo.build_demo(seed=1, patients=size)
        print(
            f"# built {size:,} patients in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
    director = User.objects.get(username="director")
    counselor = User.objects.get(username="counselor.main")
    for user in (director, counselor):
        user.is_verified = lambda: True  # type: ignore[method-assign]
    sample = Patient.objects.order_by("pk")[size // 2]
    cases = {
        "list page 1 (director)": lambda: list(selectors.patient_list(director)[:25]),
        "list page 1 (site counselor)": lambda: list(selectors.patient_list(counselor)[:25]),
        "count (site counselor)": lambda: selectors.patient_count_for(counselor),
        "search last name (director)": lambda: list(
            selectors.patient_search(director, text=sample.last_name)[:100]
        ),
        "search name + dob (counselor)": lambda: list(
            selectors.patient_search(
                counselor, text=sample.first_name, date_of_birth=sample.date_of_birth
            )[:100]
        ),
        "search record number (director)": lambda: list(
            selectors.patient_search(director, text=sample.mrn)[:100]
        ),
    }
    out = []
    for name, fn in cases.items():
        fn()
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out.append((size, name, statistics.median(times), times[int(len(times) * 0.95) - 1]))
    return out


if __name__ == "__main__":
    main()
