"""The week as pages show it: each visible patient's hours and status (from
`hours.week_compliance`), the open seats that would fix a shortfall, and attendance by
track. A fixed number of queries whatever the number of patients."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from openiop.core import access
from openiop.delivery.hours import (
    ENROLMENT_FIELDS,
    WeekCompliance,
    is_appointment,
    week_compliance,
)
from openiop.delivery.models import AttendanceRecord, BillingRule, DropIn, StepDownAllowance
from openiop.domain import compliance as dc
from openiop.organization.models import Track
from openiop.patients.models import REQUIREMENT_STATUSES, Enrollment, Patient
from openiop.portal.models import AbsenceNotice
from openiop.scheduling.models import GroupSession, SessionAssignment, SessionStatus, WeekStatus

if TYPE_CHECKING:
    from openiop.accounts.models import User

STATUS_ORDER = {
    dc.Status.SHORT: 0,
    dc.Status.AT_RISK: 1,
    dc.Status.ON_TRACK: 2,
    dc.Status.MET: 3,
    dc.Status.ON_LEAVE: 4,
}
NEEDS_ACTION = frozenset({dc.Status.SHORT, dc.Status.AT_RISK})
STATUS_LABELS = {
    dc.Status.SHORT: "Short",
    dc.Status.AT_RISK: "At risk",
    dc.Status.ON_TRACK: "On track",
    dc.Status.MET: "Met",
    dc.Status.ON_LEAVE: "On leave",
}
BILLING_LABELS = {
    dc.Billing.PER_DIEM: "Per diem",
    dc.Billing.DISCRETE: "Discrete services",
    dc.Billing.NONE: "—",
}


def hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}"


@dataclass
class Suggestion:
    track: str
    start: datetime
    end: datetime
    minutes: int


@dataclass(frozen=True, slots=True)
class PatientName:
    """What the week's lists show of a patient: the link's id, the name and the site's time
    zone. Read as plain values for every visible patient (thousands on a large program), so
    the week costs no model instance per patient."""

    pk: int
    first_name: str
    last_name: str
    timezone: str


@dataclass
class WeekRow:
    patient: PatientName
    week: dc.PatientWeek
    suggestions: list[Suggestion]
    tracks: int = 1

    @property
    def requirement(self) -> str:
        """The week's requirement in the words every page uses, e.g. "9 h a week (one
        requirement across both tracks)"."""
        return dc.requirement_label(self.week.required_minutes, self.tracks)

    @property
    def status_label(self) -> str:
        if self.week.cannot_reach:
            return "Cannot reach"
        return STATUS_LABELS[self.week.status]

    @property
    def required(self) -> str:
        return hours(self.week.required_minutes)

    @property
    def attended(self) -> str:
        return hours(self.week.attended_minutes)

    @property
    def scheduled(self) -> str:
        return hours(self.week.scheduled_minutes)

    @property
    def remaining(self) -> str:
        return hours(self.week.remaining_minutes)

    @property
    def per_diem_days(self) -> int:
        return sum(1 for d in self.week.days if d.billing is dc.Billing.PER_DIEM)

    @property
    def program_days(self) -> str:
        """Program compliance on days, e.g. "1 of 3" (reported, not a billing rule)."""
        if not self.week.program_days_required:
            return str(self.week.program_days)
        return f"{self.week.program_days} of {self.week.program_days_required}"

    @property
    def payer_rule(self) -> dc.PerDiemRule | None:
        """The payer's rule the days were billed under, when it is not the default."""
        rule = self.week.per_diem_rule
        return None if rule == dc.DEFAULT_PER_DIEM else rule


@dataclass
class TrackRow:
    name: str
    patients: int = 0
    attended: int = 0
    absences: int = 0
    minutes: int = 0

    @property
    def hours(self) -> str:
        return hours(self.minutes)

    @property
    def rate(self) -> str:
        total = self.attended + self.absences
        return f"{100 * self.attended / total:.0f}%" if total else "—"


