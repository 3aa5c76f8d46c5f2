"""Weekly hours compliance in the app: read the rows, map them to the domain's inputs and
call `openiop.domain.compliance.compute_week`. No rule lives here; only the mapping:

- enrolled: an enrolment overlapping the week with status active or on leave (discharged
  ones are left out); a patient whose every enrolment is "on leave" is on leave all week;
- requirement: ONE weekly requirement per patient over their enrolments
  (`openiop.domain.compliance.weekly_requirement`): the largest
  `Enrollment.required_weekly_hours` (tapering sets it; it starts at the track minimum), else
  the largest track minimum, else the population minimum; the population is by age (under 18
  at the week's start); a `StepDownAllowance` starting in the week or the one or two before
  is the step-down; `LeaveOfAbsence` rows are the leaves; the earliest start of the
  enrolments is the admission day (the admission week is prorated);
- sessions: the published schedule (not cancelled), plus any session someone attended;
  scheduled = assignments plus drop-ins; the patient's local days are their site's zone;
- "can't make it": a session still to come (ending after `as_of`) for which the patient
  sent an open (not withdrawn) portal `AbsenceNotice` and that has no attendance record is
  left out of their scheduled sessions, and its time out of their free times, so the
  projection no longer counts on it and no seat is offered at a time they said they cannot
  come (program policy); past sessions keep it, so a missing record is still flagged;
- open seats: future published sessions with fewer on the roster than the smaller of the
  room capacity and the track's largest group;
- billing: a program's `BillingRule` (a payer's per-diem rule, with its source) applies to
  the patients enrolled in it; without one, the HCPCS H0015/S9480 per-day rule;
- free times: the patient's available blocks in the published week's iop-week/1 problem
  when it lists them (patient id "<pk>", "p<pk>" or "patient-<pk>"), else the whole week
  (the domain still refuses seats that overlap anything they attend).
- appointments (individual, family, prescriber and case management visits): an attended
  one (attended, late or left early; not cancelled) whose type counts toward hours (program
  policy, `AppointmentType.counts_toward_hours`) is one more session of the domain, with its
  own window and the patient's check-in and check-out, so its minutes are clipped and
  counted exactly as a group's and fall on the patient's local day; no-shows, excused
  visits and types that do not count add nothing. Their domain ids are "appointment-<pk>"
  (`is_appointment`), never a group session id. One query for the patients and the window
  (`appointment_rows`), shared by `delivery.weekly.patient_weeks`.

A fixed number of queries whatever the number of patients (tested).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet

from openiop.appointments.models import Appointment, AppointmentStatus
from openiop.appointments.models import Attendance as AppointmentAttendance
from openiop.delivery.models import (
    AttendanceRecord,
    BillingRule,
    DropIn,
    LeaveOfAbsence,
    StepDownAllowance,
)
from openiop.domain import compliance as dc
from openiop.organization.models import TrackKind
from openiop.patients.models import REQUIREMENT_STATUSES, Enrollment, EnrollmentStatus, Patient
from openiop.portal.models import AbsenceNotice
from openiop.scheduling.models import (
    GroupSession,
    ScheduleWeek,
    SessionAssignment,
    SessionStatus,
    WeekStatus,
)

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# The enrolment columns the weekly-hours fold reads, in its order (also read by
# delivery.weekly for a patient's weeks in one pass).
ENROLMENT_FIELDS = (
    "patient_id",
    "track_id",
    "track__kind",
    "track__min_weekly_hours",
    "required_weekly_hours",
    "status",
    "patient__site__timezone",
    "patient__date_of_birth",
    "starts_on",
    "track__program_id",
)


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
        # One interval per block and zone, shared by the patients free in it.
        made: dict[tuple[str, str], dc.Interval | None] = {}
        for entry in problem.get("patients") or []:
            if not isinstance(entry, dict):
                continue
            found = wanted.get(str(entry.get("id")))
            if found is None:
                continue
            zone_name = zones[found]
            for block_id in entry.get("blocks") or []:
                slot = (zone_name, str(block_id))
                if slot not in made:
                    made[slot] = _block_interval(blocks.get(slot[1]), week_start, zone_name)
                interval = made[slot]
                if interval is not None:
                    free[found].append(interval)
    return {pk: tuple(blocks) for pk, blocks in free.items()}


def _block_interval(
    spec: tuple[int, time, time] | None, week_start: date, zone_name: str
) -> dc.Interval | None:
    """A problem's block (day of the week, local start and end) as an aware interval of the
    week in that zone; one that ends at or before its start runs past midnight."""
    if spec is None:
        return None
    day, start, end = spec
    zone = ZoneInfo(zone_name)
    local_day = week_start + timedelta(days=day)
    end_day = local_day + timedelta(days=1) if end <= start else local_day
    begin = datetime.combine(local_day, start, tzinfo=zone)
    finish = datetime.combine(end_day, end, tzinfo=zone)
    return dc.Interval(begin, finish) if finish > begin else None


@dataclass
class _Enrolled:
    """One patient's enrolments overlapping the week, as the requirement needs them (module
    docstring), and "on leave all week" when no enrolment is active."""

    zone: str
    born: date
    starts_on: date
    tracks: list[int] = field(default_factory=list)
    enrolments: list[dc.TrackEnrolment] = field(default_factory=list)
    active: bool = False
    programs: set[int] = field(default_factory=set)


def _enrolled(
    organization_id: int,
    week_start: date,
    week_end: date,
    patients: QuerySet[Patient] | None,
) -> dict[int, _Enrolled]:
    """The patients enrolled in the week (active or on leave; discharged enrolments are
    left out), in the order the enrolment rows come, from one query."""
    enrollments = Enrollment.objects.filter(
        patient__organization_id=organization_id,
        status__in=REQUIREMENT_STATUSES,
        starts_on__lte=week_end,
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=week_start))
    if patients is not None:
        enrollments = enrollments.filter(patient__in=patients.values("pk"))
    return _fold_enrollments(enrollments.values_list(*ENROLMENT_FIELDS))


def track_enrolment(
    track_id: int, kind: str, track_min: Decimal | None, required: Decimal | None
) -> dc.TrackEnrolment:
    """An enrolment row as the domain's requirement takes it."""
    return dc.TrackEnrolment(
        str(track_id),
        adolescent_track=kind == TrackKind.ADOLESCENTS,
        track_minimum_minutes=_minutes(track_min),
        required_minutes=_minutes(required),
    )


