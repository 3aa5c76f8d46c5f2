"""The week as pages show it: each visible patient's hours and status (from
`hours.week_compliance`), the open seats that would fix a shortfall, and attendance by
track. A fixed number of queries whatever the number of patients."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from openiop.core import access
from openiop.delivery.hours import WeekCompliance, week_compliance
from openiop.domain import compliance as dc
from openiop.organization.models import Track
from openiop.patients.models import Patient

if TYPE_CHECKING:
    from openiop.accounts.models import User

STATUS_ORDER = {
    dc.Status.SHORT: 0,
    dc.Status.AT_RISK: 1,
    dc.Status.ON_TRACK: 2,
    dc.Status.MET: 3,
    dc.Status.ON_LEAVE: 4,
}
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


@dataclass
class WeekRow:
    patient: Patient
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
        return [r for r in self.rows if r.week.status in (dc.Status.SHORT, dc.Status.AT_RISK)]


def week_report(user: User, week_start: date, *, as_of: datetime) -> WeekReport:
    computed: WeekCompliance = week_compliance(
        organization_id=access.organization_id(user),
        week_start=week_start,
        as_of=as_of,
        patients=access.patients_visible_to(user),
    )
    return build_report(computed, week_start)


def build_report(computed: WeekCompliance, week_start: date) -> WeekReport:
    report = WeekReport(week_start)
    if not computed.results:
        return report
    patients = {
        p.pk: p
        for p in Patient.objects.filter(pk__in=list(computed.results)).select_related("site")
    }
    track_ids = {t for ts in computed.tracks_of.values() for t in ts}
    track_ids |= {s.track_id for s in computed.sessions.values()}
    tracks = dict(Track.objects.filter(pk__in=track_ids).values_list("pk", "name"))
    by_track: dict[int, TrackRow] = {}
    for pid, result in computed.results.items():
        patient = patients[pid]
        zone = ZoneInfo(patient.site.timezone)
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
