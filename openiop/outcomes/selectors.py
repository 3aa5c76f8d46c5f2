"""Reads of the outcomes dashboard: the organization's admissions (filtered by program, track
or site) and what happened around them, turned into the plain facts of
``openiop.domain.outcomes``; the figures themselves are computed there.

A constant number of queries whatever the size of the data (13 with one site time zone; the
scores take one query per distinct site time zone in scope). Calendar days are local days in
the zone of the site of the admission's program (a session's day: its own site's zone), as
the weekly hours do (``delivery.hours``).

How the facts are read:

- an episode is an ``Admission``; it ends when every one of its track enrolments has a
  discharge, on the day and with the type of the last of them;
- first session: the first local day on or after admission with a group session attended
  (present, late, left early or telehealth);
- follow-up contacts: alumni follow-ups done and peer contacts marked after discharge, of the
  patient, dated after the episode's end;
- weeks: the Monday-to-Sunday weeks wholly inside an episode (from the admission day to the
  day before its end, or to ``as_of`` while open). Required hours: the one weekly requirement
  of the weekly-hours rules (``openiop.domain.compliance.weekly_requirement`` over the
  admission's enrolments open that week: their required weekly hours as stored now, else the
  track minimum, else the ASAM minimum of the population), reduced for leave days by the share
  of the 7 days on leave (``apply_leave`` without a schedule) and left out when suspended.
  Simplifications: the first and last partial weeks (prorated by the compliance page) are
  left out, the required hours are today's (a taper's earlier hours are not kept) and a
  step-down allowance is not applied. Attended hours: each attended session's checked-in time
  clipped to the session (missing times default to the session's), as compliance counts them,
  all of it on the day the session starts (compliance splits a session across midnight);
- scores: PHQ-9 and GAD-7 totals; screens: resulted drug screens, negative when no result is
  an unexpected positive (a positive explained by a prescription is expected).
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from openiop.care.measures.selectors import reliability_for
from openiop.care.models import AlumniFollowUp, Discharge, DischargeType, DrugScreen
from openiop.care.models.screens import DrugScreenResult, ResultValue, ScreenStatus
from openiop.delivery.hours import track_enrolment
from openiop.delivery.models import ATTENDED_STATUSES, AttendanceRecord, LeaveOfAbsence
from openiop.domain import compliance as dc
from openiop.domain.compliance.clock import seconds
from openiop.domain.compliance.requirement import apply_leave
from openiop.domain.outcomes import (
    Dashboard,
    EpisodeFact,
    Facts,
    ReferralFact,
    ScoreFact,
    ScreenFact,
    WeekFact,
    compute,
)
from openiop.domain.outcomes.metrics import INSTRUMENTS, PeriodError
from openiop.intake.models import Admission, Referral, ScreeningResponse
from openiop.scheduling.models import GroupSession
from openiop.support.models import PeerContact

SCORED = tuple(i for i, _, _ in INSTRUMENTS)
END_LABELS = dict(DischargeType.choices)


@lru_cache(maxsize=64)
def _zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or settings.TIME_ZONE)


def _local(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a dashboard's hundreds of thousands of
    acyclic rows and facts are built (each collection walks them all again: about a fifth of
    the time at 10,000 patients); reference counting still frees them. Restored on exit."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _int_rows(qs: QuerySet[Any, Any]) -> list[tuple[int, ...]]:
    """The rows of a query of integer columns, fetched at once (Django reads a result 100
    rows at a time and passes each row through its converters, which integers need not)."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[int, ...]] = cursor.fetchall()
    return rows


def admissions_in_scope(
    org_id: int,
    *,
    program_id: int | None = None,
    track_id: int | None = None,
    site_id: int | None = None,
) -> QuerySet[Admission]:
    """The organization's admissions of the program, with an enrolment in the track, of the
    programs of the site (each filter when given)."""
    qs = Admission.objects.filter(program__site__organization_id=org_id)
    if program_id is not None:
        qs = qs.filter(program_id=program_id)
    if site_id is not None:
        qs = qs.filter(program__site_id=site_id)
    if track_id is not None:
        qs = qs.filter(
            pk__in=Admission.enrollments.through.objects.filter(
                enrollment__track_id=track_id
            ).values("admission_id")
        )
    return qs.order_by()


