"""Read paths of the scheduling app: the review of a week (grid, per counselor, per patient),
a patient's sessions and curriculum coverage. Each runs a fixed number of queries, however
many groups and patients the week holds."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import access
from openiop.domain import compliance
from openiop.domain.scheduling import (
    FormatError,
    Problem,
    Report,
    Solution,
    parse_problem,
    parse_solution,
    validate,
)
from openiop.organization.models import Room, Site, Track, TrackKind
from openiop.patients.models import REQUIREMENT_STATUSES, Enrollment, Patient
from openiop.scheduling import blocks as std
from openiop.scheduling import curriculum
from openiop.scheduling.models import (
    CalendarToken,
    GroupSession,
    ScheduleWeek,
    SessionAssignment,
    SessionStatus,
    WeekStatus,
)
from openiop.scheduling.permissions import can_manage, site_ids_of
from openiop.scheduling.problem import pk_of

VIRTUAL_LABEL = "Telehealth"


@dataclass
class GroupRow:
    """One group of the solution with display names."""

    id: str
    block: str
    block_label: str
    day: str
    slot: str
    track_ref: str
    track: str
    counselor_id: int | None
    counselor: str
    room_ref: str
    room: str
    site_id: int | None
    site: str
    size: int
    max_size: int
    patients: tuple[str, ...]
    topic: str = ""

    @property
    def label(self) -> str:
        return (
            f"{self.block_label} · {self.track} · {self.room}, {self.site} · {self.size} patients"
        )


@dataclass
class Cell:
    day: str
    day_label: str
    groups: list[GroupRow]
    slot: str = ""

    @property
    def patients(self) -> int:
        """Seats taken in the cell's groups (the grid shows counts; members load on demand)."""
        return sum(g.size for g in self.groups)


@dataclass
class SlotRow:
    label: str
    hours: str
    cells: list[Cell]
    slot: str = ""

    @property
    def empty(self) -> bool:
        return not any(c.groups for c in self.cells)


@dataclass
class SiteGrid:
    name: str
    rows: list[SlotRow]
    groups: int
    key: str = ""  # the site's id, or "virtual" for telehealth groups: how fragments ask for it


def site_key(group: GroupRow) -> str:
    """How the grid's fragments name a group's site: its id, or "virtual"."""
    return "virtual" if group.site_id is None else str(group.site_id)


def cell_groups(r: Review, *, site: str, day: str, slot: str) -> list[GroupRow]:
    """The groups the user may see in one cell of the grid (a site, a day and a slot)."""
    return [g for g in r.groups if g.day == day and g.slot == slot and site_key(g) == site]


def group_visible(r: Review, group_id: str) -> GroupRow | None:
    """The group if the user may see it (the groups of the grid), else None."""
    return next((g for g in r.groups if g.id == group_id), None)


@dataclass
class Review:
    """A week as the review pages show it, restricted to what the user may see."""

    week: ScheduleWeek
    problem: Problem | None
    solution: Solution | None
    report: Report | None
    groups: list[GroupRow]
    all_groups: list[GroupRow]
    names: dict[str, str]
    stats: dict[str, Any]
    shortfalls: dict[str, dict[str, Any]]
    restricted: bool
    days: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [self.humanize(e) for e in (self.report.errors if self.report else ())]

    def humanize(self, text: str) -> str:
        """Validator text with ids replaced by names (patients only when visible)."""
        text = re.sub(
            r"\b(mon|tue|wed|thu|fri|sat|sun)-(am|pm|ev)\b",
            lambda m: std.block_label(m.group(0)),
            text,
        )
        return re.sub(r"\b([prtcs])(\d+)\b", lambda m: self.names.get(m.group(0), m.group(0)), text)


def _names(problem: Problem, user: User) -> tuple[dict[str, str], dict[str, Any]]:
    """Display names by id (4 queries + 1 for visible patients) and the raw objects."""
    track_pks = {pk for t in problem.tracks if (pk := pk_of(t.id, "track"))}
    room_pks = {pk for r in problem.rooms if (pk := pk_of(r.id, "room"))}
    user_pks = {pk for c in problem.counselors if (pk := pk_of(c.id, "counselor"))}
    site_pks = {pk for r in problem.rooms if (pk := pk_of(r.site, "site"))}
    patient_pks = {pk for p in problem.patients if (pk := pk_of(p.id, "patient"))}
    names: dict[str, str] = {}
    tracks = Track.objects.in_bulk(track_pks)
    rooms = Room.objects.in_bulk(room_pks)
    users = User.objects.in_bulk(user_pks)
    sites = Site.objects.in_bulk(site_pks)
    for pk, t in tracks.items():
        names[f"t{pk}"] = t.name
    for pk, r in rooms.items():
        names[f"r{pk}"] = r.name
    for pk, u in users.items():
        names[f"c{pk}"] = u.display_name
    for pk, s in sites.items():
        names[f"s{pk}"] = s.name
    visible = {
        p.pk: p
        for p in access.patients_visible_to(user).filter(pk__in=patient_pks).select_related("site")
    }
    for pk, p in visible.items():
        names[f"p{pk}"] = f"{p.last_name}, {p.first_name}"
    return names, {"patients": visible, "sites": sites, "users": users}