def _fold_enrollments(rows: Iterable[tuple[Any, ...]]) -> dict[int, _Enrolled]:
    """Enrolment rows grouped per patient: their tracks (one requirement over all of them),
    the earliest start, and active if any enrolment is."""
    info: dict[int, _Enrolled] = {}
    for pid, track_id, kind, track_min, required, status, zone, born, starts_on, program in rows:
        entry = info.get(pid)
        if entry is None:
            entry = info[pid] = _Enrolled(zone=zone, born=born, starts_on=starts_on)
        entry.programs.add(program)
        entry.tracks.append(track_id)
        entry.enrolments.append(track_enrolment(track_id, kind, track_min, required))
        entry.starts_on = min(entry.starts_on, starts_on)
        entry.active |= status == EnrollmentStatus.ACTIVE
    return info


def per_diem_rule(row: BillingRule) -> dc.PerDiemRule:
    """A program's stored billing rule as the domain's `PerDiemRule`."""
    return dc.PerDiemRule(
        payer=row.payer,
        basis=dc.PerDiemBasis(row.basis),
        day_minutes=int(Decimal(row.day_hours) * 60),
        week_minutes=int(Decimal(row.week_hours) * 60),
        min_days=row.min_days,
        source=row.source,
    )


def _payer_rules(enrolled: dict[int, _Enrolled]) -> dict[int, dc.PerDiemRule]:
    """Each patient's payer rule, from the billing rules of their programs (one query).

    A patient in programs with different rules is billed under the strictest: a rule that
    also requires the weekly minimum wins over a per-day one, then the lowest program id
    (program policy: billing a per diem the payer would deny is the worse error). Patients
    whose programs have no rule are left out (the HCPCS per-day default applies)."""
    programs = {p for entry in enrolled.values() for p in entry.programs}
    if not programs:
        return {}
    rules = {
        row.program_id: per_diem_rule(row)
        for row in BillingRule.objects.filter(program_id__in=programs)
    }
    if not rules:
        return {}
    chosen: dict[int, dc.PerDiemRule] = {}
    for pid, entry in enrolled.items():
        mine = [(not rules[p].requires_week, p) for p in entry.programs if p in rules]
        if mine:
            chosen[pid] = rules[min(mine)[1]]
    return chosen


