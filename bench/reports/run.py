"""Benchmark: the outcomes dashboard for a year (OpenIOP goal: 10,000 patients under 2 s on
PostgreSQL, with the same number of queries at every size).

Fixed seed. For each size a new organization is built with bulk inserts (not timed): one
site in New York, two programs of two tracks each, group sessions Monday, Wednesday and
Thursday (3 hours) for every track from October 2025 to January 2027; each patient referred
then admitted once between October 2025 and December 2026 (a fifth of them admitted again
after their discharge), attending their track's sessions (mostly present, some late or
absent), a PHQ-9 and a GAD-7 every four weeks, a drug screen every two weeks (one result,
some positive, a few expected), a discharge of each type for the episodes that ended, an
alumni follow-up and a peer contact after most discharges, a few leaves; plus referrals that
led nowhere. Then `openiop.outcomes.selectors.dashboard` is timed for the year 2026 as of
15 January 2027 (whole organization, then one program), median and slowest of RUNS runs, with
the number of queries; the ratio is against the first size of the same run.

    .venv/bin/python bench/reports/run.py                       # scratch SQLite, 1,000 and 10,000
    .venv/bin/python bench/reports/run.py --patients 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports \\
        .venv/bin/python bench/reports/run.py

Each run adds its organizations to the database: with DATABASE_URL its name must contain
"bench" (create it first; it is migrated here). With ``--reuse`` a size whose organization an
earlier run left in the database (same seed, so the same data) is measured again instead of
built (building 10,000 patients takes minutes):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports \\
        .venv/bin/python bench/reports/run.py --reuse
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SEED = 20270115
START, END, AS_OF = date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 15)
FIRST_DAY, LAST_DAY = date(2025, 10, 1), date(2026, 12, 15)
ZONE = "America/New_York"
MEETING_DAYS = (0, 2, 3)
GOAL_PATIENTS, GOAL_SECONDS = 10_000, 2.0
RUNS = 5
ENDINGS = (
    ("completed", 0.45),
    ("stepped_down", 0.15),
    ("transferred_up", 0.08),
    ("against_advice", 0.22),
    ("administrative", 0.10),
)


@dataclass(frozen=True)
class Row:
    patients: int
    case: str
    median: float
    slowest: float
    queries: int


def _setup_django() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if "bench" not in url.rsplit("/", 1)[-1]:
            sys.exit("DATABASE_URL: this benchmark fills the database; use one named *bench*")
    else:
        scratch = os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="openiop-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench-reports.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz0123")
    os.environ.setdefault("OPENIOP_INSECURE_HTTP", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "openiop.config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return f"{connection.vendor} ({connection.settings_dict['NAME']})"


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll < total:
            return value
    return weighted[-1][0]


def _ids(model: Any, objs: list[Any], **filters: Any) -> list[Any]:
    """bulk_create's objects with their ids (old SQLite returns none: read them back)."""
    if all(o.pk for o in objs):
        return objs
    return list(model.objects.filter(**filters).order_by("pk"))


