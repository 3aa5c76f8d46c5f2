"""Read paths of "My week" and self check-in: the patient's published sessions with what
changed since the week before, their "can't make it" notices, their appointments beside the
groups (with the video link shown only when it is time to join), and today's sessions with the
check-in window. A fixed number of queries whatever the number of sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from openiop.appointments.models import Appointment, AppointmentStatus, VideoService
from openiop.delivery.conf import SETTINGS
from openiop.delivery.models import AttendanceRecord
from openiop.portal.models import AbsenceNotice, PortalAccount, PortalSettings
from openiop.scheduling import selectors as scheduling
from openiop.scheduling.models import GroupSession, SessionStatus, WeekStatus

VIDEO_TEXT = "Video: link given by your counselor"
JOIN_BEFORE = timedelta(minutes=15)  # program policy: the video link shows from 15 minutes before


def clock(moment: datetime) -> str:
    """A local time as people say it: "6:00 pm"."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def hours_text(hours: float) -> str:
    value = round(hours, 2)
    text = f"{value:g}"
    return f"{text} hour" if value == 1 else f"{text} hours"


def patient_zone(account: PortalAccount) -> ZoneInfo:
    return ZoneInfo(account.patient.site.timezone)


def where(session: GroupSession) -> str:
    """The room and site; for a virtual room the video link (rooms have no link field, so the
    counselor gives it)."""
    if session.room.virtual:
        return VIDEO_TEXT
    if session.site is not None:
        return f"{session.room.name}, {session.site.name}"
    return session.room.name


@dataclass
class SessionLine:
    session: GroupSession
    local_start: datetime
    local_end: datetime
    day: str
    start: str
    end: str
    group: str
    where: str
    counselor: str
    future: bool
    change: str = ""  # "", "new" or "changed"
    change_text: str = ""
    since_seen: bool = False  # in a schedule published after the patient last looked
    notice: AbsenceNotice | None = None

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.local_start.weekday(), self.start, self.session.room_id)


@dataclass
class AppointmentLine:
    """One of the patient's appointments as "My week" shows it (their local time)."""

    appointment: Appointment
    local_start: datetime
    day: str
    start: str
    end: str
    kind: str
    with_whom: str
    video: bool
    join_url: str = ""  # only from `JOIN_BEFORE` the start to its end
    video_text: str = ""  # what shows instead of the link


@dataclass
class WeekView:
    week_start: date
    title: str
    lines: list[SessionLine]
    hours: float
    required: float
    requirement: str
    dropped: list[str] = field(default_factory=list)
    updated_since_seen: bool = False
    appointments: list[AppointmentLine] = field(default_factory=list)

    @property
    def hours_sentence(self) -> str:
        which = "this week" if self.title == "This week" else "next week"
        if not self.lines:
            base = f"You have no group sessions on the schedule for {which} yet."
        else:
            base = f"You are scheduled for {hours_text(self.hours)} of group sessions."
        if not self.required:
            return f"{base} Your weekly hours goal is not set yet: ask your counselor."
        goal = f"{base} Your program asks for {hours_text(self.required)} a week"
        # The requirement's own words add only what its parenthesis says (e.g. one
        # requirement across two tracks); the hours are already given.
        extra = re.search(r"\((.+)\)", self.requirement or "")
        goal += f" ({extra.group(1)})." if extra else "."
        if self.lines and self.hours < self.required:
            goal += (
                f" That is {hours_text(self.required - self.hours)} less: your counselor will "
                "talk with you about extra sessions."
            )
        return goal

    @property
    def noticed_sentence(self) -> str:
        noticed = [line for line in self.lines if line.notice is not None]
        if not noticed:
            return ""
        hours = sum(line.session.hours for line in noticed)
        count = "1 session" if len(noticed) == 1 else f"{len(noticed)} sessions"
        return f"You told the care team you can't come to {count} ({hours_text(hours)})."


def _line(session: GroupSession, zone: ZoneInfo, now: datetime) -> SessionLine:
    start = timezone.localtime(session.starts_at, zone)
    end = timezone.localtime(session.ends_at, zone)
    return SessionLine(
        session=session,
        local_start=start,
        local_end=end,
        day=day_label(start.date()),
        start=clock(start),
        end=clock(end),
        group=session.track.name,
        where=where(session),
        counselor=session.counselor.first_name or "your counselor",
        future=session.starts_at > now,
    )