def review(week: ScheduleWeek, user: User) -> tuple[Review, dict[str, Any]]:
    """The week's review data for ``user`` (see permissions for who sees what)."""
    problem, solution = _parsed(week)
    report = validate(problem, solution) if problem and solution else None
    names, objects = _names(problem, user) if problem else ({}, {"patients": {}})
    all_groups = _group_rows(week, problem, solution, names) if problem and solution else []
    sites = site_ids_of(user)
    groups = all_groups
    if sites is not None and problem is not None:
        home = {p.id: pk_of(p.site, "site") for p in problem.patients}
        groups = [
            g
            for g in all_groups
            if g.site_id in sites
            or g.counselor_id == user.pk
            or any(home.get(p) in sites for p in g.patients)
        ]
    stats = dict(solution.stats) if solution else {}
    shortfalls = {s["patient"]: s for s in stats.get("shortfalls", []) if isinstance(s, dict)}
    days = [d for d in std.DAYS if problem and any(b.day == d for b in problem.blocks)]
    site_refs = {r.site for r in problem.rooms if r.site} if problem else set()
    site_names = sorted(
        names.get(ref, ref) for ref in site_refs if sites is None or pk_of(ref, "site") in sites
    )
    return (
        Review(
            week=week,
            problem=problem,
            solution=solution,
            report=report,
            groups=groups,
            all_groups=all_groups,
            names=names,
            stats=stats,
            shortfalls=shortfalls,
            restricted=sites is not None,
            days=days,
            sites=site_names,
        ),
        objects,
    )


def _parsed(week: ScheduleWeek) -> tuple[Problem | None, Solution | None]:
    """The week's problem and solution, each None when missing or malformed (the page then
    shows what it can instead of failing)."""
    try:
        problem: Problem | None = parse_problem(week.problem)
    except FormatError:
        problem = None
    solution = None
    if problem is not None and week.solution:
        try:
            solution = parse_solution(week.solution)
        except FormatError:
            solution = None
    return problem, solution


def _group_rows(
    week: ScheduleWeek, problem: Problem, solution: Solution, names: dict[str, str]
) -> list[GroupRow]:
    """Every group of the solution as a row, by block, site and track; a published week's
    rows carry their sessions' curriculum topics."""
    topics = {}
    if week.status in (WeekStatus.PUBLISHED, WeekStatus.SUPERSEDED):
        topics = {
            (block, f"r{room}"): topic
            for block, room, topic in GroupSession.objects.filter(week=week).values_list(
                "block_id", "room_id", "topic"
            )
        }
    rows: list[GroupRow] = []
    for g in solution.groups:
        block = std.BLOCK_BY_ID.get(g.block)
        room = problem.room_by_id.get(g.room)
        track = problem.track_by_id.get(g.track)
        rows.append(
            GroupRow(
                id=g.id,
                block=g.block,
                block_label=std.block_label(g.block),
                day=block.day if block else g.block,
                slot=block.slot if block else "",
                track_ref=g.track,
                track=names.get(g.track, g.track),
                counselor_id=pk_of(g.counselor, "counselor"),
                counselor=names.get(g.counselor, g.counselor),
                room_ref=g.room,
                room=names.get(g.room, g.room),
                site_id=pk_of(room.site, "site") if room else None,
                site=names.get(room.site, room.site) if room and room.site else VIRTUAL_LABEL,
                size=len(g.patients),
                max_size=min(track.max_group, room.capacity) if track and room else 0,
                patients=g.patients,
                topic=topics.get((g.block, g.room), ""),
            )
        )
    rows.sort(key=lambda r: (_block_order(r.block), r.site, r.track, r.id))
    return rows


def _block_order(block_id: str) -> int:
    block = std.BLOCK_BY_ID.get(block_id)
    return std.STANDARD_BLOCKS.index(block) if block else 999