def patient_requirement(patient: Patient, on: date) -> dc.WeeklyRequirement:
    """The patient's one weekly requirement on day `on`, over the enrolments that count toward
    it (active or on leave, `REQUIREMENT_STATUSES`, as in the week's compliance; one query);
    the same function the week's compliance uses."""
    rows = Enrollment.objects.filter(
        patient=patient, status__in=REQUIREMENT_STATUSES, starts_on__lte=on
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    return dc.weekly_requirement(
        [
            track_enrolment(*row)
            for row in rows.values_list(
                "track_id", "track__kind", "track__min_weekly_hours", "required_weekly_hours"
            )
        ],
        adolescent=dc.is_adolescent(patient.date_of_birth, on),
    )


def _sessions_in_window(organization_id: int, lo: datetime, hi: datetime) -> dict[int, SessionInfo]:
    """The sessions that count (module docstring): not cancelled, and in a published week
    or attended by someone; capacity is the smaller of the room's and the track's group."""
    attended = AttendanceRecord.objects.filter(session=OuterRef("pk"))
    session_qs = (
        GroupSession.objects.filter(
            organization_id=organization_id, starts_at__lt=hi, ends_at__gt=lo
        )
        .exclude(status=SessionStatus.CANCELLED)
        .filter(Q(week__status=WeekStatus.PUBLISHED) | Exists(attended))
    )
    return {
        sid: SessionInfo(
            sid,
            track_id,
            starts_at,
            ends_at,
            min(capacity, max_group),
            week_status == WeekStatus.PUBLISHED,
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
        )
    }


def _rosters(
    in_window: dict[str, Any],
    sessions: dict[int, SessionInfo],
    enrolled: dict[int, _Enrolled],
) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Seats taken per session, and each enrolled patient's scheduled sessions (assignments
    plus drop-ins), counting only the sessions kept by `_sessions_in_window`."""
    on_roster: dict[int, int] = defaultdict(int)
    scheduled: dict[int, list[int]] = defaultdict(list)
    roster_pairs = [
        *SessionAssignment.objects.filter(**in_window).values_list("session_id", "patient_id"),
        *DropIn.objects.filter(**in_window).values_list("session_id", "patient_id"),
    ]
    for sid, pid in roster_pairs:
        if sid not in sessions:
            continue
        on_roster[sid] += 1
        if pid in enrolled and sid not in scheduled[pid]:
            scheduled[pid].append(sid)
    return on_roster, scheduled


def _usable(
    kind: dc.AttendanceStatus, check_in: datetime | None, check_out: datetime | None
) -> tuple[dc.AttendanceStatus, datetime | None, datetime | None]:
    """A stored attendance row as the domain accepts it: an absence carries no times (the
    domain refuses them), and a late arrival without its check-in or an early leaver
    without its check-out counts as present, the row lacking the time its status needs."""
    if kind.is_absence:
        return kind, None, None
    if (kind is dc.AttendanceStatus.LATE and check_in is None) or (
        kind is dc.AttendanceStatus.LEFT_EARLY and check_out is None
    ):
        return dc.AttendanceStatus.PRESENT, check_in, check_out
    return kind, check_in, check_out


def _attendance(
    in_window: dict[str, Any],
    sessions: dict[int, SessionInfo],
    enrolled: dict[int, _Enrolled],
) -> list[dc.Attendance]:
    """The enrolled patients' attendance at the kept sessions, read raw (see `_raw_rows`)."""
    records: list[dc.Attendance] = []
    kinds = {status.value: status for status in dc.AttendanceStatus}
    for pid, sid, status, raw_in, raw_out in _raw_rows(
        AttendanceRecord.objects.filter(**in_window).values_list(
            "patient_id", "session_id", "status", "check_in_at", "check_out_at"
        )
    ):
        if pid not in enrolled or sid not in sessions:
            continue
        kind, check_in, check_out = _usable(kinds[status], _aware(raw_in), _aware(raw_out))
        records.append(dc.Attendance(str(pid), str(sid), kind, check_in, check_out))
    return records