@dataclass
class _Episode:
    admission_id: int
    patient_id: int
    program_id: int
    site_id: int
    zone: ZoneInfo
    admitted_on: date
    referral_id: int | None
    referred_on: date | None
    enrollments: list[int]


def _hours(value: Decimal | float | None) -> float:
    return float(value or 0)


def load_facts(
    org_id: int,
    *,
    start: date,
    end: date,
    as_of: date,
    program_id: int | None = None,
    track_id: int | None = None,
    site_id: int | None = None,
) -> Facts:
    """The facts of the admissions in scope that began by ``as_of`` (module docstring)."""
    if end < start:
        raise PeriodError("The end of the period is before its start.")
    scope = admissions_in_scope(org_id, program_id=program_id, track_id=track_id, site_id=site_id)
    horizon = max(end, as_of)
    scope = scope.filter(starts_on__lte=horizon)
    episodes: dict[int, _Episode] = {}
    for pk, patient, program, site, tz, starts_on, referral, received in scope.values_list(
        "pk",
        "patient_id",
        "program_id",
        "program__site_id",
        "program__site__timezone",
        "starts_on",
        "referral_id",
        "referral__created_at",
    ):
        zone = _zone(tz)
        episodes[pk] = _Episode(
            pk,
            patient,
            program,
            site,
            zone,
            starts_on,
            referral,
            _local(received, zone) if received else None,
            [],
        )
    patient_ids = scope.values("patient_id")
    zone_of_patient = {e.patient_id: e.zone for e in episodes.values()}

    # Enrolments of the admissions, with what the weekly requirement needs.
    enrolment_rows = (
        Admission.enrollments.through.objects.filter(admission_id__in=scope.values("pk"))
        .values_list(
            "admission_id",
            "enrollment_id",
            "enrollment__track_id",
            "enrollment__track__kind",
            "enrollment__track__min_weekly_hours",
            "enrollment__required_weekly_hours",
            "enrollment__starts_on",
            "enrollment__ends_on",
            "enrollment__patient__date_of_birth",
        )
        .order_by()
    )
    enrolments: dict[int, list[tuple[date, date | None, dc.TrackEnrolment, int]]] = defaultdict(
        list
    )
    born: dict[int, date] = {}
    for adm, enr, track, kind, track_min, required, e_start, e_end, dob in enrolment_rows:
        episodes[adm].enrollments.append(enr)
        enrolments[adm].append(
            (e_start, e_end, track_enrolment(track, kind, track_min, required), track)
        )
        born[adm] = dob

    discharges: dict[int, tuple[date, int, str, str]] = {}
    for enr, on, pk, kind, other in (
        Discharge.objects.filter(enrollment__admissions__in=scope.values("pk"))
        .values_list("enrollment_id", "discharged_on", "pk", "kind", "other_ending")
        .order_by()
    ):
        discharges[enr] = (on, pk, kind, other)

    contacts: dict[int, list[date]] = defaultdict(list)
    for patient, done in (
        AlumniFollowUp.objects.filter(patient_id__in=patient_ids, done_on__isnull=False)
        .values_list("patient_id", "done_on")
        .order_by()
    ):
        if done is not None:
            contacts[patient].append(done)
    for patient, on in (
        PeerContact.objects.filter(
            organization_id=org_id, patient_id__in=patient_ids, after_discharge=True
        )
        .values_list("patient_id", "contacted_on")
        .order_by()
    ):
        contacts[patient].append(on)

    leaves: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for patient, first, last in (
        LeaveOfAbsence.objects.filter(patient_id__in=patient_ids)
        .values_list("patient_id", "starts_on", "ends_on")
        .order_by()
    ):
        leaves[patient].append((first, last))

    # Minutes attended per patient and local day, from the period's first day (first
    # sessions) to the last day a counted week can reach. Three queries: the sessions, every
    # attended record as ids only, and the records whose check-in or check-out time cuts
    # into their session (late, left early), with those times.
    lower = datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC)
    upper = datetime.combine(
        max(end + timedelta(days=6), as_of) + timedelta(days=2), time(0), tzinfo=UTC
    )
    sessions: dict[int, tuple[date, date, int, int, int]] = {}
    for pk, starts_at, ends_at, tz in (
        GroupSession.objects.filter(
            organization_id=org_id, starts_at__gte=lower, starts_at__lt=upper
        )
        .values_list("pk", "starts_at", "ends_at", "site__timezone")
        .order_by()
    ):
        day = _local(starts_at, _zone(tz))
        begin, finish = seconds(starts_at), seconds(ends_at)
        sessions[pk] = (
            day,
            day - timedelta(days=day.weekday()),
            begin,
            finish,
            (finish - begin) // 60,
        )
    attended = AttendanceRecord.objects.filter(
        patient_id__in=patient_ids,
        status__in=ATTENDED_STATUSES,
        session__organization_id=org_id,
        session__starts_at__gte=lower,
        session__starts_at__lt=upper,
    ).order_by()
    cut: dict[tuple[int, int], int] = {}
    for patient, session_id, check_in, check_out in attended.filter(
        Q(check_in_at__gt=F("session__starts_at")) | Q(check_out_at__lt=F("session__ends_at"))
    ).values_list("patient_id", "session_id", "check_in_at", "check_out_at"):
        _, _, begin, finish, _ = sessions[session_id]
        began = max(seconds(check_in), begin) if check_in else begin
        left = min(seconds(check_out), finish) if check_out else finish
        cut[patient, session_id] = max(left - began, 0) // 60
    days_seen: dict[int, set[date]] = defaultdict(set)
    by_week: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for patient, session_id in _int_rows(attended.values_list("patient_id", "session_id")):
        day, monday, _, _, length = sessions[session_id]
        days_seen[patient].add(day)
        by_week[patient][monday] += length
    for (patient, session_id), minutes in cut.items():
        _, monday, _, _, length = sessions[session_id]
        by_week[patient][monday] += minutes - length
    days_attended = {patient: sorted(days) for patient, days in days_seen.items()}

    facts_episodes: list[EpisodeFact] = []
    weeks: list[WeekFact] = []
    for e in episodes.values():
        ends = [discharges.get(enr) for enr in e.enrollments]
        ended_on = end_kind = other_ending = None
        if ends and all(d is not None for d in ends):
            ended_on, _, end_kind, other = max(d for d in ends if d is not None)
            other_ending = other or None
        days = days_attended.get(e.patient_id, [])
        at = bisect_left(days, e.admitted_on)
        first_session = days[at] if at < len(days) else None
        if first_session is not None and ended_on is not None and first_session > ended_on:
            first_session = None
        facts_episodes.append(
            EpisodeFact(
                admission_id=e.admission_id,
                patient_id=e.patient_id,
                program_id=e.program_id,
                site_id=e.site_id,
                track_ids=frozenset(t for *_, t in enrolments.get(e.admission_id, [])),
                admitted_on=e.admitted_on,
                referral_id=e.referral_id,
                referred_on=e.referred_on,
                first_session_on=first_session,
                ended_on=ended_on,
                end_kind=end_kind,
                other_ending=other_ending,
                contacts_after_end=tuple(
                    sorted(c for c in contacts.get(e.patient_id, []) if c > ended_on)
                )
                if ended_on is not None
                else (),
            )
        )
        weeks.extend(
            _weeks(
                e,
                ended_on,
                enrolments.get(e.admission_id, []),
                born.get(e.admission_id),
                leaves.get(e.patient_id, []),
                by_week.get(e.patient_id, {}),
                start=start,
                end=end,
                as_of=as_of,
            )
        )

    # Scores: the local day computed by the database, one query per site time zone in scope
    # (a patient takes the zone of their admissions' site).
    scores: list[ScoreFact] = []
    zones = {e.zone for e in episodes.values()}
    for zone in zones:
        of_zone: Any = (
            patient_ids if len(zones) == 1 else [p for p, z in zone_of_patient.items() if z == zone]
        )
        scores.extend(
            ScoreFact(patient, instrument, day, total or 0)
            for patient, instrument, day, total in ScreeningResponse.objects.filter(
                patient_id__in=of_zone,
                instrument__in=SCORED,
                total__isnull=False,
                administered_at__lt=datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC),
            )
            .annotate(day=TruncDate("administered_at", tzinfo=zone))
            .values_list("patient_id", "instrument", "day", "total")
            .order_by("administered_at", "pk")
        )

    unexpected = DrugScreenResult.objects.filter(
        screen_id=OuterRef("pk"), value=ResultValue.POSITIVE, expected=False
    )
    screens = [
        ScreenFact(patient, collected or start, not positive)
        for patient, collected, positive in DrugScreen.objects.filter(
            patient_id__in=patient_ids,
            status=ScreenStatus.RESULTED,
            collected_on__gte=start,
            collected_on__lte=end,
        )
        .annotate(positive=Exists(unexpected))
        .values_list("patient_id", "collected_on", "positive")
        .order_by()
    ]

    return Facts(
        episodes=tuple(sorted(facts_episodes, key=lambda f: f.admission_id)),
        referrals=_referrals(
            org_id, start, end, program_id=program_id, track_id=track_id, site_id=site_id
        ),
        weeks=tuple(weeks),
        scores=tuple(scores),
        screens=tuple(screens),
    )


