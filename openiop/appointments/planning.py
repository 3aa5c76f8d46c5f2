"""The week's appointment problem read from the database, in the domain's terms.

Times are the wall clock of the patient's site (as the weekly schedule compares sites by their
local hours); the domain (:mod:`openiop.domain.appointments`) places and validates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentSource,
    AppointmentStatus,
    AppointmentType,
    Attendance,
    Credential,
    FamilyAvailability,
    PrimaryCounselor,
)
from openiop.domain.appointments.model import (
    Due,
    Interval,
    PatientTimes,
    PlacementProblem,
    Slot,
    Staff,
)
from openiop.organization.models import StaffAvailability, StaffProfile
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
from openiop.scheduling.models import GroupSession, SessionAssignment, SessionStatus

DAY_START = 8 * 60  # the placement's day: 08:00 to 21:00 (PlacementProblem's defaults)
DAY_END = 21 * 60

COUNSELOR_KINDS = {
    AppointmentKind.INDIVIDUAL,
    AppointmentKind.FAMILY,
    AppointmentKind.CASE_MANAGEMENT,
}


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def to_local(at: datetime, zone: str) -> tuple[date, int]:
    local = at.astimezone(ZoneInfo(zone))
    return local.date(), local.hour * 60 + local.minute


def interval_of(starts_at: datetime, ends_at: datetime, zone: str, week_start: date) -> Interval:
    day, start = to_local(starts_at, zone)
    end_day, end = to_local(ends_at, zone)
    if end_day != day:
        end = 24 * 60
    return Interval((day - week_start).days, start, max(end, start + 1))


def busy_intervals(
    pairs: Iterable[tuple[datetime, datetime]], zone: str, week_start: date
) -> tuple[Interval, ...]:
    """Busy times inside the week (Monday to Sunday, local), others dropped."""
    out = []
    for s, e in pairs:
        day = (to_local(s, zone)[0] - week_start).days
        if 0 <= day <= 6:
            out.append(interval_of(s, e, zone, week_start))
    return tuple(out)


def local_to_utc(day: date, minutes: int, zone: str) -> datetime:
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def sid(user_id: int) -> str:
    return f"c{user_id}"


def pid(patient_id: int) -> str:
    return f"p{patient_id}"


@dataclass
class WeekFacts:
    """What the placement needs, with the maps back to rows."""

    week_start: date
    problem: PlacementProblem
    types: dict[str, AppointmentType] = field(default_factory=dict)  # due id -> type
    patients: dict[str, Patient] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)  # patient ref -> zone
    missing: list[tuple[Patient, AppointmentType, str, str]] = field(default_factory=list)
    telehealth: dict[str, bool] = field(default_factory=dict)  # due id -> by video


def applicable_types(organization_id: int) -> dict[tuple[int, int | None], list[AppointmentType]]:
    by: dict[tuple[int, int | None], list[AppointmentType]] = defaultdict(list)
    for t in AppointmentType.objects.filter(organization_id=organization_id, active=True):
        by[(t.program_id, t.track_id)].append(t)
    return by


def types_for(
    by: dict[tuple[int, int | None], list[AppointmentType]], tracks: Iterable[tuple[int, int]]
) -> list[AppointmentType]:
    """The types a patient's tracks call for, one per kind: a track's own type wins over its
    program's."""
    chosen: dict[str, AppointmentType] = {}
    for program_id, track_id in tracks:
        for t in by.get((program_id, track_id), []):
            chosen[t.kind] = t
    for program_id, _ in tracks:
        for t in by.get((program_id, None), []):
            chosen.setdefault(t.kind, t)
    return [chosen[k] for k in sorted(chosen)]


def _windows(rows: Iterable[tuple[int, time, time]]) -> tuple[Interval, ...]:
    return tuple(
        Interval(int(day), s.hour * 60 + s.minute, e.hour * 60 + e.minute) for day, s, e in rows
    )