# Appointment attendance that gives minutes, as the domain's statuses (the others add none).
APPOINTMENT_ATTENDED = {
    AppointmentAttendance.PRESENT.value: dc.AttendanceStatus.PRESENT,
    AppointmentAttendance.LATE.value: dc.AttendanceStatus.LATE,
    AppointmentAttendance.LEFT_EARLY.value: dc.AttendanceStatus.LEFT_EARLY,
}
APPOINTMENT_PREFIX = "appointment-"
APPOINTMENT_TRACK = "appointment"  # no patient's track: never group time of the admission week


def is_appointment(domain_session_id: str) -> bool:
    """Whether a domain session id (e.g. of `PatientWeek.sessions`) is an appointment's."""
    return domain_session_id.startswith(APPOINTMENT_PREFIX)


@dataclass(frozen=True)
class AppointmentRow:
    """An attended appointment whose type counts toward hours, as the mapping reads it."""

    id: int
    patient_id: int
    starts_at: datetime
    ends_at: datetime
    status: dc.AttendanceStatus
    check_in: datetime | None
    check_out: datetime | None

    @property
    def session(self) -> dc.Session:
        return dc.Session(
            f"{APPOINTMENT_PREFIX}{self.id}", APPOINTMENT_TRACK, self.starts_at, self.ends_at
        )

    @property
    def attendance(self) -> dc.Attendance:
        kind, check_in, check_out = _usable(self.status, self.check_in, self.check_out)
        return dc.Attendance(
            str(self.patient_id), f"{APPOINTMENT_PREFIX}{self.id}", kind, check_in, check_out
        )


def outside_groups(
    rows: list[AppointmentRow], groups: Mapping[int, Iterable[tuple[datetime, datetime]]]
) -> list[AppointmentRow]:
    """Appointments cut to the time outside the patient's own groups: a minute counts once
    (a booking a later schedule of groups overlaps would otherwise count twice). The longest
    part left stays; an appointment wholly inside a group counts nothing."""
    out = []
    for row in rows:
        pieces = [(row.starts_at, row.ends_at)]
        for start, end in groups.get(row.patient_id, ()):
            cut = []
            for a, b in pieces:
                if end <= a or start >= b:
                    cut.append((a, b))
                    continue
                if a < start:
                    cut.append((a, start))
                if end < b:
                    cut.append((end, b))
            pieces = cut
        if not pieces:
            continue
        a, b = max(pieces, key=lambda p: p[1] - p[0])
        out.append(
            row if (a, b) == (row.starts_at, row.ends_at) else replace(row, starts_at=a, ends_at=b)
        )
    return out


def appointment_rows(
    organization_id: int, patient_filter: Q, lo: datetime, hi: datetime
) -> list[AppointmentRow]:
    """The attended, counting appointments of the patients of `patient_filter` (a filter on
    `patient`) overlapping [lo, hi): one query, read raw (see `_raw_rows`)."""
    qs = (
        Appointment.objects.filter(
            patient_filter,
            organization_id=organization_id,
            status=AppointmentStatus.SCHEDULED,
            attendance__in=list(APPOINTMENT_ATTENDED),
            type__counts_toward_hours=True,
            starts_at__lt=hi,
            ends_at__gt=lo,
        )
        .order_by("starts_at", "id")
        .values_list(
            "id", "patient_id", "starts_at", "ends_at", "attendance", "check_in_at", "check_out_at"
        )
    )
    rows = []
    for pk, pid, starts_at, ends_at, status, raw_in, raw_out in _raw_rows(qs):
        start, end = _aware(starts_at), _aware(ends_at)
        assert start is not None and end is not None
        rows.append(
            AppointmentRow(
                pk,
                pid,
                start,
                end,
                APPOINTMENT_ATTENDED[status],
                _aware(raw_in),
                _aware(raw_out),
            )
        )
    return rows


