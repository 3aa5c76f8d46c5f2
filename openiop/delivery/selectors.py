"""Reads of the delivery pages, each a fixed number of queries whatever the data size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from openiop.core import access
from openiop.delivery import access as delivery_access
from openiop.delivery.models import (
    ATTENDED_STATUSES,
    AttendanceRecord,
    DropIn,
    Note,
    NoteAmendment,
    NoteKind,
    NoteSection,
    NoteStatus,
)
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
from openiop.patients.selectors import age_out_flags
from openiop.scheduling.models import GroupSession, SessionAssignment, WeekStatus

if TYPE_CHECKING:
    from openiop.accounts.models import User


def session_zone(session: GroupSession) -> ZoneInfo:
    """Sessions show in their site's zone; a virtual room's in its track's program site."""
    site = session.site or session.track.program.site
    return ZoneInfo(site.timezone)


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time in `zone`, naive, for display: templates would otherwise convert an
    aware value back to the server's zone (UTC)."""
    return moment.astimezone(zone).replace(tzinfo=None)


def user_zone(user: User) -> ZoneInfo:
    """The zone of the user's first site (or their organization's first), else UTC."""
    profile = getattr(user, "staff_profile", None)
    site = profile.sites.order_by("pk").first() if profile is not None else None
    if site is None and user.organization_id:
        site = user.organization.sites.order_by("pk").first() if user.organization else None
    return ZoneInfo(site.timezone) if site is not None else ZoneInfo("UTC")


def day_window(day: date) -> tuple[datetime, datetime]:
    """A UTC window that holds that local day in every zone."""
    return (
        datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC),
        datetime.combine(day + timedelta(days=2), time(0), tzinfo=UTC),
    )