def staff_windows(user_ids: Iterable[int]) -> dict[int, tuple[Interval, ...]]:
    rows: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for uid, day, s, e in StaffAvailability.objects.filter(
        staff__user_id__in=list(user_ids)
    ).values_list("staff__user_id", "weekday", "start", "end"):
        rows[uid].append((day, s, e))
    return {uid: _windows(r) for uid, r in rows.items()}


Busy = dict[int, list[tuple[datetime, datetime]]]


def groups_in_week(organization_id: int, week_start: date) -> tuple[Busy, Busy]:
    """Staff and patient times of the week's published groups (UTC)."""
    start = datetime.combine(week_start - timedelta(days=1), time(), tzinfo=UTC)
    end = start + timedelta(days=9)
    staff: Busy = defaultdict(list)
    patients: Busy = defaultdict(list)
    sessions = GroupSession.objects.filter(
        organization_id=organization_id,
        status=SessionStatus.SCHEDULED,
        starts_at__gte=start,
        starts_at__lt=end,
        week__status="published",
    )
    for counselor_id, s, e in sessions.values_list("counselor_id", "starts_at", "ends_at"):
        staff[counselor_id].append((s, e))
    for patient_id, s, e in SessionAssignment.objects.filter(session__in=sessions).values_list(
        "patient_id", "session__starts_at", "session__ends_at"
    ):
        patients[patient_id].append((s, e))
    return staff, patients


def busy_in_week(
    organization_id: int,
    week_start: date,
    *,
    exclude: Iterable[int] = (),
) -> tuple[Busy, Busy]:
    """Staff and patient busy times of the week (UTC): published groups they lead or attend,
    and scheduled appointments other than `exclude`."""
    start = datetime.combine(week_start - timedelta(days=1), time(), tzinfo=UTC)
    end = start + timedelta(days=9)
    staff, patients = groups_in_week(organization_id, week_start)
    booked = Appointment.objects.filter(
        organization_id=organization_id,
        status=AppointmentStatus.SCHEDULED,
        starts_at__gte=start,
        starts_at__lt=end,
    ).exclude(pk__in=list(exclude))
    for staff_id, patient_id, s, e in booked.values_list(
        "staff_id", "patient_id", "starts_at", "ends_at"
    ):
        staff[staff_id].append((s, e))
        patients[patient_id].append((s, e))
    return staff, patients


def eligible_staff(
    organization_id: int,
) -> tuple[dict[int, set[int]], dict[int, set[int]], dict[int, bool]]:
    """(programs of each active clinician, sites, prescriber flag) by user id."""
    from openiop.core import policy

    programs: dict[int, set[int]] = defaultdict(set)
    sites: dict[int, set[int]] = defaultdict(set)
    prescriber: dict[int, bool] = {}
    profiles = (
        StaffProfile.objects.filter(user__organization_id=organization_id, user__is_active=True)
        .select_related("user")
        .prefetch_related("programs", "sites")
    )
    for profile in profiles:
        if not policy.has_role_for(profile.user, policy.Action.NOTE_WRITE):
            continue
        prescriber[profile.user_id] = profile.prescriber
        programs[profile.user_id] = {p.pk for p in profile.programs.all()}
        sites[profile.user_id] = {s.pk for s in profile.sites.all()}
    return programs, sites, prescriber


def current_primary(patient_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        PrimaryCounselor.objects.filter(
            patient_id__in=list(patient_ids), ended_at__isnull=True
        ).values_list("patient_id", "counselor_id")
    )


