"""Benchmark: the app's week computation (`openiop.delivery.hours.week_compliance`) including
its database reads, on SQLite, for 500 to 2,000 patients (OpenIOP goal: under 1 s for 2,000).

Fixed seed. Builds a throw-away SQLite database (migrated) with one organization, four sites in
four US time zones, four tracks each, a published week (the week New York falls back, from
Monday 26 October 2026) of 90-minute groups Monday to Saturday, about 10 scheduled sessions
per patient, attendance with every status up to Thursday noon, leaves and step-downs; then
times `week_compliance` as of Thursday noon (reads + mapping + domain + seat search).
Prints the median of 5 runs per size and a one-line verdict.

    .venv/bin/python bench/compliance/app.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SEED = 20261026
WEEK = date(2026, 10, 26)
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
BLOCKS = ((9, 0), (10, 45), (13, 0), (17, 30), (19, 15))
SESSIONS_PER_PATIENT = 10
SIZES = (500, 1000, 2000)
GOAL_PATIENTS, GOAL_SECONDS = 2000, 1.0
RUNS = 5
STATUSES = (
    ("present", 0.78),
    ("late", 0.06),
    ("left_early", 0.05),
    ("telehealth", 0.03),
    ("absent_excused", 0.04),
    ("absent_unexcused", 0.04),
)


def setup_django(path: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openiop.config.settings_test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n_patients: int, rng: random.Random) -> tuple[int, datetime]:
    """One organization with `n_patients` enrolled patients; returns its id and as_of."""
    from openiop.accounts.models import Role, User
    from openiop.delivery.models import AttendanceRecord, LeaveOfAbsence, StepDownAllowance
    from openiop.organization.models import Organization, Program, Room, Site, Track, TrackKind
    from openiop.patients.models import Enrollment, Patient
    from openiop.scheduling.models import (
        GroupSession,
        ScheduleWeek,
        SessionAssignment,
        WeekStatus,
    )

    org = Organization.objects.create(name=f"Bench {n_patients}")
    counselor = User.objects.create(
        username=f"bench-{n_patients}", role=Role.COUNSELOR, organization=org
    )
    week = ScheduleWeek.objects.create(
        organization=org, week_start=WEEK, status=WeekStatus.PUBLISHED
    )
    as_of = datetime.combine(WEEK + timedelta(days=3), clock(12), tzinfo=ZoneInfo(ZONES[0]))
    sessions: dict[tuple[int, int], list[GroupSession]] = {}
    tracks: list[Track] = []
    for z, zone in enumerate(ZONES):
        site = Site.objects.create(
            organization=org,
            name=f"Site {z}",
            address="1 Main St",
            city="Town",
            state="MA",
            zip_code="01608",
            timezone=zone,
        )
        program = Program.objects.create(site=site, name="IOP")
        room = Room.objects.create(organization=org, site=site, name=f"Room {z}", capacity=40)
        rows = []
        for k, kind in enumerate(
            (
                TrackKind.SUBSTANCE_USE,
                TrackKind.MENTAL_HEALTH,
                TrackKind.ADOLESCENTS,
                TrackKind.EATING_DISORDERS,
            )
        ):
            track = Track.objects.create(
                program=program,
                kind=kind,
                name=f"T{k}",
                min_weekly_hours=Decimal("9"),
                max_group=40,
            )
            tracks.append(track)
            for d in range(6):
                for hour, minute in BLOCKS:
                    start = datetime.combine(
                        WEEK + timedelta(days=d), clock(hour, minute), tzinfo=ZoneInfo(zone)
                    )
                    rows.append(
                        GroupSession(
                            week=week,
                            organization=org,
                            site=site,
                            track=track,
                            room=room,
                            counselor=counselor,
                            block_id=f"{d}-{hour}",
                            starts_at=start,
                            ends_at=start + timedelta(minutes=90),
                        )
                    )
        for s in GroupSession.objects.bulk_create(rows):
            sessions.setdefault((site.pk, s.track_id), []).append(s)
    patients = []
    plan = []
    sites = list(Site.objects.filter(organization=org))
    for i in range(n_patients):
        site = rng.choice(sites)
        track = rng.choice([t for t in tracks if t.program.site_id == site.pk])
        patients.append(
            Patient(
                organization=org,
                site=site,
                mrn=f"{i + 1:07d}",
                first_name="Bench",
                last_name=f"P{i}",
                date_of_birth=date(1990, 1, 1)
                if track.kind != TrackKind.ADOLESCENTS
                else date(2011, 1, 1),
            )
        )
        plan.append((site, track))
    patients = Patient.objects.bulk_create(patients, batch_size=2000)
    enrollments, assignments, records, leaves, step_downs = [], [], [], [], []
    statuses, weights = zip(*STATUSES, strict=True)
    now = datetime.now(tz=ZoneInfo("UTC"))
    for patient, (site, track) in zip(patients, plan, strict=True):
        enrollments.append(
            Enrollment(
                patient=patient,
                track=track,
                starts_on=WEEK - timedelta(days=30),
                required_weekly_hours=Decimal(rng.choice(("9", "9", "9", "12", "15"))),
            )
        )
        for s in rng.sample(sessions[(site.pk, track.pk)], SESSIONS_PER_PATIENT):
            assignments.append(SessionAssignment(session=s, patient=patient))
            if s.starts_at >= as_of:
                continue
            status = rng.choices(statuses, weights)[0]
            check_in = check_out = None
            if status == "late":
                check_in = s.starts_at + timedelta(minutes=rng.randint(5, 40))
            elif status == "left_early":
                check_out = s.ends_at - timedelta(minutes=rng.randint(10, 60))
            elif not status.startswith("absent"):
                check_in = s.starts_at + timedelta(minutes=rng.randint(-5, 3))
                check_out = s.ends_at + timedelta(minutes=rng.randint(-3, 5))
            records.append(
                AttendanceRecord(
                    session=s,
                    patient=patient,
                    status=status,
                    check_in_at=check_in,
                    check_out_at=check_out,
                    updated_at=now,
                )
            )
        if rng.random() < 0.03:
            first = WEEK + timedelta(days=rng.randrange(7))
            leaves.append(
                LeaveOfAbsence(
                    patient=patient,
                    starts_on=first,
                    ends_on=first + timedelta(days=2),
                    reason="bench",
                    created_by=counselor,
                    created_at=now,
                )
            )
        if rng.random() < 0.05:
            step_downs.append(
                StepDownAllowance(
                    patient=patient,
                    starts_on=WEEK - timedelta(days=7),
                    weekly_hours=Decimal("6"),
                    weeks=2,
                    reason="bench",
                    created_by=counselor,
                    created_at=now,
                )
            )
    Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    SessionAssignment.objects.bulk_create(assignments, batch_size=5000)
    AttendanceRecord.objects.bulk_create(records, batch_size=5000)
    LeaveOfAbsence.objects.bulk_create(leaves)
    StepDownAllowance.objects.bulk_create(step_downs)
    return org.pk, as_of


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="openiop-bench-") as tmp:
        setup_django(str(Path(tmp) / "bench.sqlite3"))
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        from openiop.delivery.hours import week_compliance

        load = os.getloadavg()[0]
        print(
            f"week_compliance on SQLite (reads + mapping + domain), week of {WEEK} (DST change), "
            f"seed {SEED}, median of {RUNS} runs"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, load average {load:.2f} (wall time suffers under "
            "load; CPU time of this process hardly does)"
        )
        print(
            f"{'patients':>8} {'records':>8} {'queries':>7} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'cpu ms':>7}  statuses"
        )
        goal_median = None
        goal_cpu = 0.0
        for size in SIZES:
            org_id, as_of = build(size, random.Random(f"{SEED}:{size}"))
            walls, cpus = [], []
            counts: dict[str, int] = {}
            queries = 0
            for _ in range(RUNS):
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    result = week_compliance(organization_id=org_id, week_start=WEEK, as_of=as_of)
                    walls.append(time.perf_counter() - started)
                    cpus.append(time.process_time() - cpu_started)
                queries = len(ctx.captured_queries)
                counts = {}
                for week in result.results.values():
                    counts[str(week.status)] = counts.get(str(week.status), 0) + 1
            from openiop.delivery.models import AttendanceRecord

            records = AttendanceRecord.objects.filter(session__organization_id=org_id).count()
            median = statistics.median(walls)
            if size == GOAL_PATIENTS:
                goal_median = median
                goal_cpu = statistics.median(cpus)
            shown = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            print(
                f"{size:>8} {records:>8} {queries:>7} {median * 1000:>10.1f} "
                f"{min(walls) * 1000:>8.1f} {max(walls) * 1000:>8.1f} "
                f"{statistics.median(cpus) * 1000:>7.1f}  {shown}"
            )
        assert goal_median is not None
        verdict = "PASS" if goal_median < GOAL_SECONDS else "FAIL"
        print(
            f"{verdict}: {GOAL_PATIENTS} patients in {goal_median * 1000:.0f} ms wall including "
            f"database reads, median of {RUNS} (goal < {GOAL_SECONDS * 1000:.0f} ms); "
            f"CPU {goal_cpu * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
