"""Weekly hours compliance in the app: read the rows, map them to the domain's inputs and
call `openiop.domain.compliance.compute_week`. No rule lives here; only the mapping:

- enrolled: an enrolment overlapping the week with status active or on leave (discharged
  ones are left out); a patient whose every enrolment is "on leave" is on leave all week;
- requirement: the largest `Enrollment.required_weekly_hours` of their enrolments is the
  phase minimum (tapering sets it; it starts at the track minimum), the largest track
  minimum the fallback, adolescent (under 18 at the week's start, or in an adolescent
  track) the population default; a `StepDownAllowance` starting in the week or the one or
  two before is the step-down; `LeaveOfAbsence` rows are the leaves;
- sessions: the published schedule (not cancelled), plus any session someone attended;
  scheduled = assignments plus drop-ins; the patient's local days are their site's zone;
- open seats: future published sessions with fewer on the roster than the smaller of the
  room capacity and the track's largest group;
- free times: the patient's available blocks in the published week's iop-week/1 problem
  when it lists them (patient id "<pk>", "p<pk>" or "patient-<pk>"), else the whole week
  (the domain still refuses seats that overlap anything they attend).

A fixed number of queries whatever the number of patients (tested).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet

from openiop.delivery.models import (
    AttendanceRecord,
    DropIn,
    LeaveOfAbsence,
    StepDownAllowance,
)
from openiop.domain import compliance as dc
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
from openiop.scheduling.models import (
    GroupSession,
    ScheduleWeek,
    SessionAssignment,
    SessionStatus,
    WeekStatus,
)

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class SessionInfo:
    id: int
    track_id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    published: bool


@dataclass
class WeekCompliance:
    """The week of many patients: domain results by patient id, plus what pages need."""

    organization_id: int
    week_start: date
    as_of: datetime | None
    results: dict[int, dc.PatientWeek] = field(default_factory=dict)
    sessions: dict[int, SessionInfo] = field(default_factory=dict)
    tracks_of: dict[int, list[int]] = field(default_factory=dict)

    def hours(self, minutes: int) -> float:
        return round(minutes / 60, 2)


def _raw_rows(qs: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list query without Django's per-value converters: on SQLite,
    parsing ~20,000 datetimes through them costs more than the rest of the read."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _aware(value: datetime | str | None) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite hands back naive UTC text)."""
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _minutes(hours: Decimal | float | int | None) -> int | None:
    if hours is None:
        return None
    return int(Decimal(hours) * 60)


def _age_on(born: date, day: date) -> int:
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def _free_blocks(
    problems: Iterable[dict[str, Any]], week_start: date, zones: dict[int, str]
) -> dict[int, tuple[dc.Interval, ...]]:
    """Patients' available blocks from published iop-week/1 problems, as aware intervals."""
    free: dict[int, list[dc.Interval]] = defaultdict(list)
    wanted = {}
    for pk in zones:
        for key in (str(pk), f"p{pk}", f"patient-{pk}"):
            wanted[key] = pk
    for problem in problems:
        if not isinstance(problem, dict):
            continue
        blocks: dict[str, tuple[int, time, time]] = {}
        for block in problem.get("blocks") or []:
            try:
                day = DAY_KEYS.index(str(block["day"]))
                start = time.fromisoformat(str(block["start"]))
                end = time.fromisoformat(str(block["end"]))
            except (KeyError, ValueError, TypeError):
                continue
            blocks[str(block.get("id"))] = (day, start, end)
        for entry in problem.get("patients") or []:
            if not isinstance(entry, dict):
                continue
            found = wanted.get(str(entry.get("id")))
            if found is None:
                continue
            zone = ZoneInfo(zones[found])
            for block_id in entry.get("blocks") or []:
                spec = blocks.get(str(block_id))
                if spec is None:
                    continue
                day, start, end = spec
                local_day = week_start + timedelta(days=day)
                end_day = local_day + timedelta(days=1) if end <= start else local_day
                begin = datetime.combine(local_day, start, tzinfo=zone)
                finish = datetime.combine(end_day, end, tzinfo=zone)
                if finish > begin:
                    free[found].append(dc.Interval(begin, finish))
    return {pk: tuple(blocks) for pk, blocks in free.items()}