@dataclass
class WeekReport:
    week_start: date
    rows: list[WeekRow] = field(default_factory=list)
    tracks: list[TrackRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def payer_rules(self) -> list[dc.PerDiemRule]:
        """The payers' rules applied this week (each once), for the page's note."""
        seen: dict[tuple[str, str], dc.PerDiemRule] = {}
        for row in self.rows:
            rule = row.payer_rule
            if rule is not None:
                seen.setdefault((rule.payer, rule.source), rule)
        return [seen[key] for key in sorted(seen)]

    @property
    def at_risk(self) -> list[WeekRow]:
        return [r for r in self.rows if r.week.status in NEEDS_ACTION]


def week_report(user: User, week_start: date, *, as_of: datetime) -> WeekReport:
    computed: WeekCompliance = week_compliance(
        organization_id=access.organization_id(user),
        week_start=week_start,
        as_of=as_of,
        patients=access.patients_visible_to(user),
    )
    return build_report(computed, week_start)


def at_risk_count(user: User, week_start: date, *, as_of: datetime) -> int:
    """How many of the patients the user can see are short or at risk this week: the week
    page's "need action" count, without building its rows (the home page shows the number)."""
    computed = week_compliance(
        organization_id=access.organization_id(user),
        week_start=week_start,
        as_of=as_of,
        patients=access.patients_visible_to(user),
    )
    return sum(1 for week in computed.results.values() if week.status in NEEDS_ACTION)


def rows_for(
    user: User, week_start: date, patient_ids: list[int], *, as_of: datetime
) -> dict[int, WeekRow]:
    """The week rows of these patients (only those the user may see), by patient id: the
    same figures as the week page, computed for these patients only."""
    if not patient_ids:
        return {}
    computed = week_compliance(
        organization_id=access.organization_id(user),
        week_start=week_start,
        as_of=as_of,
        patients=access.patients_visible_to(user).filter(pk__in=patient_ids),
    )
    return {row.patient.pk: row for row in build_report(computed, week_start).rows}


def build_report(computed: WeekCompliance, week_start: date) -> WeekReport:
    report = WeekReport(week_start)
    if not computed.results:
        return report
    patients = {
        row[0]: PatientName(*row)
        for row in Patient.objects.filter(pk__in=list(computed.results))
        .order_by()
        .values_list("pk", "first_name", "last_name", "site__timezone")
    }
    zones: dict[str, ZoneInfo] = {}
    track_ids = {t for ts in computed.tracks_of.values() for t in ts}
    track_ids |= {s.track_id for s in computed.sessions.values()}
    tracks = dict(Track.objects.filter(pk__in=track_ids).values_list("pk", "name"))
    by_track: dict[int, TrackRow] = {}
    for pid, result in computed.results.items():
        patient = patients[pid]
        zone = zones.get(patient.timezone) or zones.setdefault(
            patient.timezone, ZoneInfo(patient.timezone)
        )
        suggestions = [
            Suggestion(
                tracks.get(int(s.track), "?"),
                s.start.astimezone(zone).replace(tzinfo=None),  # naive local, for display
                s.end.astimezone(zone).replace(tzinfo=None),
                s.minutes,
            )
            for s in result.suggestions
        ]
        track_count = len(set(computed.tracks_of.get(pid, [])))
        report.rows.append(WeekRow(patient, result, suggestions, track_count))
        for track_id in computed.tracks_of.get(pid, []):
            by_track.setdefault(track_id, TrackRow(tracks.get(track_id, "?"))).patients += 1
        for item in result.sessions:
            if is_appointment(item.session_id):
                continue  # a group track's figures count its groups only
            info = computed.sessions.get(int(item.session_id))
            if info is None:
                continue
            row = by_track.setdefault(info.track_id, TrackRow(tracks.get(info.track_id, "?")))
            if item.status.is_absence:
                row.absences += 1
            else:
                row.attended += 1
                row.minutes += item.minutes
    report.rows.sort(
        key=lambda r: (
            STATUS_ORDER[r.week.status],
            -r.week.unresolved_minutes,
            r.patient.last_name,
            r.patient.first_name,
            r.patient.pk,
        )
    )
    report.tracks = sorted(by_track.values(), key=lambda t: t.name)
    counts = Counter(STATUS_LABELS[r.week.status] for r in report.rows)
    report.counts = {label: counts.get(label, 0) for label in STATUS_LABELS.values()}
    return report


@dataclass
class PatientWeeks:
    """One patient's weeks: the domain's result and the tracks they were enrolled in."""

    results: dict[date, dc.PatientWeek] = field(default_factory=dict)
    tracks: dict[date, list[int]] = field(default_factory=dict)


def patient_weeks(patient: Patient, week_starts: list[date], *, as_of: datetime) -> PatientWeeks:
    """One patient's compliance in several weeks at once, the same results as calling
    `hours.week_compliance` for each week with only this patient, from one read of each
    kind of row for the whole span (a fixed number of queries however many weeks).

    Only this patient's rows are read: their enrolments, the sessions they are on, attended
    or could take a seat in (their tracks, still to come), their attendance, their attended
    appointments that count toward hours (`hours.appointment_rows`), absence notices, leaves
    and step-downs. Free times come from the published problem of the last
    week only: the domain offers seats inside the week and after `as_of`, so earlier weeks
    never use them."""
    from openiop.delivery import hours as h

    out = PatientWeeks()
    if not week_starts:
        return out
    weeks = sorted(set(week_starts))
    first, last = weeks[0], weeks[-1] + timedelta(days=6)
    lo = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
    hi = datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC)
    org = patient.organization_id

    enrolment_rows = list(
        Enrollment.objects.filter(
            patient=patient, status__in=REQUIREMENT_STATUSES, starts_on__lte=last
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .values_list(*ENROLMENT_FIELDS, "ends_on")
    )
    if not enrolment_rows:
        return out
    tracks = {row[1] for row in enrolment_rows}
    mine = (
        Q(pk__in=SessionAssignment.objects.filter(patient=patient).values("session_id"))
        | Q(pk__in=DropIn.objects.filter(patient=patient).values("session_id"))
        | Q(pk__in=AttendanceRecord.objects.filter(patient=patient).values("session_id"))
        | Q(track_id__in=tracks, starts_at__gt=as_of, week__status=WeekStatus.PUBLISHED)
    )
    seat_count = Subquery(
        SessionAssignment.objects.filter(session=OuterRef("pk"))
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    drop_count = Subquery(
        DropIn.objects.filter(session=OuterRef("pk"))
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    sessions: dict[int, h.SessionInfo] = {}
    on_roster: dict[int, int] = {}
    for sid, track_id, starts_at, ends_at, capacity, max_group, status, n_a, n_d in (
        GroupSession.objects.filter(organization_id=org, starts_at__lt=hi, ends_at__gt=lo)
        .exclude(status=SessionStatus.CANCELLED)
        .filter(
            Q(week__status=WeekStatus.PUBLISHED)
            | Exists(AttendanceRecord.objects.filter(session=OuterRef("pk")))
        )
        .filter(mine)
        .annotate(n_a=Coalesce(seat_count, 0), n_d=Coalesce(drop_count, 0))
        .values_list(
            "id",
            "track_id",
            "starts_at",
            "ends_at",
            "room__capacity",
            "track__max_group",
            "week__status",
            "n_a",
            "n_d",
        )
    ):
        sessions[sid] = h.SessionInfo(
            sid,
            track_id,
            starts_at,
            ends_at,
            min(capacity, max_group),
            status == WeekStatus.PUBLISHED,
        )
        on_roster[sid] = n_a + n_d
    window = {"session__starts_at__lt": hi, "session__ends_at__gt": lo}
    roster_ids = [
        *SessionAssignment.objects.filter(patient=patient, **window).values_list(
            "session_id", flat=True
        ),
        *DropIn.objects.filter(patient=patient, **window).values_list("session_id", flat=True),
    ]
    kinds = {status.value: status for status in dc.AttendanceStatus}
    records: list[tuple[int, dc.Attendance]] = []
    for sid, status, raw_in, raw_out in h._raw_rows(
        AttendanceRecord.objects.filter(patient=patient, **window).values_list(
            "session_id", "status", "check_in_at", "check_out_at"
        )
    ):
        if sid in sessions:
            kind, check_in, check_out = h._usable(
                kinds[status], h._aware(raw_in), h._aware(raw_out)
            )
            records.append(
                (sid, dc.Attendance(str(patient.pk), str(sid), kind, check_in, check_out))
            )
    notices = list(
        AbsenceNotice.objects.filter(
            patient=patient, withdrawn_at__isnull=True, **window
        ).values_list("session_id", flat=True)
    )
    patient_filter = Q(patient=patient)
    appointments = h.appointment_rows(org, patient_filter, lo, hi)
    leaves = h._leaves(patient_filter, first, last)
    step_down_rows = list(
        StepDownAllowance.objects.filter(
            patient=patient, starts_on__lte=last, starts_on__gte=first - timedelta(days=14)
        )
        .order_by("starts_on", "id")
        .values_list("starts_on", "weekly_hours", "weeks")
    )
    programs = {row[9] for row in enrolment_rows}
    rules = {
        row.program_id: h.per_diem_rule(row)
        for row in BillingRule.objects.filter(program_id__in=programs)
    }
    latest = weeks[-1]
    free = h._published_free(
        org,
        latest,
        h._fold_enrollments(row[:10] for row in enrolment_rows),
    )

    for week_start in weeks:
        week_end = week_start + timedelta(days=6)
        w_lo = datetime.combine(week_start - timedelta(days=1), time(0), tzinfo=UTC)
        w_hi = datetime.combine(week_end + timedelta(days=2), time(0), tzinfo=UTC)
        enrolled = h._fold_enrollments(
            row[:10]
            for row in enrolment_rows
            if row[8] <= week_end and (row[10] is None or row[10] >= week_start)
        )
        if not enrolled:
            continue
        week_sessions = {
            sid: s for sid, s in sessions.items() if s.starts_at < w_hi and s.ends_at > w_lo
        }
        scheduled: list[int] = []
        for sid in roster_ids:
            if sid in week_sessions and sid not in scheduled:
                scheduled.append(sid)
        week_records = [a for sid, a in records if sid in week_sessions]
        recorded = {int(a.session_id) for a in week_records}
        noticed = [
            sid
            for sid in dict.fromkeys(notices)
            if sid in week_sessions
            and sid in scheduled
            and sid not in recorded
            and week_sessions[sid].ends_at > as_of
        ]
        week_free = dict(free) if week_start == latest else {}
        if noticed:
            scheduled = [sid for sid in scheduled if sid not in noticed]
            entry = enrolled[patient.pk]
            base = week_free.get(patient.pk) or h._whole_week(week_start, entry.zone)
            week_free[patient.pk] = h._without(base, (week_sessions[sid] for sid in noticed))
        step_down = None
        for starts_on, weekly_hours, n_weeks in step_down_rows:
            if week_start - timedelta(days=14) <= starts_on <= week_end:
                step_down = dc.StepDown(starts_on, h._minutes(weekly_hours) or 0, n_weeks)
        week_leaves = [
            leave
            for leave in leaves.get(patient.pk, [])
            if leave.first_day <= week_end and leave.last_day >= week_start
        ]
        payer = [
            (not rules[p].requires_week, p) for p in enrolled[patient.pk].programs if p in rules
        ]
        domain_patients = h._domain_patients(
            enrolled,
            week_start=week_start,
            scheduled={patient.pk: scheduled},
            leaves={patient.pk: week_leaves},
            step_downs={patient.pk: step_down} if step_down else {},
            free=week_free,
            payer_rules={patient.pk: rules[min(payer)[1]]} if payer else {},
        )
        week_appointments = h.outside_groups(
            [a for a in appointments if a.starts_at < w_hi and a.ends_at > w_lo],
            {
                patient.pk: [
                    (week_sessions[sid].starts_at, week_sessions[sid].ends_at) for sid in scheduled
                ]
            },
        )
        computed = dc.compute_week(
            domain_patients,
            [
                *(a for _, a in records if int(a.session_id) in week_sessions),
                *(a.attendance for a in week_appointments),
            ],
            sessions=[
                *(
                    dc.Session(str(s.id), str(s.track_id), s.starts_at, s.ends_at)
                    for s in week_sessions.values()
                ),
                *(a.session for a in week_appointments),
            ],
            week_start=week_start,
            as_of=as_of,
            open_seats=h._open_seats(week_sessions.values(), on_roster, as_of),
        )
        out.results[week_start] = computed[str(patient.pk)]
        out.tracks[week_start] = enrolled[patient.pk].tracks
    return out


def current_row(patient: Patient, result: dc.PatientWeek, tracks: list[int]) -> WeekRow:
    """The week page's row of one patient (track names of the suggestions: one query when
    there are suggestions)."""
    track_ids = {int(s.track) for s in result.suggestions}
    names = (
        dict(Track.objects.filter(pk__in=track_ids).values_list("pk", "name")) if track_ids else {}
    )
    zone = ZoneInfo(patient.site.timezone)
    suggestions = [
        Suggestion(
            names.get(int(s.track), "?"),
            s.start.astimezone(zone).replace(tzinfo=None),
            s.end.astimezone(zone).replace(tzinfo=None),
            s.minutes,
        )
        for s in result.suggestions
    ]
    name = PatientName(patient.pk, patient.first_name, patient.last_name, patient.site.timezone)
    return WeekRow(name, result, suggestions, len(set(tracks)))