def _describe(before: SessionLine, after: SessionLine) -> str:
    parts = []
    if before.local_start.weekday() != after.local_start.weekday():
        parts.append(f"the day (was {before.local_start:%A})")
    if before.start != after.start:
        parts.append(f"the time (was {before.start})")
    if before.session.room_id != after.session.room_id:
        parts.append(f"the place (was {before.where})")
    if not parts:
        return "Changed since the week before."
    return "Changed from the week before: " + ", ".join(parts) + "."


def _compare(lines: list[SessionLine], previous: list[SessionLine]) -> list[str]:
    """Mark each session new or changed against the week before by (weekday, local start,
    room); returns what the week before had that is no longer there. Nothing is marked when
    either week has no sessions (a first week, or a week not published yet)."""
    if not previous or not lines:
        return []
    before_keys = {p.key for p in previous}
    after_keys = {line.key for line in lines}
    unmatched = [p for p in previous if p.key not in after_keys]
    for line in lines:
        if line.key in before_keys:
            continue
        same_day = next(
            (p for p in unmatched if p.local_start.weekday() == line.local_start.weekday()), None
        )
        counterpart = same_day or next(
            (p for p in unmatched if (p.start, p.session.room_id) == line.key[1:]), None
        )
        if counterpart is None:
            line.change, line.change_text = "new", "New this week: not on the week before."
        else:
            unmatched.remove(counterpart)
            line.change, line.change_text = "changed", _describe(counterpart, line)
    return [f"{p.local_start:%A} {p.start} ({p.group})" for p in unmatched]


def _previous_week(account: PortalAccount, monday: date) -> list[GroupSession]:
    """The patient's published, not cancelled sessions of the week before `monday`."""
    return list(
        GroupSession.objects.filter(
            assignments__patient=account.patient,
            status=SessionStatus.SCHEDULED,
            week__status=WeekStatus.PUBLISHED,
            week__week_start=monday - timedelta(days=7),
        )
        .select_related("room", "site", "track", "counselor", "week")
        .order_by("starts_at", "id")
    )


def _appointment_line(
    a: Appointment, zone: ZoneInfo, now: datetime, video: VideoService | None
) -> AppointmentLine:
    start = timezone.localtime(a.starts_at, zone)
    line = AppointmentLine(
        appointment=a,
        local_start=start,
        day=day_label(start.date()),
        start=clock(start),
        end=clock(timezone.localtime(a.ends_at, zone)),
        kind=a.get_kind_display(),
        with_whom=a.staff.display_name,
        video=a.telehealth,
    )
    if not a.telehealth:
        return line
    if video is None or not a.video_key:
        line.video_text = VIDEO_TEXT
    elif now < a.starts_at - JOIN_BEFORE:
        line.video_text = "The link appears 15 minutes before the start."
    elif now <= a.ends_at:
        line.join_url = video.link(a.video_key)
    else:
        line.video_text = "This video visit has ended."
    return line


def my_appointments(
    account: PortalAccount, week_starts: list[date], now: datetime
) -> dict[date, list[AppointmentLine]]:
    """The patient's scheduled (not cancelled) appointments of these weeks, by week: one
    query, and one more for the program's video service when one is by video."""
    rows = list(
        Appointment.objects.filter(
            patient=account.patient,
            status=AppointmentStatus.SCHEDULED,
            week_start__in=week_starts,
        )
        .select_related("staff")
        .order_by("starts_at", "id")
    )
    video = None
    if any(a.telehealth for a in rows):
        video = VideoService.objects.filter(organization_id=account.patient.organization_id).first()
    zone = patient_zone(account)
    out: dict[date, list[AppointmentLine]] = {monday: [] for monday in week_starts}
    for a in rows:
        out.setdefault(a.week_start, []).append(_appointment_line(a, zone, now, video))
    return out