def week_compliance(
    *,
    organization_id: int,
    week_start: date,
    as_of: datetime | None,
    patients: QuerySet[Patient] | None = None,
    policy: dc.CompliancePolicy = dc.DEFAULT_POLICY,
) -> WeekCompliance:
    """Every enrolled patient's week (or only those of `patients`), as of `as_of`."""
    week_end = week_start + timedelta(days=6)
    # Local weeks in any zone lie within a day of the UTC week.
    lo = datetime.combine(week_start - timedelta(days=1), time(0), tzinfo=UTC)
    hi = datetime.combine(week_end + timedelta(days=2), time(0), tzinfo=UTC)
    result = WeekCompliance(organization_id, week_start, as_of)

    enrollments = Enrollment.objects.filter(
        patient__organization_id=organization_id,
        status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE],
        starts_on__lte=week_end,
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=week_start))
    if patients is not None:
        enrollments = enrollments.filter(patient__in=patients.values("pk"))
    rows = list(
        enrollments.values_list(
            "patient_id",
            "track_id",
            "track__kind",
            "track__min_weekly_hours",
            "required_weekly_hours",
            "status",
            "patient__site__timezone",
            "patient__date_of_birth",
        )
    )
    if not rows:
        return result
    info: dict[int, dict[str, Any]] = {}
    for pid, track_id, kind, track_min, required, status, zone, born in rows:
        entry = info.setdefault(
            pid,
            {
                "zone": zone,
                "born": born,
                "tracks": [],
                "track_min": None,
                "phase": None,
                "adolescent": False,
                "active": False,
            },
        )
        entry["tracks"].append(track_id)
        entry["track_min"] = max(filter(None, [entry["track_min"], track_min]), default=None)
        entry["phase"] = max(filter(None, [entry["phase"], required]), default=None)
        entry["adolescent"] |= kind == TrackKind.ADOLESCENTS
        entry["active"] |= status == EnrollmentStatus.ACTIVE
    patient_ids = list(info)
    patient_filter = (
        Q(patient__in=patients.values("pk"))
        if patients is not None
        else Q(patient__organization_id=organization_id)
    )

    attended = AttendanceRecord.objects.filter(session=OuterRef("pk"))
    session_qs = (
        GroupSession.objects.filter(
            organization_id=organization_id, starts_at__lt=hi, ends_at__gt=lo
        )
        .exclude(status=SessionStatus.CANCELLED)
        .filter(Q(week__status=WeekStatus.PUBLISHED) | Exists(attended))
    )
    for (
        sid,
        track_id,
        starts_at,
        ends_at,
        capacity,
        max_group,
        week_status,
    ) in session_qs.values_list(
        "id",
        "track_id",
        "starts_at",
        "ends_at",
        "room__capacity",
        "track__max_group",
        "week__status",
    ):
        result.sessions[sid] = SessionInfo(
            sid,
            track_id,
            starts_at,
            ends_at,
            min(capacity, max_group),
            week_status == WeekStatus.PUBLISHED,
        )
    # Rows of the sessions in the window, by a join on the indexed session window (a
    # subquery with the "published or attended" test is several times slower on SQLite);
    # rows of sessions left out above are dropped here.
    in_window = {
        "session__organization_id": organization_id,
        "session__starts_at__lt": hi,
        "session__ends_at__gt": lo,
    }
    on_roster: dict[int, int] = defaultdict(int)
    scheduled: dict[int, list[int]] = defaultdict(list)
    roster_pairs = [
        *SessionAssignment.objects.filter(**in_window).values_list("session_id", "patient_id"),
        *DropIn.objects.filter(**in_window).values_list("session_id", "patient_id"),
    ]
    sessions_kept = result.sessions
    for sid, pid in roster_pairs:
        if sid not in sessions_kept:
            continue
        on_roster[sid] += 1
        if pid in info and sid not in scheduled[pid]:
            scheduled[pid].append(sid)
    records: list[dc.Attendance] = []
    absent = dc.AttendanceStatus.ABSENT_EXCUSED, dc.AttendanceStatus.ABSENT_UNEXCUSED
    kinds = {status.value: status for status in dc.AttendanceStatus}
    for pid, sid, status, raw_in, raw_out in _raw_rows(
        AttendanceRecord.objects.filter(**in_window).values_list(
            "patient_id", "session_id", "status", "check_in_at", "check_out_at"
        )
    ):
        if pid not in info or sid not in sessions_kept:
            continue
        check_in, check_out = _aware(raw_in), _aware(raw_out)
        kind = kinds[status]
        if kind in absent:
            check_in = check_out = None
        elif (kind is dc.AttendanceStatus.LATE and check_in is None) or (
            kind is dc.AttendanceStatus.LEFT_EARLY and check_out is None
        ):
            kind = dc.AttendanceStatus.PRESENT  # a row without the time its status needs
        records.append(dc.Attendance(str(pid), str(sid), kind, check_in, check_out))

    leaves: dict[int, list[dc.Leave]] = defaultdict(list)
    for pid, first, last in LeaveOfAbsence.objects.filter(
        patient_filter, starts_on__lte=week_end, ends_on__gte=week_start
    ).values_list("patient_id", "starts_on", "ends_on"):
        leaves[pid].append(dc.Leave(first, last))
    step_downs: dict[int, dc.StepDown] = {}
    for pid, starts_on, weekly_hours, weeks in (
        StepDownAllowance.objects.filter(
            patient_filter,
            starts_on__lte=week_end,
            starts_on__gte=week_start - timedelta(days=14),
        )
        .order_by("starts_on", "id")
        .values_list("patient_id", "starts_on", "weekly_hours", "weeks")
    ):
        step_downs[pid] = dc.StepDown(starts_on, _minutes(weekly_hours) or 0, weeks)
    zones = {pid: entry["zone"] for pid, entry in info.items()}
    free = _free_blocks(
        ScheduleWeek.objects.filter(
            organization_id=organization_id, week_start=week_start, status=WeekStatus.PUBLISHED
        ).values_list("problem", flat=True),
        week_start,
        zones,
    )
    whole_week: dict[str, tuple[dc.Interval, ...]] = {}

    domain_patients: list[dc.Patient] = []
    for pid in patient_ids:
        entry = info[pid]
        zone = entry["zone"]
        if zone not in whole_week:
            tz = ZoneInfo(zone)
            whole_week[zone] = (
                dc.Interval(
                    datetime.combine(week_start, time(0), tzinfo=tz),
                    datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=tz),
                ),
            )
        patient_leaves = list(leaves.get(pid, ()))
        if not entry["active"]:
            patient_leaves.append(dc.Leave(week_start, week_end))
        adolescent = entry["adolescent"] or _age_on(entry["born"], week_start) < 18
        result.tracks_of[pid] = entry["tracks"]
        domain_patients.append(
            dc.Patient(
                id=str(pid),
                site_zone=zone,
                tracks=tuple(str(t) for t in entry["tracks"]),
                scheduled=tuple(str(s) for s in scheduled.get(pid, ())),
                adolescent=adolescent,
                track_minimum_minutes=_minutes(entry["track_min"]),
                phase_minimum_minutes=_minutes(entry["phase"]),
                leaves=tuple(patient_leaves),
                step_down=step_downs.get(pid),
                free=free.get(pid) or whole_week[zone],
            )
        )
    seats = []
    if as_of is not None:
        for session in result.sessions.values():
            left = session.capacity - on_roster.get(session.id, 0)
            if session.published and session.starts_at > as_of and left > 0:
                seats.append(
                    dc.OpenSeat(
                        str(session.id),
                        str(session.track_id),
                        session.starts_at,
                        session.ends_at,
                        left,
                    )
                )
    sessions = [
        dc.Session(str(s.id), str(s.track_id), s.starts_at, s.ends_at)
        for s in result.sessions.values()
    ]
    computed = dc.compute_week(
        domain_patients,
        records,
        sessions=sessions,
        week_start=week_start,
        as_of=as_of,
        open_seats=seats,
        policy=policy,
    )
    result.results = {int(pid): week for pid, week in computed.items()}
    return result


