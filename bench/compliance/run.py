"""Benchmark: one week of hours compliance for many patients (OpenIOP goal: under 1 s for 2,000).

Fixed seed. Generates four sites in four US time zones, four tracks, 90-minute groups Monday to
Saturday, patients with about 10 scheduled sessions each, attendance with every status up to
Thursday noon (a mid-week projection, so the seat search runs too), leaves, step-downs and open
seats; the week is the one in which New York falls back (Sunday 1 November 2026).
Prints the median of 5 runs per size (wall clock, plus CPU time, which other load on the machine
hardly changes) and a one-line verdict on the wall-clock median.

    .venv/bin/python bench/compliance/run.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from openiop.domain.compliance import (
    Attendance,
    AttendanceStatus,
    Interval,
    Leave,
    OpenSeat,
    Patient,
    Session,
    Status,
    StepDown,
    compute_week,
)

SEED = 20261026
WEEK = date(2026, 10, 26)
SITES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
TRACKS = ("adult-sud", "adult-mh", "adolescent", "eating-disorders")
BLOCKS = ((9, 0), (10, 45), (13, 0), (17, 30), (19, 15))  # 90-minute groups
SESSIONS_PER_PATIENT = 10
SIZES = (500, 1000, 2000, 4000)
GOAL_PATIENTS, GOAL_SECONDS = 2000, 1.0
RUNS = 5
STATUSES = (
    (AttendanceStatus.PRESENT, 0.78),
    (AttendanceStatus.LATE, 0.06),
    (AttendanceStatus.LEFT_EARLY, 0.05),
    (AttendanceStatus.TELEHEALTH, 0.03),
    (AttendanceStatus.ABSENT_EXCUSED, 0.04),
    (AttendanceStatus.ABSENT_UNEXCUSED, 0.04),
)

Problem = tuple[list[Patient], list[Attendance], list[Session], list[OpenSeat], datetime]


def generate(n_patients: int, seed: int = SEED) -> Problem:
    rng = random.Random(seed)
    sessions: dict[tuple[str, str], list[Session]] = {}
    for site in SITES:
        for track in TRACKS:
            group = sessions.setdefault((site, track), [])
            for day_offset in range(6):
                day = WEEK + timedelta(days=day_offset)
                for hour, minute in BLOCKS:
                    start = datetime.combine(day, clock(hour, minute), tzinfo=ZoneInfo(site))
                    sid = f"{site.split('/')[1]}-{track}-{day_offset}-{hour:02d}{minute:02d}"
                    group.append(Session(sid, track, start, start + timedelta(minutes=90)))
    as_of = datetime.combine(WEEK + timedelta(days=3), clock(12), tzinfo=ZoneInfo(SITES[0]))
    statuses, weights = zip(*STATUSES, strict=True)
    patients: list[Patient] = []
    records: list[Attendance] = []
    for i in range(n_patients):
        site, track = rng.choice(SITES), rng.choice(TRACKS)
        mine = rng.sample(sessions[(site, track)], SESSIONS_PER_PATIENT)
        zone = ZoneInfo(site)
        free = tuple(
            Interval(
                datetime.combine(WEEK + timedelta(days=d), clock(9), tzinfo=zone),
                datetime.combine(WEEK + timedelta(days=d), clock(21), tzinfo=zone),
            )
            for d in rng.sample(range(6), 3)
        )
        leave_days = rng.choice((2, 3, 7))  # 7: the whole week on leave
        leave_start = WEEK if leave_days == 7 else WEEK + timedelta(days=rng.randrange(7))
        patients.append(
            Patient(
                id=f"p{i}",
                site_zone=site,
                tracks=(track,),
                scheduled=tuple(s.id for s in mine),
                adolescent=track == "adolescent",
                phase_minimum_minutes=rng.choice((None, None, None, 600, 720)),
                leaves=(Leave(leave_start, leave_start + timedelta(days=leave_days - 1)),)
                if rng.random() < 0.03
                else (),
                step_down=StepDown(WEEK - timedelta(days=7), 360) if rng.random() < 0.05 else None,
                free=free,
            )
        )
        for s in mine:
            if s.start >= as_of:
                continue
            status = rng.choices(statuses, weights)[0]
            check_in = check_out = None
            if status is AttendanceStatus.LATE:
                check_in = s.start + timedelta(minutes=rng.randint(5, 40))
            elif status is AttendanceStatus.LEFT_EARLY:
                check_out = s.end - timedelta(minutes=rng.randint(10, 60))
            elif not status.is_absence:
                check_in = s.start + timedelta(minutes=rng.randint(-5, 3))
                check_out = s.end + timedelta(minutes=rng.randint(-3, 5))
            records.append(Attendance(f"p{i}", s.id, status, check_in, check_out))
    all_sessions = [s for group in sessions.values() for s in group]
    seats = [OpenSeat(s.id, s.track, s.start, s.end, rng.randint(0, 3)) for s in all_sessions]
    return patients, records, all_sessions, seats, as_of


def run(problem: Problem) -> tuple[float, float, dict[Status, int]]:
    """One timed run: wall seconds, CPU seconds of this process, and the status counts."""
    patients, records, sessions, seats, as_of = problem
    started, cpu_started = time.perf_counter(), time.process_time()
    week = compute_week(
        patients, records, sessions=sessions, week_start=WEEK, as_of=as_of, open_seats=seats
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    counts = {status: 0 for status in Status}
    for result in week.values():
        counts[result.status] += 1
    return elapsed, cpu, counts


def main() -> None:
    load = os.getloadavg()[0]
    print(f"compute_week, week of {WEEK} (DST change), seed {SEED}, median of {RUNS} runs")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f} (wall time suffers under load)")
    header = f"{'patients':>8} {'sessions':>8} {'records':>8} {'seats':>6} {'median ms':>10}"
    print(header + f" {'min ms':>8} {'max ms':>8} {'cpu ms':>7}  statuses")
    goal_median = None
    for size in SIZES:
        problem = generate(size)
        walls, cpus = [], []
        counts: dict[Status, int] = {}
        for _ in range(RUNS):
            wall, cpu, counts = run(problem)
            walls.append(wall)
            cpus.append(cpu)
        median = statistics.median(walls)
        if size == GOAL_PATIENTS:
            goal_median = median
        shown = " ".join(f"{s.value}={n}" for s, n in counts.items())
        print(
            f"{size:>8} {len(problem[2]):>8} {len(problem[1]):>8} {len(problem[3]):>6} "
            f"{median * 1000:>10.1f} {min(walls) * 1000:>8.1f} {max(walls) * 1000:>8.1f} "
            f"{statistics.median(cpus) * 1000:>7.1f}  {shown}"
        )
    assert goal_median is not None
    verdict = "PASS" if goal_median < GOAL_SECONDS else "FAIL"
    print(
        f"{verdict}: {GOAL_PATIENTS} patients in {goal_median * 1000:.0f} ms wall, median of "
        f"{RUNS} (goal < {GOAL_SECONDS * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