def my_week(account: PortalAccount, now: datetime | None = None) -> list[WeekView]:
    """This week and next, each compared with the week before it."""
    now = now or timezone.now()
    zone = patient_zone(account)
    today = timezone.localtime(now, zone).date()
    weeks = scheduling.patient_sessions(account.patient, weeks=2, today=today)
    for week in weeks:
        week.sessions = [s for s in week.sessions if s.week.status == WeekStatus.PUBLISHED]
        week.hours = sum(s.hours for s in week.sessions)
    before = _previous_week(account, weeks[0].week_start)
    everything = before + [s for w in weeks for s in w.sessions]
    zones = scheduling.session_zones(everything)
    notices = {
        n.session_id: n
        for n in AbsenceNotice.objects.filter(
            patient=account.patient,
            withdrawn_at__isnull=True,
            session_id__in=[s.pk for w in weeks for s in w.sessions],
        )
    }
    seen = account.week_seen_at
    appointments = my_appointments(account, [w.week_start for w in weeks], now)

    def lines_of(sessions: list[GroupSession]) -> list[SessionLine]:
        return [_line(s, ZoneInfo(zones.get(s.pk, "UTC")), now) for s in sessions]

    previous = lines_of(before)
    out = []
    for index, week in enumerate(weeks):
        lines = lines_of(week.sessions)
        dropped = _compare(lines, previous)
        published = [s.week.published_at for s in week.sessions if s.week.published_at]
        updated = seen is not None and any(p > seen for p in published)
        for line in lines:
            line.notice = notices.get(line.session.pk)
            published_at = line.session.week.published_at
            line.since_seen = bool(
                line.change and seen is not None and published_at and published_at > seen
            )
        out.append(
            WeekView(
                week_start=week.week_start,
                title="This week" if index == 0 else "Next week",
                lines=lines,
                hours=week.hours,
                required=week.required,
                requirement=week.requirement,
                dropped=dropped,
                updated_since_seen=updated,
                appointments=appointments.get(week.week_start, []),
            )
        )
        previous = lines
    return out


def _roster_q(account: PortalAccount) -> Q:
    return Q(assignments__patient=account.patient) | Q(drop_ins__patient=account.patient)


def own_session(account: PortalAccount, pk: int) -> GroupSession | None:
    """One of the patient's scheduled sessions (assigned or dropped in), or None."""
    return (
        GroupSession.objects.filter(_roster_q(account), pk=pk, status=SessionStatus.SCHEDULED)
        .select_related("room", "site", "track", "counselor")
        .distinct()
        .first()
    )


def own_notice(account: PortalAccount, pk: int) -> AbsenceNotice | None:
    return (
        AbsenceNotice.objects.filter(pk=pk, patient=account.patient)
        .select_related("session")
        .first()
    )


def pick_from_list(account: PortalAccount) -> bool:
    """Program policy: may the patient check in by picking the session from the list? Off
    unless the program turned it on (the room code always works, and shows the patient is in
    the room)."""
    program_id = account.patient.program_id
    if program_id is None:
        return False
    return bool(
        PortalSettings.objects.filter(program_id=program_id)
        .values_list("pick_from_list", flat=True)
        .first()
    )


@dataclass
class TodaySession:
    session: GroupSession
    start: str
    end: str
    group: str
    where: str
    window_open: bool
    checked_in: bool
    notice: AbsenceNotice | None
    opens_at: str


def window_open(session: GroupSession, now: datetime) -> bool:
    """The staff check-in window (`delivery.services._check_in_window`)."""
    opens = session.starts_at - timedelta(minutes=SETTINGS.checkin_opens_minutes)
    return opens <= now <= session.ends_at


def today_sessions(account: PortalAccount, now: datetime | None = None) -> list[TodaySession]:
    """The patient's sessions of their local today that have not ended (four queries)."""
    now = now or timezone.now()
    zone = patient_zone(account)
    today = timezone.localtime(now, zone).date()
    lo = datetime.combine(today, time(0), tzinfo=zone)
    hi = lo + timedelta(days=1)
    sessions = list(
        GroupSession.objects.filter(
            _roster_q(account),
            status=SessionStatus.SCHEDULED,
            starts_at__gte=lo,
            starts_at__lt=hi,
            ends_at__gte=now,
        )
        .select_related("room", "site", "track", "counselor")
        .distinct()
        .order_by("starts_at", "id")
    )
    if not sessions:
        return []
    zones = scheduling.session_zones(sessions)
    ids = [s.pk for s in sessions]
    checked = set(
        AttendanceRecord.objects.filter(
            patient=account.patient, session_id__in=ids, check_in_at__isnull=False
        ).values_list("session_id", flat=True)
    )
    notices = {
        n.session_id: n
        for n in AbsenceNotice.objects.filter(
            patient=account.patient, session_id__in=ids, withdrawn_at__isnull=True
        )
    }
    out = []
    for s in sessions:
        local_zone = ZoneInfo(zones.get(s.pk, "UTC"))
        start = timezone.localtime(s.starts_at, local_zone)
        opens = start - timedelta(minutes=SETTINGS.checkin_opens_minutes)
        out.append(
            TodaySession(
                session=s,
                start=clock(start),
                end=clock(timezone.localtime(s.ends_at, local_zone)),
                group=s.track.name,
                where=where(s),
                window_open=window_open(s, now),
                checked_in=s.pk in checked,
                notice=notices.get(s.pk),
                opens_at=clock(opens),
            )
        )
    return out