def grid(r: Review) -> list[SiteGrid]:
    """Site x day x block: one table per site (telehealth last), groups in each cell."""
    by_site: defaultdict[str, list[GroupRow]] = defaultdict(list)
    for g in r.groups:
        by_site[g.site].append(g)
    order = sorted({*r.sites, *(k for k in by_site if k != VIRTUAL_LABEL)})
    if VIRTUAL_LABEL in by_site:
        order.append(VIRTUAL_LABEL)
    out = []
    for site in order:
        rows = []
        for slot, label, start, end in std.SLOTS:
            cells = [
                Cell(
                    day,
                    std.DAY_NAMES[day],
                    [g for g in by_site[site] if g.day == day and g.slot == slot],
                    slot,
                )
                for day in r.days
            ]
            rows.append(SlotRow(label, f"{start:%H:%M}-{end:%H:%M}", cells, slot))
        key = site_key(by_site[site][0]) if by_site[site] else ""
        out.append(SiteGrid(site, rows, len(by_site[site]), key))
    return out


@dataclass
class CounselorRow:
    name: str
    ref: str
    groups: list[GroupRow]
    hours: float
    max_hours: float


def counselors(r: Review) -> list[CounselorRow]:
    if r.problem is None:
        return []
    mine: defaultdict[str, list[GroupRow]] = defaultdict(list)
    for g in r.groups:
        mine[f"c{g.counselor_id}"].append(g)
    rows = []
    for c in r.problem.counselors:
        groups = mine.get(c.id, [])
        if r.restricted and not groups:
            continue
        hours = sum(std.BLOCK_BY_ID[g.block].hours for g in groups if g.block in std.BLOCK_BY_ID)
        rows.append(CounselorRow(r.names.get(c.id, c.id), c.id, groups, hours, c.max_hours))
    rows.sort(key=lambda row: (-len(row.groups), row.name))
    return rows


@dataclass
class PatientRow:
    patient: Patient
    ref: str
    groups: list[GroupRow]
    hours: float
    min_hours: float
    max_hours: float
    shortfall: dict[str, Any] | None
    options: list[GroupRow]
    coverage: curriculum.Coverage
    notes: list[str]

    @property
    def short(self) -> bool:
        return self.hours + 1e-9 < self.min_hours


def patient_refs_visible(r: Review, objects: dict[str, Any]) -> list[str]:
    """Ids of the week's patients the user may see, by name."""
    if r.problem is None:
        return []
    visible: dict[int, Patient] = objects["patients"]
    refs = [p.id for p in r.problem.patients if pk_of(p.id, "patient") in visible]
    return sorted(
        refs,
        key=lambda ref: (
            visible[pk_of(ref, "patient") or 0].last_name,
            visible[pk_of(ref, "patient") or 0].first_name,
            ref,
        ),
    )


def coverage_for(
    patient_ids: Iterable[int], now: datetime | None = None
) -> dict[int, curriculum.Coverage]:
    """Curriculum coverage per patient from their scheduled sessions (one query)."""
    now = now or timezone.now()
    past: defaultdict[int, list[str]] = defaultdict(list)
    future: defaultdict[int, list[str]] = defaultdict(list)
    ids = list(patient_ids)
    rows = (
        SessionAssignment.objects.filter(
            patient_id__in=ids, session__status=SessionStatus.SCHEDULED
        )
        .exclude(session__topic="")
        .values_list("patient_id", "session__topic", "session__starts_at")
    )
    for pid, topic, starts in rows:
        (past if starts <= now else future)[int(pid)].append(topic)
    return {pid: curriculum.coverage(past[pid], future[pid]) for pid in ids}


def patient_rows(r: Review, objects: dict[str, Any], refs: list[str]) -> list[PatientRow]:
    """Rows of the per-patient view for these (visible) patient ids."""
    if r.problem is None:
        return []
    visible: dict[int, Patient] = objects["patients"]
    in_group: defaultdict[str, list[GroupRow]] = defaultdict(list)
    for g in r.all_groups:
        for p in g.patients:
            in_group[p].append(g)
    by_track: defaultdict[str, list[GroupRow]] = defaultdict(list)
    for g in r.all_groups:
        by_track[g.track_ref].append(g)
    notes: defaultdict[str, list[str]] = defaultdict(list)
    for n in r.week.notes or []:
        if isinstance(n, dict) and n.get("ref"):
            notes[str(n["ref"])].append(str(n.get("text", "")))
    pks = [pk for ref in refs if (pk := pk_of(ref, "patient")) is not None]
    cover = coverage_for(pks)
    rows = []
    for ref in refs:
        entry = r.problem.patient_by_id[ref]
        pk = pk_of(ref, "patient") or 0
        groups = sorted(in_group.get(ref, []), key=lambda g: _block_order(g.block))
        mine = {g.id for g in groups}
        options = [g for t in entry.tracks for g in by_track.get(t, []) if g.id not in mine]
        options.sort(key=lambda g: (_block_order(g.block), g.site, g.id))
        hours = sum(std.BLOCK_BY_ID[g.block].hours for g in groups if g.block in std.BLOCK_BY_ID)
        short = r.shortfalls.get(ref)
        if short is not None:
            short = {**short, "reason": r.humanize(str(short.get("reason", "")))}
        rows.append(
            PatientRow(
                patient=visible[pk],
                ref=ref,
                groups=groups,
                hours=hours,
                min_hours=entry.min_hours,
                max_hours=entry.max_hours,
                shortfall=short,
                options=options,
                coverage=cover[pk],
                notes=[r.humanize(n) for n in notes.get(ref, [])],
            )
        )
    return rows