def _absent_by_notice(
    in_window: dict[str, Any],
    sessions: dict[int, SessionInfo],
    scheduled: dict[int, list[int]],
    records: list[dc.Attendance],
    as_of: datetime | None,
) -> dict[int, list[int]]:
    """Per patient, the scheduled sessions still to come that they told the care team they
    cannot attend (an open absence notice, no attendance record): one query for the week."""
    if as_of is None:
        return {}
    recorded = {(a.patient_id, a.session_id) for a in records}
    out: dict[int, list[int]] = defaultdict(list)
    for pid, sid in AbsenceNotice.objects.filter(
        withdrawn_at__isnull=True, **in_window
    ).values_list("patient_id", "session_id"):
        info = sessions.get(sid)
        if (
            info is None
            or sid not in scheduled.get(pid, ())
            or (str(pid), str(sid)) in recorded
            or info.ends_at <= as_of
            or sid in out[pid]
        ):
            continue
        out[pid].append(sid)
    return dict(out)


def _without(free: tuple[dc.Interval, ...], busy: Iterable[SessionInfo]) -> tuple[dc.Interval, ...]:
    """Free intervals less the windows of the given sessions."""
    pieces = list(free)
    for session in busy:
        kept: list[dc.Interval] = []
        for piece in pieces:
            if session.ends_at <= piece.start or session.starts_at >= piece.end:
                kept.append(piece)
                continue
            if piece.start < session.starts_at:
                kept.append(dc.Interval(piece.start, session.starts_at))
            if session.ends_at < piece.end:
                kept.append(dc.Interval(session.ends_at, piece.end))
        pieces = kept
    return tuple(pieces)


def _leaves(patient_filter: Q, week_start: date, week_end: date) -> dict[int, list[dc.Leave]]:
    """`LeaveOfAbsence` rows overlapping the week, by patient."""
    leaves: dict[int, list[dc.Leave]] = defaultdict(list)
    for pid, first, last in LeaveOfAbsence.objects.filter(
        patient_filter, starts_on__lte=week_end, ends_on__gte=week_start
    ).values_list("patient_id", "starts_on", "ends_on"):
        leaves[pid].append(dc.Leave(first, last))
    return leaves


def _step_downs(patient_filter: Q, week_start: date, week_end: date) -> dict[int, dc.StepDown]:
    """Each patient's `StepDownAllowance` starting in the week or the two before; read in
    start order so the latest one wins."""
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
    return step_downs


def _published_free(
    organization_id: int, week_start: date, enrolled: dict[int, _Enrolled]
) -> dict[int, tuple[dc.Interval, ...]]:
    """The enrolled patients' free times in the week's published problem (`_free_blocks`)."""
    return _free_blocks(
        ScheduleWeek.objects.filter(
            organization_id=organization_id, week_start=week_start, status=WeekStatus.PUBLISHED
        ).values_list("problem", flat=True),
        week_start,
        {pid: entry.zone for pid, entry in enrolled.items()},
    )


def _whole_week(week_start: date, zone: str) -> tuple[dc.Interval, ...]:
    """The local week in `zone`: the free time of a patient the problem does not list."""
    tz = ZoneInfo(zone)
    return (
        dc.Interval(
            datetime.combine(week_start, time(0), tzinfo=tz),
            datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=tz),
        ),
    )


