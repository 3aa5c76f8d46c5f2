"""Inputs to the weekly-hours computation: sessions, attendance, patients, open seats, policy.

Times are timezone-aware datetimes (ARCHITECTURE.md convention 9); a naive datetime is refused.
Durations are computed on absolute time, so a session that crosses a daylight-saving change lasts
as long as it really did; local days come from each patient's site zone (zoneinfo).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class ComplianceInputError(ValueError):
    """An input to the compliance computation is inconsistent; the message says which."""


def require_aware(what: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ComplianceInputError(f"{what} must be timezone-aware, got {value.isoformat()}")


class AttendanceStatus(StrEnum):
    """Issue 5 item 1. Late, left early and telehealth count the minutes actually attended."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ABSENT_EXCUSED = "absent_excused"
    ABSENT_UNEXCUSED = "absent_unexcused"
    TELEHEALTH = "telehealth"

    @property
    def is_absence(self) -> bool:
        return self in ABSENCES


ABSENCES = frozenset({AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED})


@dataclass(frozen=True)
class Session:
    """One scheduled group or individual session: its window bounds the minutes it can give."""

    id: str
    track: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(f"session {self.id} start", self.start)
        require_aware(f"session {self.id} end", self.end)
        if self.end <= self.start:
            raise ComplianceInputError(f"session {self.id} ends before it starts")

    @classmethod
    def local(cls, id: str, track: str, zone: str, day: date, start: time, end: time) -> Session:
        """A session given in the site's wall-clock time; an end at or before the start is the
        next day. A wall time skipped by a daylight-saving change is read with the offset in
        force before it (zoneinfo fold=0), an ambiguous one as its first occurrence."""
        tz = ZoneInfo(zone)
        end_day = day + timedelta(days=1) if end <= start else day
        return cls(
            id,
            track,
            datetime.combine(day, start, tzinfo=tz),
            datetime.combine(end_day, end, tzinfo=tz),
        )


@dataclass(frozen=True)
class Attendance:
    """One patient at one session. A missing check-in counts from the scheduled start and a
    missing check-out to the scheduled end; times outside the window are clipped to it."""

    patient_id: str
    session_id: str
    status: AttendanceStatus
    check_in: datetime | None = None
    check_out: datetime | None = None

    def __post_init__(self) -> None:
        what = f"attendance of {self.patient_id} at {self.session_id}"
        if not isinstance(self.status, AttendanceStatus):
            raise ComplianceInputError(f"{what}: unknown status {self.status!r}")
        for name, value in (("check-in", self.check_in), ("check-out", self.check_out)):
            if value is not None:
                require_aware(f"{what} {name}", value)
        if self.status.is_absence and (self.check_in or self.check_out):
            raise ComplianceInputError(f"{what}: an absence has no check-in or check-out time")
        if self.status is AttendanceStatus.LATE and self.check_in is None:
            raise ComplianceInputError(f"{what}: 'late' needs the check-in time")
        if self.status is AttendanceStatus.LEFT_EARLY and self.check_out is None:
            raise ComplianceInputError(f"{what}: 'left early' needs the check-out time")
        if self.check_in and self.check_out and self.check_out < self.check_in:
            raise ComplianceInputError(f"{what}: check-out is before check-in")


@dataclass(frozen=True)
class Leave:
    """A leave of absence over local days `first_day`..`last_day`, both included.
    Some patients take a leave of absence instead (common IOP practice)."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ComplianceInputError("leave ends before it starts")


@dataclass(frozen=True)
class StepDown:
    """Tapering to a lower level of care with `minimum_minutes` a week for `weeks` weeks.

    ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1: a patient stepping down may receive fewer hours "for
    one or two weeks" and still count as IOP; so `weeks` is 1 or 2, and the week containing
    `starts_on` is the first.
    """

    starts_on: date
    minimum_minutes: int
    weeks: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.weeks <= 2:
            raise ComplianceInputError(
                f"step-down allowance is one or two weeks (ASAM Level 2.1), got {self.weeks}"
            )
        if self.minimum_minutes < 0:
            raise ComplianceInputError("step-down minimum must not be negative")


@dataclass(frozen=True)
class Interval:
    """A span of absolute time, e.g. a block in which the patient is free."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware("interval start", self.start)
        require_aware("interval end", self.end)
        if self.end <= self.start:
            raise ComplianceInputError("interval ends before it starts")


@dataclass(frozen=True)
class Patient:
    """A patient's week: site zone, tracks, the sessions scheduled for them, and what sets
    their requirement. `free` lists the times they could take an extra seat."""

    id: str
    site_zone: str
    tracks: tuple[str, ...]
    scheduled: tuple[str, ...] = ()
    adolescent: bool = False
    track_minimum_minutes: int | None = None
    phase_minimum_minutes: int | None = None
    leaves: tuple[Leave, ...] = ()
    step_down: StepDown | None = None
    free: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.site_zone)
        except (ValueError, LookupError) as error:  # ZoneInfoNotFoundError is a KeyError
            raise ComplianceInputError(
                f"patient {self.id}: unknown time zone {self.site_zone!r}"
            ) from error
        for name, value in (
            ("track minimum", self.track_minimum_minutes),
            ("phase minimum", self.phase_minimum_minutes),
        ):
            if value is not None and value < 0:
                raise ComplianceInputError(f"patient {self.id}: {name} must not be negative")
        if len(set(self.scheduled)) != len(self.scheduled):
            raise ComplianceInputError(f"patient {self.id}: a session is scheduled twice")


@dataclass(frozen=True)
class OpenSeat:
    """Free places in a session of another group, offered to patients who are short."""

    session_id: str
    track: str
    start: datetime
    end: datetime
    seats_free: int

    def __post_init__(self) -> None:
        require_aware(f"open seat {self.session_id} start", self.start)
        require_aware(f"open seat {self.session_id} end", self.end)
        if self.end <= self.start or self.seats_free < 0:
            raise ComplianceInputError(f"open seat {self.session_id} is inconsistent")


@dataclass(frozen=True)
class CompliancePolicy:
    """Thresholds; per-diem ones are payer-specific, so each payer can have its own policy.

    - `adult_minimum_minutes` 540 and `adolescent_minimum_minutes` 360: ASAM Level 2.1 is 9-19
      hours a week for adults and 6-19 for adolescents; SAMHSA's 2021 advisory gives the same
      minimums (ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1).
    - `per_diem_day_minutes` 180 and `per_diem_week_minutes` 540: "Payers commonly bill the per
      diem only on days with at least 3 hours attended and at least 9 hours in the week, else
      discrete services" (common IOP practice; H0015 is a program of at least 3 hours/day).
    - `per_diem_min_days` 0: H0015 describes a program operating "at least 3 days/week"; set 3
      for a payer that applies that to the days each patient attended 3 hours or more.
    - `at_risk_without_lost_time` False: a program choice, not a sourced rule. When True, a
      patient whose schedule leaves less than one session of slack (e.g. exactly 9 hours
      scheduled) is at risk even before missing anything; off by default because programs
      often schedule exactly the minimum and the at-risk list would hold nearly everyone.
    """

    adult_minimum_minutes: int = 540
    adolescent_minimum_minutes: int = 360
    per_diem_day_minutes: int = 180
    per_diem_week_minutes: int = 540
    per_diem_min_days: int = 0
    at_risk_without_lost_time: bool = False


DEFAULT_POLICY = CompliancePolicy()