WEEK_BULK_FIELDS = (
    "problem",
    "solution",
    "notes",
    "parent__problem",
    "parent__solution",
    "parent__notes",
)
"""A week's (and its parent's) JSON documents, which lists of weeks leave unread."""


def weeks_for(user: User) -> QuerySet[ScheduleWeek]:
    qs = ScheduleWeek.objects.filter(organization_id=access.organization_id(user)).select_related(
        "created_by", "parent"
    )
    if not can_manage(user):
        qs = qs.filter(status=WeekStatus.PUBLISHED)
    return qs.order_by("-week_start", "-revision")


def published_week(organization_id: int, week_start: date) -> ScheduleWeek | None:
    return (
        ScheduleWeek.objects.filter(
            organization_id=organization_id, week_start=week_start, status=WeekStatus.PUBLISHED
        )
        .order_by("-revision")
        .first()
    )


@dataclass
class WeekSessions:
    week_start: date
    sessions: list[GroupSession]
    hours: float
    required: float
    requirement: str = ""  # e.g. "9 h a week (one requirement across both tracks)"


def patient_sessions(
    patient: Patient, weeks: int = 2, today: date | None = None
) -> list[WeekSessions]:
    """The patient's scheduled sessions this week and the next ``weeks - 1`` (two queries)."""
    today = today or timezone.localdate()
    monday = std.monday_of(today)
    # One requirement across all of the patient's tracks (the same enrolment statuses), as on
    # the plan and week pages.
    combined = compliance.weekly_requirement(
        [
            compliance.TrackEnrolment(
                str(track_id),
                adolescent_track=kind == TrackKind.ADOLESCENTS,
                track_minimum_minutes=int(track_min * 60),
                required_minutes=int(hours * 60),
            )
            for track_id, kind, track_min, hours in Enrollment.objects.filter(
                patient=patient, status__in=REQUIREMENT_STATUSES
            ).values_list(
                "track_id", "track__kind", "track__min_weekly_hours", "required_weekly_hours"
            )
        ],
        adolescent=compliance.is_adolescent(patient.date_of_birth, today),
    )
    required = combined.minutes / 60 if combined.tracks else 0.0
    label = combined.label if combined.tracks else ""
    # A margin of a day each side: sessions are stored in UTC, weeks are local.
    start = timezone.make_aware(datetime.combine(monday - timedelta(days=1), datetime.min.time()))
    end = start + timedelta(days=7 * weeks + 2)
    sessions = list(
        GroupSession.objects.filter(
            assignments__patient=patient,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("room", "site", "track", "counselor", "week")
        .order_by("starts_at", "id")
    )
    out = []
    for i in range(weeks):
        week_start = monday + timedelta(days=7 * i)
        mine = [s for s in sessions if s.week.week_start == week_start]
        out.append(WeekSessions(week_start, mine, sum(s.hours for s in mine), required, label))
    return out


def active_token(
    *, patient: Patient | None = None, user: User | None = None
) -> CalendarToken | None:
    return (
        CalendarToken.objects.filter(patient=patient, user=user, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def session_zones(sessions: Iterable[GroupSession]) -> dict[int, str]:
    """Each session's time zone: its site's, or for a virtual room the counselor's first
    site's (one query for all virtual sessions)."""
    sessions = list(sessions)
    counselor_ids = {s.counselor_id for s in sessions if s.site_id is None}
    first: dict[int, str] = {}
    if counselor_ids:
        rows = (
            Site.objects.filter(staff__user_id__in=counselor_ids)
            .order_by("staff__user_id", "pk")
            .values_list("staff__user_id", "timezone")
        )
        for user_id, zone in rows:
            first.setdefault(int(user_id), zone)
    return {
        s.pk: s.site.timezone if s.site is not None else first.get(s.counselor_id, "UTC")
        for s in sessions
    }