def _count(qs: QuerySet[Any]) -> Subquery:
    return Subquery(
        qs.values("session").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def _sessions_with_counts(user: User, lo: datetime, hi: datetime) -> QuerySet[GroupSession]:
    """Published sessions the user may see starting in [lo, hi), with roster, check-in and
    group-note counts (one query)."""
    return (
        delivery_access.sessions_visible_to(user)
        .filter(starts_at__gte=lo, starts_at__lt=hi, week__status=WeekStatus.PUBLISHED)
        .select_related("site", "track__program__site", "room", "counselor")
        .annotate(
            n_assigned=Coalesce(
                _count(SessionAssignment.objects.filter(session=OuterRef("pk"))), 0
            ),
            n_dropins=Coalesce(_count(DropIn.objects.filter(session=OuterRef("pk"))), 0),
            n_in=Coalesce(
                _count(
                    AttendanceRecord.objects.filter(
                        session=OuterRef("pk"), status__in=list(ATTENDED_STATUSES)
                    )
                ),
                0,
            ),
            n_notes=Coalesce(
                _count(Note.objects.filter(session=OuterRef("pk"), kind=NoteKind.GROUP)), 0
            ),
        )
        .order_by("starts_at", "pk")
    )


def sessions_on(user: User, day: date) -> list[GroupSession]:
    """Sessions the user may see whose local start falls on `day`, with roster and
    check-in counts (published weeks, or any with a roster change)."""
    lo, hi = day_window(day)
    qs = _sessions_with_counts(user, lo, hi)
    return [s for s in qs if s.starts_at.astimezone(session_zone(s)).date() == day]


@dataclass
class DayCounts:
    """One day of the week page: how many sessions, seats on their rosters, check-ins and
    group notes still to write, over the sessions the user may see."""

    day: date
    sessions: int = 0
    roster: int = 0
    checked_in: int = 0
    without_note: int = 0


def week_days(user: User, week_start: date) -> list[DayCounts]:
    """The seven days of the week from `week_start` with their counts (one query; the rows
    read are sessions, never patients)."""
    days = [DayCounts(week_start + timedelta(days=i)) for i in range(7)]
    by_day = {d.day: d for d in days}
    lo, _ = day_window(week_start)
    _, hi = day_window(week_start + timedelta(days=6))
    for s in _sessions_with_counts(user, lo, hi):
        entry = by_day.get(s.starts_at.astimezone(session_zone(s)).date())
        if entry is None:
            continue
        entry.sessions += 1
        entry.roster += s.n_assigned + s.n_dropins  # type: ignore[attr-defined]
        entry.checked_in += s.n_in  # type: ignore[attr-defined]
        entry.without_note += 0 if s.n_notes else 1  # type: ignore[attr-defined]
    return days


@dataclass
class RosterRow:
    patient: Patient
    drop_in_reason: str | None
    record: AttendanceRecord | None
    zone: ZoneInfo
    turned_18: bool = False  # in an adolescent track, awaiting a clinician's review

    @property
    def check_in_local(self) -> str:
        if self.record is None or self.record.check_in_at is None:
            return ""
        return local(self.record.check_in_at, self.zone).strftime("%H:%M")

    @property
    def check_out_local(self) -> str:
        if self.record is None or self.record.check_out_at is None:
            return ""
        return local(self.record.check_out_at, self.zone).strftime("%H:%M")

    @property
    def checked_in(self) -> bool:
        return self.record is not None and self.record.check_in_at is not None

    @property
    def checked_out(self) -> bool:
        return self.record is not None and self.record.check_out_at is not None


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    hidden: int = 0  # patients on the roster the user may not see

    @property
    def patient_ids(self) -> list[int]:
        return [r.patient.pk for r in self.rows]


def roster(user: User, session: GroupSession) -> Roster:
    """Scheduled patients plus drop-ins, with their attendance; only patients the user may
    see are listed (the others are counted)."""
    assigned = [
        a.patient
        for a in SessionAssignment.objects.filter(session=session).select_related("patient")
    ]
    drop_ins = list(DropIn.objects.filter(session=session).select_related("patient"))
    records = {r.patient_id: r for r in AttendanceRecord.objects.filter(session=session)}
    everyone = [(p, None) for p in assigned] + [(d.patient, d.reason) for d in drop_ins]
    visible = delivery_access.visible_patient_ids(user, [p.pk for p, _ in everyone])
    result = Roster()
    zone = session_zone(session)
    aged = {
        f.enrollment.patient_id for f in age_out_flags(sorted(visible), today=timezone.localdate())
    }
    for patient, reason in sorted(
        everyone, key=lambda item: (item[0].last_name, item[0].first_name, item[0].pk)
    ):
        if patient.pk not in visible:
            result.hidden += 1
            continue
        result.rows.append(
            RosterRow(patient, reason, records.get(patient.pk), zone, patient.pk in aged)
        )
    return result


def drop_in_candidates(user: User, session: GroupSession) -> QuerySet[Patient]:
    """Patients the user sees, actively enrolled in the session's track, not on the roster."""
    enrolled = Enrollment.objects.filter(
        track_id=session.track_id, status=EnrollmentStatus.ACTIVE
    ).values("patient_id")
    return (
        access.patients_visible_to(user)
        .filter(pk__in=enrolled)
        .exclude(pk__in=SessionAssignment.objects.filter(session=session).values("patient_id"))
        .exclude(pk__in=DropIn.objects.filter(session=session).values("patient_id"))
        .order_by("last_name", "first_name", "pk")
    )


def unsigned_notes(user: User) -> list[Note]:
    """My drafts, plus notes awaiting a co-signature I could give."""
    return list(
        Note.objects.filter(unsigned_notes_filter(user))
        .select_related("session__track", "patient", "author")
        .order_by("service_date", "pk")[:100]
    )


def unsigned_notes_count(user: User) -> int:
    """How many notes `unsigned_notes` would list, without its limit: one query."""
    return Note.objects.filter(unsigned_notes_filter(user)).count()


def unsigned_notes_filter(user: User) -> Q:
    """My drafts, plus notes awaiting a co-signature I could give, in my organization."""
    mine = Q(author=user, status=NoteStatus.DRAFT)
    profile = getattr(user, "staff_profile", None)
    can_cosign = delivery_access.can_author_notes(user) and not (
        profile is not None and profile.requires_cosignature
    )
    wanted = mine
    if can_cosign:
        cosign = Q(status=NoteStatus.AWAITING_COSIGNATURE) & ~Q(author=user)
        if not access.sees_whole_organization(user):
            cosign &= Q(session__in=delivery_access.sessions_visible_to(user)) | Q(
                patient__in=access.patients_visible_to(user)
            )
        wanted |= cosign
    return wanted & Q(organization_id=access.organization_id(user))


@dataclass
class ChartNote:
    """A note as one patient's chart shows it: the group part and only their section."""

    note: Note
    section: NoteSection | None
    amendments: list[NoteAmendment]


def chart_notes(patient: Patient) -> list[ChartNote]:
    sections = {
        s.note_id: s
        for s in NoteSection.objects.filter(patient=patient).select_related(
            "note__author", "note__signed_by", "note__cosigned_by", "note__session__track"
        )
    }
    individual = list(
        Note.objects.filter(patient=patient, kind=NoteKind.INDIVIDUAL).select_related(
            "author", "signed_by", "cosigned_by"
        )
    )
    notes = [s.note for s in sections.values()] + individual
    amendments: dict[int, list[NoteAmendment]] = defaultdict(list)
    for amendment in (
        NoteAmendment.objects.filter(note__in=[n.pk for n in notes])
        .filter(Q(section_patient__isnull=True) | Q(section_patient=patient))
        .select_related("author")
    ):
        amendments[amendment.note_id].append(amendment)
    rows = [ChartNote(n, sections.get(n.pk), amendments.get(n.pk, [])) for n in notes]
    rows.sort(key=lambda r: (r.note.service_date, r.note.pk), reverse=True)
    return rows