def build(n_patients: int, *, seed: int) -> tuple[int, int]:
    """The organization; returns its id and the id of its first program."""
    from openiop.accounts.models import Role, User
    from openiop.care.models import AlumniFollowUp, Discharge, DrugScreen
    from openiop.care.models.screens import DrugScreenResult
    from openiop.delivery.models import AttendanceRecord, LeaveOfAbsence
    from openiop.intake.models import Admission, Referral, ScreeningResponse
    from openiop.organization.models import Organization, Program, Room, Site, Track
    from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
    from openiop.scheduling.models import GroupSession, ScheduleWeek, WeekStatus
    from openiop.support.models import PeerContact

    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    tag = f"{n_patients}-{Organization.objects.count() + 1}"
    org = Organization.objects.create(name=f"Reports bench {tag}")
    site = Site.objects.create(
        organization=org,
        name="Main",
        address="1 Main Street",
        city="Worcester",
        state="MA",
        zip_code="01608",
        timezone=ZONE,
    )
    programs = [Program.objects.create(site=site, name=f"IOP {n}") for n in range(2)]
    tracks = [
        Track.objects.create(
            program=p, kind="substance_use", name=f"Track {i}", min_weekly_hours=Decimal("9")
        )
        for p in programs
        for i in range(2)
    ]
    staff = User.objects.create(
        username=f"bench.counselor.{tag}", role=Role.COUNSELOR, organization=org
    )
    room = Room.objects.create(organization=org, site=site, name="Room", capacity=12)

    # Sessions: every track, Monday, Wednesday, Thursday 18:00-21:00, the whole span.
    monday0 = FIRST_DAY - timedelta(days=FIRST_DAY.weekday())
    mondays = [monday0 + timedelta(weeks=w) for w in range((AS_OF - monday0).days // 7 + 1)]
    weeks = {
        m: ScheduleWeek(organization=org, week_start=m, revision=1, status=WeekStatus.PUBLISHED)
        for m in mondays
    }
    ScheduleWeek.objects.bulk_create(weeks.values(), batch_size=1000)
    weeks = {w.week_start: w for w in _ids(ScheduleWeek, list(weeks.values()), organization=org)}
    sessions = []
    for m in mondays:
        for offset in MEETING_DAYS:
            day = m + timedelta(days=offset)
            starts = datetime(day.year, day.month, day.day, 18, tzinfo=zone)
            for t in tracks:
                sessions.append(
                    GroupSession(
                        week=weeks[m],
                        organization=org,
                        site=site,
                        track=t,
                        room=room,
                        counselor=staff,
                        block_id=f"t{t.pk}-{day}",
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=3),
                    )
                )
    sessions = _ids(
        GroupSession, GroupSession.objects.bulk_create(sessions, batch_size=2000), organization=org
    )
    by_track_day = {(s.track_id, s.starts_at.astimezone(zone).date()): s for s in sessions}

    patients = Patient.objects.bulk_create(
        (
            Patient(
                organization=org,
                site=site,
                program=programs[n % 2],
                mrn=f"{n + 1:07d}",
                first_name=f"Pat{n}",
                last_name=f"Example{n}",
                date_of_birth=date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
            )
            for n in range(n_patients)
        ),
        batch_size=2000,
    )
    patients = _ids(Patient, patients, organization=org)

    # Episodes: (patient, track, admitted, ended or None, end kind); a fifth come back.
    span = (LAST_DAY - FIRST_DAY).days
    episodes: list[tuple[Any, Any, date, date | None, str]] = []
    for n, p in enumerate(patients):
        admitted = FIRST_DAY + timedelta(days=rng.randrange(span))
        track = tracks[(n % 2) * 2 + rng.randrange(2)]
        while True:
            stay = rng.randint(14, 120)
            ended = admitted + timedelta(days=stay)
            if ended > AS_OF - timedelta(days=3):
                episodes.append((p, track, admitted, None, ""))
                break
            episodes.append((p, track, admitted, ended, _pick(rng, ENDINGS)))
            if rng.random() >= 0.2:
                break
            admitted = ended + timedelta(days=rng.randint(5, 150))
            if admitted > LAST_DAY:
                break

    referrals = Referral.objects.bulk_create(
        (
            Referral(
                organization=org,
                program=track.program,
                patient=p,
                source="physician",
                stage="admitted",
                stage_changed_at=datetime(a.year, a.month, a.day, 15, tzinfo=UTC),
                first_name=p.first_name,
                last_name=p.last_name,
            )
            for p, track, a, *_ in episodes
        ),
        batch_size=2000,
    )
    referrals = _ids(Referral, referrals, organization=org)
    lost = Referral.objects.bulk_create(
        (
            Referral(
                organization=org,
                program=programs[i % 2],
                source="self",
                stage="closed",
                stage_changed_at=datetime(2026, 1, 1, tzinfo=UTC),
                first_name="Lost",
                last_name=f"Referral{i}",
            )
            for i in range(n_patients // 4)
        ),
        batch_size=2000,
    )
    lost = _ids(Referral, lost, organization=org, patient__isnull=True)
    # created_at is set on insert: put the referrals on their day, 1 to 20 days before.
    received: dict[int, datetime] = {}
    for r, (_, _, a, *_) in zip(referrals, episodes, strict=True):
        received[r.pk] = datetime(a.year, a.month, a.day, 14, tzinfo=UTC) - timedelta(
            days=rng.randint(1, 20)
        )
    for r in lost:
        day = FIRST_DAY + timedelta(days=rng.randrange(span))
        received[r.pk] = datetime(day.year, day.month, day.day, 16, tzinfo=UTC)
    for r in (*referrals, *lost):
        r.created_at = received[r.pk]
    Referral.objects.bulk_update([*referrals, *lost], ["created_at"], batch_size=2000)

    enrollments = Enrollment.objects.bulk_create(
        (
            Enrollment(
                patient=p,
                track=track,
                starts_on=a,
                ends_on=e,
                status=EnrollmentStatus.DISCHARGED if e else EnrollmentStatus.ACTIVE,
                required_weekly_hours=Decimal("9"),
            )
            for p, track, a, e, _ in episodes
        ),
        batch_size=2000,
    )
    enrollments = _ids(Enrollment, enrollments, patient__organization=org)
    admissions = Admission.objects.bulk_create(
        (
            Admission(
                patient=p,
                program=track.program,
                referral=r,
                primary_counselor=staff,
                starts_on=a,
                admitted_by=staff,
                admitted_at=datetime(a.year, a.month, a.day, 15, tzinfo=UTC),
            )
            for (p, track, a, *_), r in zip(episodes, referrals, strict=True)
        ),
        batch_size=2000,
    )
    admissions = _ids(Admission, admissions, program__site__organization=org)
    Admission.enrollments.through.objects.bulk_create(
        (
            Admission.enrollments.through(admission_id=adm.pk, enrollment_id=enr.pk)
            for adm, enr in zip(admissions, enrollments, strict=True)
        ),
        batch_size=5000,
    )
    recorded = datetime(2027, 1, 15, tzinfo=UTC)
    discharges = Discharge.objects.bulk_create(
        (
            Discharge(
                enrollment=enr,
                patient=p,
                kind=kind,
                scope="every_track",
                discharged_on=e,
                summary="Summary.",
                crisis_plan="Call 988.",
                recorded_by=staff,
                recorded_at=recorded,
            )
            for enr, (p, _, _, e, kind) in zip(enrollments, episodes, strict=True)
            if e is not None
        ),
        batch_size=2000,
    )
    discharges = _ids(Discharge, discharges, patient__organization=org)
    follow_ups, contacts = [], []
    for d in discharges:
        due = d.discharged_on + timedelta(days=7)
        done = d.discharged_on + timedelta(days=rng.randint(2, 40)) if rng.random() < 0.7 else None
        follow_ups.append(
            AlumniFollowUp(discharge=d, patient_id=d.patient_id, due_on=due, done_on=done)
        )
        if rng.random() < 0.4:
            on = d.discharged_on + timedelta(days=rng.randint(1, 60))
            contacts.append(
                PeerContact(
                    organization=org,
                    patient_id=d.patient_id,
                    staff=staff,
                    contacted_on=on,
                    kind="phone",
                    after_discharge=True,
                    recorded_at=recorded,
                )
            )
    AlumniFollowUp.objects.bulk_create(follow_ups, batch_size=5000)
    PeerContact.objects.bulk_create(contacts, batch_size=5000)

    records, scores, screens, leaves = [], [], [], []
    screen_results: list[tuple[int, str, str, bool]] = []
    for p, track, a, e, _ in episodes:
        last = min(e or AS_OF, AS_OF)
        day = a
        while day < last:
            if day.weekday() in MEETING_DAYS:
                s = by_track_day.get((track.pk, day))
                if s is not None:
                    roll = rng.random()
                    if roll < 0.12:
                        status, check_in = "absent_unexcused", None
                    elif roll < 0.2:
                        status = "late"
                        check_in = s.starts_at + timedelta(minutes=rng.randint(10, 60))
                    else:
                        status, check_in = "present", s.starts_at
                    records.append(
                        AttendanceRecord(
                            session=s,
                            patient=p,
                            status=status,
                            check_in_at=check_in,
                            check_out_at=s.ends_at if check_in else None,
                            recorded_by=staff,
                            updated_at=s.ends_at,
                        )
                    )
            offset = (day - a).days
            if offset % 28 == 0:
                at = datetime(day.year, day.month, day.day, 16, tzinfo=UTC)
                for instrument, base in (("phq9", 16), ("gad7", 12)):
                    total = max(0, base - offset // 14 + rng.randint(-4, 4))
                    scores.append(
                        ScreeningResponse(
                            patient=p,
                            instrument=instrument,
                            instrument_version="1",
                            response={},
                            total=total,
                            administered_at=at,
                        )
                    )
            if offset % 14 == 3:
                roll = rng.random()
                screens.append(
                    DrugScreen(
                        patient=p,
                        method="poc_cup",
                        panel=["cocaine", "buprenorphine"],
                        status="resulted",
                        ordered_by=staff,
                        ordered_at=datetime(day.year, day.month, day.day, 14, tzinfo=UTC),
                        collected_on=day,
                        resulted_by=staff,
                        resulted_at=datetime(day.year, day.month, day.day, 15, tzinfo=UTC),
                    )
                )
                if roll < 0.15:
                    screen_results.append((len(screens) - 1, "cocaine", "positive", False))
                elif roll < 0.2:
                    screen_results.append((len(screens) - 1, "buprenorphine", "positive", True))
                else:
                    screen_results.append((len(screens) - 1, "cocaine", "negative", False))
            day += timedelta(days=1)
        if rng.random() < 0.05 and last > a + timedelta(days=20):
            first = a + timedelta(days=rng.randint(7, 14))
            leaves.append(
                LeaveOfAbsence(
                    patient=p,
                    starts_on=first,
                    ends_on=first + timedelta(days=rng.randint(1, 6)),
                    reason="Family",
                    created_by=staff,
                    created_at=recorded,
                )
            )
    AttendanceRecord.objects.bulk_create(records, batch_size=5000)
    ScreeningResponse.objects.bulk_create(scores, batch_size=5000)
    screens = _ids(
        DrugScreen,
        DrugScreen.objects.bulk_create(screens, batch_size=5000),
        patient__organization=org,
    )
    DrugScreenResult.objects.bulk_create(
        (
            DrugScreenResult(screen=screens[i], substance_class=c, value=v, expected=x)
            for i, c, v, x in screen_results
        ),
        batch_size=5000,
    )
    LeaveOfAbsence.objects.bulk_create(leaves, batch_size=5000)
    print(
        f"# {n_patients:,} patients: {len(episodes):,} episodes, {len(records):,} attendance "
        f"records, {len(scores):,} scores, {len(screens):,} screens",
        file=sys.stderr,
    )
    return org.pk, programs[0].pk


def _built(size: int) -> tuple[int, int] | None:
    """The latest organization an earlier run built for ``size`` with every table filled
    (its leaves are inserted last), and its first program; None when there is none."""
    from openiop.delivery.models import LeaveOfAbsence
    from openiop.organization.models import Organization, Program

    for org in Organization.objects.filter(name__startswith=f"Reports bench {size}-").order_by(
        "-pk"
    ):
        if not org.name.removeprefix(f"Reports bench {size}-").isdigit():
            continue
        program = Program.objects.filter(site__organization=org).order_by("pk").first()
        if program and LeaveOfAbsence.objects.filter(patient__organization=org).exists():
            return org.pk, program.pk
    return None


def _measure(size: int, *, reuse: bool = False) -> list[Row]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openiop.outcomes import selectors

    started = time.perf_counter()
    found = _built(size) if reuse else None
    if found:
        org_id, program_id = found
        print(f"# reusing the organization {org_id} built earlier", file=sys.stderr)
    else:
        org_id, program_id = build(size, seed=SEED)
        print(
            f"# built {size:,} patients in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    cases = {
        "year, whole organization": {},
        "year, one program": {"program_id": program_id},
    }
    rows = []
    for name, filters in cases.items():

        def run(filters: dict[str, int] = filters) -> Any:
            return selectors.dashboard(org_id, start=START, end=END, as_of=AS_OF, **filters)

        with CaptureQueriesContext(connection) as ctx:
            board = run()
        census = board.figure("census").value
        print(f"# {name}: census {census:.0f} on {END}", file=sys.stderr)
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        rows.append(
            Row(size, name, statistics.median(times), max(times), len(ctx.captured_queries))
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--patients", default="1000,10000", help="sizes, comma-separated")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the organization an earlier run built for a size instead of a new one",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.patients.split(",") if s.strip()]
    backend = _setup_django()
    rows = [row for size in sizes for row in _measure(size, reuse=args.reuse)]
    print(f"outcomes dashboard for {START} to {END} as of {AS_OF}, seed {SEED}, {backend}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(
        f"{'patients':>8} {'case':<26} {'median s':>8} {'slowest s':>9} {'x base':>6} {'queries':>7}"
    )
    base = {r.case: r.median for r in rows if r.patients == sizes[0]}
    for r in rows:
        print(
            f"{r.patients:>8,} {r.case:<26} {r.median:>8.3f} {r.slowest:>9.3f} "
            f"{r.median / base[r.case]:>6.1f} {r.queries:>7}"
        )
    if len({r.queries for r in rows if r.case == rows[0].case}) > 1:
        print("NOT CONSTANT: the number of queries changed with the number of patients")
    goal = [r for r in rows if r.patients == GOAL_PATIENTS]
    if not goal:
        print(f"NO VERDICT on time: run --patients {GOAL_PATIENTS}")
        return
    worst = max(r.median for r in goal)
    verdict = "MET" if worst < GOAL_SECONDS else "SLOW"
    print(
        f"{verdict}: {GOAL_PATIENTS:,} patients, a year, slowest case median {worst:.2f} s "
        f"(goal < {GOAL_SECONDS:.0f} s on PostgreSQL)"
    )


if __name__ == "__main__":
    main()
