"""Reminder reads: what the reminders page shows, and which reminders are due at a moment.

A reminder is due for an open patient account (family accounts get none):

- **session**: a scheduled group session the patient is assigned to starts after ``at`` and
  within the program's ``session_reminder_hours`` (program policy, default 3 hours), and the
  patient has not said they cannot come;
- **questionnaire**: one or more repeated measures are due on or before the patient's local
  today (`openiop.care.measures.selectors.due_rows`); one reminder for all of them, sent
  between 09:00 and 20:00 local time only (program policy: no reminder in the night).

Each reminder has a key (the session id, or the due date and instruments) so that it is sent
once per account (`ReminderSent`). Queries are fixed in number whatever the number of accounts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from openiop.portal.models import AccountKind, PortalAccount, PushSubscription, ReminderKind
from openiop.portal.reminders import push

DEFAULT_SESSION_HOURS = 3
MAX_SESSION_HOURS = 48
QUESTIONNAIRE_FROM = time(9, 0)
QUESTIONNAIRE_UNTIL = time(20, 0)
KEY_MAX = 64


@dataclass(frozen=True)
class ReminderState:
    email: str
    push_configured: bool
    public_key: str
    devices: int  # browsers with phone notifications on


def state(account: PortalAccount) -> ReminderState:
    return ReminderState(
        email=account.user.email or "",
        push_configured=push.configured(),
        public_key=push.public_key(),
        devices=PushSubscription.objects.filter(account=account, failed_at__isnull=True).count(),
    )


@dataclass(frozen=True)
class DueReminder:
    account_id: int
    kind: str
    key: str
    zone: str  # the site's time zone, for the wording
    starts_at: datetime | None = None  # sessions only


def open_patient_accounts() -> QuerySet[PortalAccount]:
    return PortalAccount.objects.filter(
        kind=AccountKind.PATIENT, ended_at__isnull=True, user__is_active=True
    ).select_related("user", "patient", "patient__site", "patient__program")


def _session_hours(accounts: list[PortalAccount]) -> dict[int, int]:
    """Program id -> hours before a session its reminder goes (one query)."""
    from openiop.portal.models import PortalSettings

    programs = {a.patient.program_id for a in accounts if a.patient.program_id is not None}
    hours = {pid: DEFAULT_SESSION_HOURS for pid in programs}
    for pid, value in PortalSettings.objects.filter(program_id__in=programs).values_list(
        "program_id", "session_reminder_hours"
    ):
        hours[pid] = max(0, min(int(value), MAX_SESSION_HOURS))
    return hours


def due_sessions(at: datetime, accounts: list[PortalAccount]) -> list[DueReminder]:
    from openiop.portal.models import AbsenceNotice
    from openiop.scheduling.models import SessionAssignment, SessionStatus

    if not accounts:
        return []
    hours = _session_hours(accounts)
    by_patient = {a.patient_id: a for a in accounts}
    horizon = at + timedelta(hours=max([DEFAULT_SESSION_HOURS, *hours.values()]))
    rows = (
        SessionAssignment.objects.filter(
            patient_id__in=by_patient,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gt=at,
            session__starts_at__lte=horizon,
        )
        .select_related("session", "session__site")
        .order_by("session__starts_at", "pk")
    )
    rows_list = list(rows)
    absent = set(
        AbsenceNotice.objects.filter(
            withdrawn_at__isnull=True,
            patient_id__in=by_patient,
            session_id__in=[r.session_id for r in rows_list],
        ).values_list("patient_id", "session_id")
    )
    out = []
    for row in rows_list:
        account = by_patient[row.patient_id]
        session = row.session
        if (row.patient_id, row.session_id) in absent:
            continue
        limit = hours.get(account.patient.program_id or 0, DEFAULT_SESSION_HOURS)
        if session.starts_at > at + timedelta(hours=limit):
            continue
        site = session.site or account.patient.site
        out.append(
            DueReminder(
                account.pk, ReminderKind.SESSION, str(session.pk), site.timezone, session.starts_at
            )
        )
    return out


def due_questionnaires(at: datetime, accounts: list[PortalAccount]) -> list[DueReminder]:
    from openiop.care.common import OPEN_ENROLLMENT
    from openiop.care.measures.selectors import due_rows
    from openiop.patients.models import Enrollment

    awake: dict[int, PortalAccount] = {}
    today_of: dict[int, date] = {}
    for account in accounts:
        local = at.astimezone(ZoneInfo(account.patient.site.timezone))
        if QUESTIONNAIRE_FROM <= local.time() < QUESTIONNAIRE_UNTIL:
            awake[account.patient_id] = account
            today_of[account.patient_id] = local.date()
    if not awake:
        return []
    enrollments = list(
        Enrollment.objects.filter(
            patient_id__in=awake, status__in=OPEN_ENROLLMENT, starts_on__lte=max(today_of.values())
        ).select_related("track")
    )
    by_day: dict[date, list[Enrollment]] = defaultdict(list)
    for e in enrollments:
        by_day[today_of[e.patient_id]].append(e)
    # One reminder per patient whatever the number of measures due; a new key (so a new
    # reminder) only when a new due date or instrument appears.
    due: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for day, group in by_day.items():
        for row in due_rows(group, today=day, needs_screen=False):  # staff give it
            due[row.patient_id].append((row.due.due_on, row.due.instrument))
    out = []
    for patient_id, pairs in sorted(due.items()):
        account = awake[patient_id]
        latest = max(on for on, _ in pairs)
        instruments = ",".join(sorted({i for _, i in pairs}))
        key = f"{latest.isoformat()}:{instruments}"[:KEY_MAX]
        out.append(
            DueReminder(account.pk, ReminderKind.QUESTIONNAIRE, key, account.patient.site.timezone)
        )
    return out