@lru_cache(maxsize=1024)
def _required_minutes(enrolments: tuple[dc.TrackEnrolment, ...], adolescent: bool) -> int:
    return dc.weekly_requirement(enrolments, adolescent=adolescent).minutes


def _weeks(
    e: _Episode,
    ended_on: date | None,
    enrolments: list[tuple[date, date | None, dc.TrackEnrolment, int]],
    born: date | None,
    leaves: list[tuple[date, date]],
    week_minutes: dict[date, int],
    *,
    start: date,
    end: date,
    as_of: date,
) -> list[WeekFact]:
    """The whole weeks of the episode that begin in the period and are over by ``as_of``."""
    last = min(ended_on - timedelta(days=1), as_of) if ended_on else as_of
    monday = e.admitted_on + timedelta(days=-e.admitted_on.weekday() % 7)
    if monday < start:
        monday += timedelta(weeks=(start - monday).days // 7)
        if monday < start:
            monday += timedelta(weeks=1)
    out: list[WeekFact] = []
    if not enrolments:
        return out
    # Usually every enrolment covers the whole episode and the patient's population does not
    # change in it: one requirement for every week, computed once.
    steady = all(
        first <= e.admitted_on and (stop is None or stop >= last)
        for first, stop, _, _ in enrolments
    ) and (born is None or dc.is_adolescent(born, monday) == dc.is_adolescent(born, last))
    required = _required_minutes(
        tuple(t for _, _, t, _ in enrolments), born is not None and dc.is_adolescent(born, monday)
    )
    if steady and not leaves:  # the usual case: the same required hours every week
        if not required:
            return out
        hours, week = round(required / 60, 2), timedelta(weeks=1)
        stop = min(end, last - timedelta(days=6))
        while monday <= stop:
            attended = week_minutes.get(monday, 0)
            out.append(
                WeekFact(e.admission_id, e.patient_id, monday, hours, round(attended / 60, 2))
            )
            monday += week
        return out
    while monday <= end and monday + timedelta(days=6) <= last:
        if not steady:
            sunday = monday + timedelta(days=6)
            open_ = [
                t
                for first, stop, t, _ in enrolments
                if first <= sunday and (stop is None or stop >= monday)
            ] or [t for _, _, t, _ in enrolments]
            adolescent = born is not None and dc.is_adolescent(born, monday)
            required = _required_minutes(tuple(open_), adolescent)
        minutes = required
        if leaves:
            on_leave = frozenset(
                i for i in range(7) if any(a <= monday + timedelta(days=i) <= b for a, b in leaves)
            )
            requirement = apply_leave(required, [], on_leave, 0, 0)
            minutes = 0 if requirement.suspended else requirement.minutes
        if minutes:
            out.append(
                WeekFact(
                    e.admission_id,
                    e.patient_id,
                    monday,
                    round(minutes / 60, 2),
                    round(week_minutes.get(monday, 0) / 60, 2),
                )
            )
        monday += timedelta(weeks=1)
    return out


def _referrals(
    org_id: int,
    start: date,
    end: date,
    *,
    program_id: int | None,
    track_id: int | None,
    site_id: int | None,
) -> tuple[ReferralFact, ...]:
    """Referrals received in the period: of the program (of the track's program for a track),
    of the programs of the site; with the first admission they led to."""
    qs = Referral.objects.filter(
        organization_id=org_id,
        created_at__gte=datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC),
        created_at__lt=datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC),
    )
    if program_id is not None:
        qs = qs.filter(program_id=program_id)
    if track_id is not None:
        qs = qs.filter(program__tracks__id=track_id)
    if site_id is not None:
        qs = qs.filter(program__site_id=site_id)
    out = []
    for pk, program, site, tz, created, patient, admission in (
        qs.values("pk")
        .annotate(admission=Min("admissions__id"))
        .values_list(
            "pk",
            "program_id",
            "program__site_id",
            "program__site__timezone",
            "created_at",
            "patient_id",
            "admission",
        )
        .order_by("pk")
    ):
        received = _local(created, _zone(tz))
        if start <= received <= end:
            out.append(ReferralFact(pk, program, site, received, admission, patient))
    return tuple(out)


