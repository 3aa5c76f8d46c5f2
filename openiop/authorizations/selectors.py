"""Authorization reads: units used from charges, the forecast input from the published
schedule and the recent attendance rate, and the work list. Every function reads a fixed
number of queries whatever the number of authorizations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.authorizations.models import Authorization
from openiop.billing.models import Charge, ChargeStatus
from openiop.care.common import OPEN_ENROLLMENT, monday
from openiop.care.models import TaperSettings
from openiop.care.taper.inputs import policy_from_settings
from openiop.core import access
from openiop.delivery.models import ATTENDED_STATUSES, AttendanceRecord, LeaveOfAbsence
from openiop.domain import tapering
from openiop.domain.authorization import Authorization as AuthTerms
from openiop.domain.authorization import (
    Forecast,
    ScheduledSession,
    UnitKind,
    forecast,
)
from openiop.patients.models import Enrollment
from openiop.scheduling.models import SessionAssignment, SessionStatus, WeekStatus

DEFAULT_WITHIN_DAYS = 14

NOT_COUNTED = (ChargeStatus.NO_CHARGE, ChargeStatus.VOID)
"""Charges that use no units: days without a charge and charges replaced by another. Every
other status counts (ready, held, and the claim statuses to come)."""


def terms(auth: Authorization) -> AuthTerms:
    return AuthTerms(
        units=auth.units_authorized,
        unit=UnitKind(auth.unit_kind),
        start=auth.starts_on,
        end=auth.ends_on,
        review_lead_business_days=auth.review_lead_business_days,
    )


def units_used(auths: Sequence[Authorization], today: date) -> dict[int, Decimal]:
    """Units each authorization used before ``today``: the patient's charges of its service
    inside its dates, not replaced and not "no charge" (one query). Days: days with a
    charge; sessions: charges; hours: the charged minutes."""
    out = {a.pk: Decimal(0) for a in auths}
    if not auths:
        return out
    first = min(a.starts_on for a in auths)
    rows = list(
        Charge.objects.filter(
            patient_id__in={a.patient_id for a in auths},
            service_date__gte=first,
            service_date__lt=today,
        )
        .exclude(status__in=NOT_COUNTED)
        .values_list("patient_id", "code", "service_date", "minutes")
    )
    by_patient: dict[int, list[tuple[str, date, int]]] = defaultdict(list)
    for pid, code, day, minutes in rows:
        by_patient[pid].append((code, day, minutes))
    for a in auths:
        mine = [
            (day, minutes)
            for code, day, minutes in by_patient[a.patient_id]
            if code == a.service and a.starts_on <= day <= a.ends_on
        ]
        if a.unit_kind == UnitKind.DAYS:
            out[a.pk] = Decimal(len({day for day, _ in mine}))
        elif a.unit_kind == UnitKind.SESSIONS:
            out[a.pk] = Decimal(len(mine))
        else:
            out[a.pk] = Decimal(sum(m for _, m in mine)) / 60
    return out


def future_sessions(patient_ids: Iterable[int], today: date) -> dict[int, list[ScheduledSession]]:
    """Each patient's sessions from ``today`` in published weeks, not cancelled (one query).
    An approved step-down publishes fewer sessions, so the forecast follows it."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(today, time.min, tzinfo=tz) - timedelta(hours=14)
    out: dict[int, list[ScheduledSession]] = defaultdict(list)
    for pid, starts, ends, zone in (
        SessionAssignment.objects.filter(
            patient_id__in=list(patient_ids),
            session__week__status=WeekStatus.PUBLISHED,
            session__starts_at__gte=start,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .values_list(
            "patient_id",
            "session__starts_at",
            "session__ends_at",
            "session__track__program__site__timezone",
        )
    ):
        day = starts.astimezone(ZoneInfo(zone) if zone else tz).date()
        if day < today:
            continue
        hours = Decimal(int((ends - starts).total_seconds()) // 60) / 60
        out[pid].append(ScheduledSession(day, hours))
    return dict(out)


def _first_complete_week(starts_on: date) -> date:
    first = monday(starts_on)
    return first if first == starts_on else first + timedelta(weeks=1)


def attendance_rates(patient_ids: Iterable[int], today: date) -> dict[int, Decimal | None]:
    """The recent attendance rate of each patient's current enrolment (the earliest open one),
    by the taper engine's rule (``care.taper.inputs.recorded_attendance``: share of the required
    hours attended over the program's last complete weeks, a week without a record missed, a
    week wholly on leave left out), read for all patients at once (five queries). None when
    unknown: no open enrolment, no complete week yet, or no attendance ever recorded."""
    ids = list(patient_ids)
    out: dict[int, Decimal | None] = dict.fromkeys(ids)
    enrollments: dict[int, Enrollment] = {}
    for e in (
        Enrollment.objects.filter(patient_id__in=ids, status__in=OPEN_ENROLLMENT)
        .select_related("track")
        .order_by("starts_on", "pk")
    ):
        enrollments.setdefault(e.patient_id, e)
    if not enrollments:
        return out
    policies = {
        s.program_id: policy_from_settings(s)
        for s in TaperSettings.objects.filter(
            program_id__in={e.track.program_id for e in enrollments.values()}
        )
    }
    end_day = monday(today)
    windows: dict[int, tuple[date, date]] = {}
    for pid, e in enrollments.items():
        policy = policies.get(e.track.program_id) or tapering.TaperPolicy()
        weeks = tapering.attendance_weeks(policy)
        start_day = max(end_day - timedelta(weeks=weeks), _first_complete_week(e.starts_on))
        if start_day < end_day:
            windows[pid] = (start_day, end_day)
    if not windows:
        return out
    tz = timezone.get_current_timezone()
    end = datetime.combine(end_day, time.min, tzinfo=tz)
    earliest = datetime.combine(min(s for s, _ in windows.values()), time.min, tzinfo=tz)
    records = AttendanceRecord.objects.filter(patient_id__in=list(windows))
    ever = set(
        records.filter(session__starts_at__lt=end).values_list("patient_id", "session__track_id")
    )
    rows = records.filter(session__starts_at__gte=earliest, session__starts_at__lt=end).values_list(
        "patient_id",
        "session__track_id",
        "status",
        "check_in_at",
        "check_out_at",
        "session__starts_at",
        "session__ends_at",
    )
    attended: dict[int, dict[date, float]] = defaultdict(dict)
    for pid, track_id, status, check_in, check_out, s, e_ in rows:
        if track_id != enrollments[pid].track_id:
            continue
        week = monday(timezone.localtime(s, tz).date())
        if week < windows[pid][0]:
            continue
        attended[pid].setdefault(week, 0.0)
        if status not in ATTENDED_STATUSES:
            continue
        a = max(s, check_in or s)
        b = min(e_, check_out or e_)
        attended[pid][week] += max(0.0, (b - a).total_seconds() / 60)
    leaves: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for pid, lo, hi in LeaveOfAbsence.objects.filter(
        patient_id__in=list(windows), starts_on__lt=end_day, ends_on__gte=earliest.date()
    ).values_list("patient_id", "starts_on", "ends_on"):
        leaves[pid].append((lo, hi))
    for pid, (start_day, stop) in windows.items():
        e = enrollments[pid]
        if (pid, e.track_id) not in ever:
            continue
        required = int(e.required_weekly_hours * 60)
        weeks_in = []
        day = start_day
        while day < stop:
            on_leave = any(lo <= day and day + timedelta(days=6) <= hi for lo, hi in leaves[pid])
            minutes = attended[pid].get(day)
            weeks_in.append(
                tapering.WeekAttendance(
                    day, 0 if on_leave else required, None if minutes is None else round(minutes)
                )
            )
            day += timedelta(weeks=1)
        summary = tapering.weekly_attendance(weeks_in)
        if summary is not None:
            out[pid] = Decimal(str(round(summary.fraction, 3)))
    return out


@dataclass(frozen=True)
class Row:
    authorization: Authorization
    forecast: Forecast

    @property
    def runs_out_on(self) -> date:
        """The expected exhaustion date, else the end date (the units last that long)."""
        return self.forecast.exhausted_on or self.authorization.ends_on


def forecasts(auths: Sequence[Authorization], today: date) -> list[Row]:
    """The forecast of each authorization, in the order given (fixed number of queries)."""
    patient_ids = {a.patient_id for a in auths}
    used = units_used(auths, today)
    schedule = future_sessions(patient_ids, today) if auths else {}
    rates = attendance_rates(patient_ids, today) if auths else {}
    return [
        Row(
            a,
            forecast(
                terms(a), used[a.pk], schedule.get(a.patient_id, []), rates[a.patient_id], today
            ),
        )
        for a in auths
    ]


def forecast_for(auth: Authorization, today: date) -> Forecast:
    return forecasts([auth], today)[0].forecast


def open_authorizations(queryset: QuerySet[Authorization], today: date) -> QuerySet[Authorization]:
    return (
        queryset.filter(ends_on__gte=today)
        .select_related("patient", "payer")
        .order_by("ends_on", "pk")
    )


def visible(user: User) -> QuerySet[Authorization]:
    return Authorization.objects.filter(
        organization_id=access.organization_id(user),
        patient_id__in=access.patients_visible_to(user).values("pk"),
    )


def work_list(user: User, today: date, within_days: int = DEFAULT_WITHIN_DAYS) -> list[Row]:
    """Open authorizations of the user's patients expected to run out (or end) within
    ``within_days`` days, by review-by date."""
    rows = forecasts(list(open_authorizations(visible(user), today)), today)
    horizon = today + timedelta(days=within_days)
    due = [r for r in rows if r.runs_out_on <= horizon]
    return sorted(due, key=lambda r: (r.forecast.review_by, r.runs_out_on, r.authorization.pk))