@dataclass(frozen=True)
class AttendedSession:
    session_id: int
    day: date  # local day of the start, in the patient's site zone
    status: str
    minutes: int


def attended_sessions(patient: Patient, first_day: date, last_day: date) -> list[AttendedSession]:
    """The patient's attendance between two local days, with minutes computed by the
    compliance domain (clipped to each session), one week at a time, from one read."""
    zone = ZoneInfo(patient.site.timezone)
    lo = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=UTC)
    hi = datetime.combine(last_day + timedelta(days=2), time(0), tzinfo=UTC)
    rows = list(
        AttendanceRecord.objects.filter(
            patient=patient, session__starts_at__gte=lo, session__starts_at__lt=hi
        ).values_list(
            "session_id",
            "status",
            "check_in_at",
            "check_out_at",
            "session__track_id",
            "session__starts_at",
            "session__ends_at",
        )
    )
    by_week: dict[date, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        day = row[5].astimezone(zone).date()
        if first_day <= day <= last_day:
            by_week[monday_of(day)].append((*row, day))
    found: list[AttendedSession] = []
    for week_start, week_rows in sorted(by_week.items()):
        sessions = [dc.Session(str(r[0]), str(r[4]), r[5], r[6]) for r in week_rows]
        records = []
        for sid, status, check_in, check_out, *_ in week_rows:
            kind = dc.AttendanceStatus(status)
            if kind.is_absence:
                check_in = check_out = None
            elif (kind is dc.AttendanceStatus.LATE and check_in is None) or (
                kind is dc.AttendanceStatus.LEFT_EARLY and check_out is None
            ):
                kind = dc.AttendanceStatus.PRESENT
            records.append(dc.Attendance("p", str(sid), kind, check_in, check_out))
        week = dc.compute_week(
            [dc.Patient("p", patient.site.timezone, ("t",))],
            records,
            sessions=sessions,
            week_start=week_start,
        )["p"]
        days = {int(r[0]): r[7] for r in week_rows}
        for item in week.sessions:
            sid = int(item.session_id)
            found.append(AttendedSession(sid, days[sid], str(item.status), item.minutes))
    found.sort(key=lambda a: (a.day, a.session_id))
    return found