def dashboard(
    org_id: int,
    *,
    start: date,
    end: date,
    as_of: date,
    program_id: int | None = None,
    track_id: int | None = None,
    site_id: int | None = None,
) -> Dashboard:
    """The dashboard of the organization's admissions in scope for [start, end] as of a day."""
    with _no_gc():
        facts = load_facts(
            org_id,
            start=start,
            end=end,
            as_of=as_of,
            program_id=program_id,
            track_id=track_id,
            site_id=site_id,
        )
        reliability = reliability_for(org_id)
        return compute(facts, start=start, end=end, as_of=as_of, reliability=reliability)


@dataclass(frozen=True)
class PatientRow:
    """One line of a figure's patient list (the patient's latest admission in scope)."""

    id: int
    mrn: str
    name: str  # "Last, First"
    program: str
    admitted_on: date | None
    ended_on: date | None
    end_kind: str  # the discharge type's label; "" while in treatment


def patient_rows(org_id: int, patient_ids: list[int] | tuple[int, ...]) -> list[PatientRow]:
    """The organization's patients among ``patient_ids``, by name, with their latest
    admission and how it ended (three queries)."""
    from openiop.patients.models import Patient

    patients = list(
        Patient.objects.filter(organization_id=org_id, pk__in=list(patient_ids))
        .values_list("pk", "mrn", "last_name", "first_name", "program__name")
        .order_by("last_name", "first_name", "pk")
    )
    ids = [p[0] for p in patients]
    latest: dict[int, tuple[date, int, str]] = {}
    for pk, patient, on, program in (
        Admission.objects.filter(patient_id__in=ids, program__site__organization_id=org_id)
        .values_list("pk", "patient_id", "starts_on", "program__name")
        .order_by("starts_on", "pk")
    ):
        latest[patient] = (on, pk, program)
    chosen = {v[1] for v in latest.values()}
    through = Admission.enrollments.through.objects.filter(admission_id__in=chosen)
    ends: dict[int, list[tuple[date, int, str] | None]] = defaultdict(list)
    for adm, on, pk, kind in through.values_list(
        "admission_id",
        "enrollment__discharge__discharged_on",
        "enrollment__discharge__id",
        "enrollment__discharge__kind",
    ).order_by():
        ends[adm].append((on, pk, kind) if pk is not None else None)
    rows = []
    for pk, mrn, last, first, program in patients:
        admitted_on, admission, program_name = latest.get(pk, (None, 0, program or ""))
        ended = ends.get(admission, [])
        ended_on, kind = None, ""
        if ended and all(d is not None for d in ended):
            ended_on, _, kind = max(d for d in ended if d is not None)
        rows.append(
            PatientRow(
                id=pk,
                mrn=mrn,
                name=f"{last}, {first}",
                program=program_name or "",
                admitted_on=admitted_on,
                ended_on=ended_on,
                end_kind=str(END_LABELS.get(kind, "")),
            )
        )
    return rows