def week_facts(
    organization_id: int,
    week_start: date,
    *,
    first_day: date,
    previous: dict[tuple[int, str], tuple[datetime, int]] | None = None,
    zone: str | None = None,
    exclude: Collection[int] = (),
) -> WeekFacts:
    """The due appointments of the week for every active enrolment, from `first_day` on.

    Due: a type with `every_weeks` = N is due this week when the patient has had no appointment
    of that kind (not cancelled) in the N-1 weeks before; an appointment already booked this
    week (by staff, or placed earlier and kept) covers it; a no-show does not count as one.

    `zone`: only the patients of sites in that time zone (one problem per zone, so that wall
    clocks compare; staff busy times are read in it). `exclude`: appointments being placed
    again (neither busy nor covering).
    Days outside a patient's enrolment are not offered."""
    week_end = week_start + timedelta(days=6)
    enrolments = (
        Enrollment.objects.filter(
            patient__organization_id=organization_id,
            status=EnrollmentStatus.ACTIVE,
            starts_on__lte=week_end,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=week_start))
        .select_related("patient__site", "track")
        .order_by("patient_id", "track_id")
    )
    if zone is not None:
        enrolments = enrolments.filter(patient__site__timezone=zone)
    tracks: dict[int, list[tuple[int, int]]] = defaultdict(list)
    patients: dict[int, Patient] = {}
    enrolled_days: dict[int, set[int]] = defaultdict(set)
    for e in enrolments:
        patients[e.patient_id] = e.patient
        tracks[e.patient_id].append((e.track.program_id, e.track_id))
        for d in range(7):
            on = week_start + timedelta(days=d)
            if e.starts_on <= on and (e.ends_on is None or on <= e.ends_on):
                enrolled_days[e.patient_id].add(d)
    by_type = applicable_types(organization_id)
    primary = current_primary(patients)
    programs, sites, prescriber = eligible_staff(organization_id)
    windows = staff_windows(programs)
    staff_busy, patient_busy = busy_in_week(organization_id, week_start, exclude=exclude)

    earliest = week_start - timedelta(weeks=12)
    history: dict[tuple[int, str], tuple[date, Appointment]] = {}
    this_week: set[tuple[int, str]] = set()
    for a in (
        Appointment.objects.filter(
            organization_id=organization_id,
            patient_id__in=list(patients),
            status=AppointmentStatus.SCHEDULED,
            week_start__gte=earliest,
            week_start__lte=week_start,
        )
        .exclude(pk__in=list(exclude))
        .exclude(attendance__in=[Attendance.ABSENT, Attendance.EXCUSED])
        .order_by("starts_at")
    ):
        if a.week_start == week_start:
            this_week.add((a.patient_id, a.kind))
        else:
            history[(a.patient_id, a.kind)] = (a.week_start, a)

    availability: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    from openiop.intake.models import PatientAvailability

    for patient_id, weekday, begin, end in PatientAvailability.objects.filter(
        patient_id__in=list(patients)
    ).values_list("patient_id", "weekday", "start", "end"):
        availability[patient_id].append((weekday, begin, end))
    family: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for patient_id, weekday, begin, end in FamilyAvailability.objects.filter(
        patient_id__in=list(patients)
    ).values_list("patient_id", "weekday", "start", "end"):
        family[patient_id].append((weekday, begin, end))
    from openiop.scheduling.models import PatientSchedulePreference

    video_ok = set(
        PatientSchedulePreference.objects.filter(
            patient_id__in=list(patients), telehealth_ok=True
        ).values_list("patient_id", flat=True)
    )
    from openiop.appointments.models import TelehealthConsent

    consented = set(
        TelehealthConsent.objects.filter(
            patient_id__in=list(patients), revoked_at__isnull=True
        ).values_list("patient_id", flat=True)
    )

    facts = WeekFacts(
        week_start=week_start, problem=PlacementProblem(dues=(), staff=(), patients=())
    )
    dues: list[Due] = []
    patient_times: list[PatientTimes] = []
    used_staff: set[int] = set()
    for patient_id, patient in patients.items():
        zone = patient.site.timezone
        ref = pid(patient_id)
        facts.patients[ref] = patient
        facts.zones[ref] = zone
        busy = busy_intervals(patient_busy.get(patient_id, []), zone, week_start)
        free = _windows(availability[patient_id]) if availability.get(patient_id) else None
        days_in = enrolled_days[patient_id]
        if len(days_in) < 7:
            # Enrolled for part of the week: only those days are offered.
            whole = (
                free
                if free is not None
                else tuple(Interval(d, DAY_START, DAY_END) for d in range(7))
            )
            free = tuple(iv for iv in whole if iv.day in days_in)
        patient_times.append(PatientTimes(ref, free, busy))
        program_ids = {p for p, _ in tracks[patient_id]}
        for t in types_for(by_type, tracks[patient_id]):
            if t.every_weeks == 0 or (patient_id, t.kind) in this_week:
                continue
            last = history.get((patient_id, t.kind))
            if last is not None and (week_start - last[0]).days < 7 * t.every_weeks:
                continue
            if t.kind in COUNSELOR_KINDS:
                chosen = [primary[patient_id]] if patient_id in primary else []
                if not chosen:
                    facts.missing.append(
                        (
                            patient,
                            t,
                            "no_primary",
                            "No primary counselor is assigned to this patient.",
                        )
                    )
                    continue
            else:
                chosen = sorted(
                    uid
                    for uid, is_prescriber in prescriber.items()
                    if is_prescriber
                    and (programs[uid] & program_ids or patient.site_id in sites[uid])
                )
                if not chosen:
                    facts.missing.append(
                        (patient, t, "no_staff", "No prescriber works in this patient's program.")
                    )
                    continue
            fam: tuple[Interval, ...] | None = None
            if t.kind == AppointmentKind.FAMILY:
                if not family.get(patient_id):
                    facts.missing.append(
                        (
                            patient,
                            t,
                            "no_family_times",
                            "No family availability is recorded for this patient.",
                        )
                    )
                    continue
                fam = _windows(family[patient_id])
            slot = None
            kept = (previous or {}).get((patient_id, t.kind))
            if kept is not None:
                local_day, start = to_local(kept[0], zone)
                slot = Slot(local_day.weekday(), start, sid(kept[1]))
            elif last is not None:
                local_day, start = to_local(last[1].starts_at, zone)
                slot = Slot(local_day.weekday(), start, sid(last[1].staff_id))
            due_id = f"{ref}-{t.kind}"
            if slot is not None:
                first = slot.staff
                chosen.sort(key=lambda u: sid(u) != first)
            dues.append(
                Due(
                    id=due_id,
                    patient=ref,
                    kind=t.kind,
                    minutes=t.minutes,
                    credential=t.credential,
                    staff=tuple(sid(u) for u in chosen),
                    previous=slot,
                    family=fam,
                )
            )
            facts.types[due_id] = t
            facts.telehealth[due_id] = (
                t.video_allowed and patient_id in video_ok and patient_id in consented
            )
            used_staff.update(chosen)
    staff = []
    zone_of_org = zone or next(iter(facts.zones.values()), "UTC")
    for uid in sorted(used_staff):
        creds = {Credential.COUNSELOR.value}
        if prescriber.get(uid):
            creds.add(Credential.PRESCRIBER.value)
        busy = busy_intervals(staff_busy.get(uid, []), zone_of_org, week_start)
        staff.append(Staff(sid(uid), windows.get(uid, ()), busy, frozenset(creds)))
    days = tuple(d for d in range(6) if week_start + timedelta(days=d) >= first_day)
    facts.problem = PlacementProblem(
        dues=tuple(dues),
        staff=tuple(staff),
        patients=tuple(patient_times),
        days=days,
    )
    return facts


def solver_placed_open(
    organization_id: int, week_start: date, first_day: date, zone: str | None = None
) -> list[Appointment]:
    """Appointments the weekly placement made that it may place again: on `first_day` or
    later (the patient's local date), not attended and without a note; locked, so a check-in
    or a note waits for the placement (and the placement then sees it)."""
    rows = (
        Appointment.objects.select_for_update(of=("self",))
        .filter(
            organization_id=organization_id,
            week_start=week_start,
            source=AppointmentSource.SOLVER,
            status=AppointmentStatus.SCHEDULED,
            attendance="",
            note__isnull=True,
        )
        .select_related("patient__site")
        .order_by("pk")
    )
    if zone is not None:
        rows = rows.filter(patient__site__timezone=zone)
    return [a for a in rows if to_local(a.starts_at, a.patient.site.timezone)[0] >= first_day]
