"""Small builders for compliance tests: sessions in a site's wall-clock time, patients, records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openiop.domain.compliance import (
    Attendance,
    AttendanceStatus,
    Patient,
    PatientWeek,
    Session,
    compute_week,
)

NY = "America/New_York"
LA = "America/Los_Angeles"
TRACK = "adult-sud"
WEEK = date(2026, 10, 5)  # a Monday; no daylight-saving change that week
MON, TUE, WED, THU, FRI, SAT, SUN = (WEEK + timedelta(days=i) for i in range(7))


def hm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def at(day: date, clock: str, zone: str = NY, fold: int = 0) -> datetime:
    """An aware datetime at wall-clock `clock` ("HH:MM") on `day` in `zone`."""
    return datetime.combine(day, hm(clock), tzinfo=ZoneInfo(zone)).replace(fold=fold)


def session(
    id: str, day: date, start: str = "09:00", end: str = "12:00", track: str = TRACK, zone: str = NY
) -> Session:
    return Session.local(id, track, zone, day, hm(start), hm(end))


def patient(id: str = "p1", scheduled: Sequence[str] = (), **changes: Any) -> Patient:
    fields: dict[str, Any] = {"site_zone": NY, "tracks": (TRACK,), "scheduled": tuple(scheduled)}
    fields.update(changes)
    return Patient(id=id, **fields)


def present(session_id: str, patient_id: str = "p1", **times: datetime) -> Attendance:
    return Attendance(patient_id, session_id, AttendanceStatus.PRESENT, **times)


def record(session_id: str, status: str, patient_id: str = "p1", **times: datetime) -> Attendance:
    return Attendance(patient_id, session_id, AttendanceStatus(status), **times)


def three_day_week(prefix: str = "s") -> list[Session]:
    """Mon, Wed, Fri 09:00-12:00: exactly the 9-hour adult minimum."""
    return [session(f"{prefix}{i}", day) for i, day in enumerate((MON, WED, FRI), start=1)]


def one_week(
    patients: Sequence[Patient],
    records: Sequence[Attendance],
    sessions: Sequence[Session],
    week_start: date = WEEK,
    **options: Any,
) -> dict[str, PatientWeek]:
    return compute_week(patients, records, sessions=sessions, week_start=week_start, **options)