def _domain_patients(
    enrolled: dict[int, _Enrolled],
    *,
    week_start: date,
    scheduled: dict[int, list[int]],
    leaves: dict[int, list[dc.Leave]],
    step_downs: dict[int, dc.StepDown],
    free: dict[int, tuple[dc.Interval, ...]],
    payer_rules: dict[int, dc.PerDiemRule],
) -> list[dc.Patient]:
    """The domain's patients: a patient with no active enrolment is on leave all week, and
    one under 18 at the week's start is adolescent."""
    week_end = week_start + timedelta(days=6)
    whole_week = {
        zone: _whole_week(week_start, zone) for zone in {e.zone for e in enrolled.values()}
    }
    domain_patients: list[dc.Patient] = []
    for pid, entry in enrolled.items():
        patient_leaves = list(leaves.get(pid, ()))
        if not entry.active:
            patient_leaves.append(dc.Leave(week_start, week_end))
        domain_patients.append(
            dc.Patient(
                id=str(pid),
                site_zone=entry.zone,
                tracks=tuple(str(t) for t in entry.tracks),
                scheduled=tuple(str(s) for s in scheduled.get(pid, ())),
                adolescent=dc.is_adolescent(entry.born, week_start),
                enrolments=tuple(entry.enrolments),
                leaves=tuple(patient_leaves),
                step_down=step_downs.get(pid),
                free=free[pid] if pid in free else whole_week[entry.zone],
                starts_on=entry.starts_on,
                per_diem=payer_rules.get(pid),
            )
        )
    return domain_patients


def _open_seats(
    sessions: Iterable[SessionInfo], on_roster: dict[int, int], as_of: datetime | None
) -> list[dc.OpenSeat]:
    """Seats the domain may offer: published sessions after `as_of` with fewer on the
    roster than their capacity; none without an `as_of`."""
    if as_of is None:
        return []
    seats = []
    for session in sessions:
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
    return seats


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

    enrolled = _enrolled(organization_id, week_start, week_end, patients)
    if not enrolled:
        return result
    patient_filter = (
        Q(patient__in=patients.values("pk"))
        if patients is not None
        else Q(patient__organization_id=organization_id)
    )
    result.sessions = _sessions_in_window(organization_id, lo, hi)
    # Rows of the sessions in the window, by a join on the indexed session window (a
    # subquery with the "published or attended" test is several times slower on SQLite);
    # rows of sessions left out above are dropped by the helpers.
    in_window = {
        "session__organization_id": organization_id,
        "session__starts_at__lt": hi,
        "session__ends_at__gt": lo,
    }
    on_roster, scheduled = _rosters(in_window, result.sessions, enrolled)
    records = _attendance(in_window, result.sessions, enrolled)
    free = _published_free(organization_id, week_start, enrolled)
    noticed = _absent_by_notice(in_window, result.sessions, scheduled, records, as_of)
    for pid, sids in noticed.items():
        scheduled[pid] = [sid for sid in scheduled[pid] if sid not in sids]
        entry = enrolled.get(pid)
        if entry is not None:
            base = free.get(pid) or _whole_week(week_start, entry.zone)
            free[pid] = _without(base, (result.sessions[sid] for sid in sids))
    appointments = outside_groups(
        [
            row
            for row in appointment_rows(organization_id, patient_filter, lo, hi)
            if row.patient_id in enrolled
        ],
        {
            pid: [
                (result.sessions[sid].starts_at, result.sessions[sid].ends_at)
                for sid in sids
                if sid in result.sessions
            ]
            for pid, sids in scheduled.items()
        },
    )
    domain_patients = _domain_patients(
        enrolled,
        week_start=week_start,
        scheduled=scheduled,
        leaves=_leaves(patient_filter, week_start, week_end),
        step_downs=_step_downs(patient_filter, week_start, week_end),
        free=free,
        payer_rules=_payer_rules(enrolled),
    )
    result.tracks_of = {pid: entry.tracks for pid, entry in enrolled.items()}
    computed = dc.compute_week(
        domain_patients,
        [*records, *(a.attendance for a in appointments)],
        sessions=[
            *(
                dc.Session(str(s.id), str(s.track_id), s.starts_at, s.ends_at)
                for s in result.sessions.values()
            ),
            *(a.session for a in appointments),
        ],
        week_start=week_start,
        as_of=as_of,
        open_seats=_open_seats(result.sessions.values(), on_roster, as_of),
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
            kind, check_in, check_out = _usable(dc.AttendanceStatus(status), check_in, check_out)
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
