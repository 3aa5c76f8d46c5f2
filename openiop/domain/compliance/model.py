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
    """Attendance statuses. Late, left early and telehealth count the minutes actually attended."""

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
class TrackEnrolment:
    """One of the patient's active tracks: whether it is an adolescent track, its minimum and
    the enrolment's required minutes (set at admission, changed by tapering)."""

    track: str
    adolescent_track: bool = False
    track_minimum_minutes: int | None = None
    required_minutes: int | None = None


@dataclass(frozen=True)
class Patient:
    """A patient's week: site zone, tracks, the sessions scheduled for them, and what sets
    their requirement. `free` lists the times they could take an extra seat.

    With `enrolments`, the requirement is the one weekly requirement over them
    (`combined.weekly_requirement`); without, `phase_minimum_minutes`, then
    `track_minimum_minutes`, then the population minimum. `starts_on` is the day they were
    admitted (their first day in the program), for the admission week (requirement.py).
    `per_diem` is the billing rule of their payer when it overrides the default.
    """

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
    enrolments: tuple[TrackEnrolment, ...] = ()
    starts_on: date | None = None
    per_diem: PerDiemRule | None = None  # a payer's rule; None: the policy's (HCPCS) rule

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


H0015_DESCRIPTOR = (
    "Alcohol and/or drug services; intensive outpatient (treatment program that operates at "
    "least 3 hours/day and at least 3 days/week and is based on an individualized treatment "
    "plan), including assessment, counseling; crisis intervention, and activity therapies or "
    "education"
)
"""HCPCS Level II H0015, long descriptor (CMS HCPCS code set,
https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system)."""

S9480_DESCRIPTOR = "Intensive outpatient psychiatric services, per diem"
"""HCPCS Level II S9480, long descriptor (same source as H0015)."""

HCPCS_SOURCE = (
    "HCPCS Level II H0015 and S9480 descriptors (CMS HCPCS code set, "
    "https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system)"
)

PER_DIEM_DAY_MINUTES = 180
"""A per-diem day: at least 3 hours attended that day. H0015 describes a program that
"operates at least 3 hours/day"; S9480 is billed "per diem" (HCPCS_SOURCE). New York's
Medicaid guidance for S9480 says the same per day: "patients must attend at least 3 hours of
service on any given day ... IOS is billed on a daily basis regardless of the total weekly
attendance" (https://wchsb.com/wch-news/intensive-outpatient-service-ios)."""

PROGRAM_MIN_DAYS = 3
"""Program compliance, reported, never a denial of a day: H0015 describes a program that
operates "at least 3 days/week" (HCPCS_SOURCE)."""

PAYER_WEEK_MINUTES = 540
"""The weekly minimum a payer rule may add: 9 hours, the ASAM Level 2.1 adult minimum
(The ASAM Criteria, 3rd ed., 2013, Level 2.1). Only a payer's own rule applies it to billing."""


class PerDiemBasis(StrEnum):
    """What makes a day a per-diem day."""

    DAY = "day"  # the HCPCS descriptors: the day alone
    DAY_AND_WEEK = "day_and_week"  # a payer's rule: the day, and the week's minimum too


@dataclass(frozen=True)
class PerDiemRule:
    """How a day is billed: the default follows the HCPCS H0015 and S9480 descriptors (a day
    with at least 3 hours attended is a per-diem day, whatever the rest of the week); a payer
    whose contract also requires the weekly minimum overrides it with
    `basis=DAY_AND_WEEK` (at least `week_minutes` attended and `min_days` days of
    `day_minutes` or more in the week), and `source` says where the payer wrote it.
    """

    payer: str = ""  # empty: the default rule
    basis: PerDiemBasis = PerDiemBasis.DAY
    day_minutes: int = PER_DIEM_DAY_MINUTES
    week_minutes: int = PAYER_WEEK_MINUTES
    min_days: int = PROGRAM_MIN_DAYS
    source: str = HCPCS_SOURCE

    def __post_init__(self) -> None:
        if not isinstance(self.basis, PerDiemBasis):
            raise ComplianceInputError(f"unknown per-diem basis {self.basis!r}")
        if not 1 <= self.day_minutes <= 24 * 60:
            raise ComplianceInputError("the per-diem day minimum must be 1 minute to 24 hours")
        if not 0 <= self.week_minutes <= 7 * 24 * 60:
            raise ComplianceInputError("the weekly minimum must be 0 to 168 hours")
        if not 0 <= self.min_days <= 7:
            raise ComplianceInputError("the days a week must be 0 to 7")

    @property
    def requires_week(self) -> bool:
        return self.basis is PerDiemBasis.DAY_AND_WEEK

    @property
    def label(self) -> str:
        """The rule in words, as pages show it."""
        day = f"a day with at least {_hours(self.day_minutes)} attended"
        if not self.requires_week:
            who = f"{self.payer}: " if self.payer else ""
            return f"{who}{day} is a per-diem day"
        return (
            f"{self.payer or 'Payer rule'}: {day} is a per-diem day only in a week with at "
            f"least {_hours(self.week_minutes)} attended and {self.min_days} such days"
        )


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if not rest else f"{hours} h {rest:02d}"


DEFAULT_PER_DIEM = PerDiemRule()


@dataclass(frozen=True)
class CompliancePolicy:
    """Thresholds of the week's computation.

    - `adult_minimum_minutes` 540 and `adolescent_minimum_minutes` 360: ASAM Level 2.1 is 9-19
      hours a week for adults and 6-19 for adolescents; SAMHSA's 2021 advisory gives the same
      minimums (ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1).
    - `per_diem`: the billing rule of a patient without a payer rule of their own
      (`Patient.per_diem`): the HCPCS H0015/S9480 per-day rule (`PerDiemRule`).
    - `program_day_minutes` 180 and `program_min_days` 3: program compliance, reported as
      `PatientWeek.program_days` and in the reasons, never used to deny a day (H0015: a program
      that "operates at least 3 hours/day and at least 3 days/week"). The weekly hours are the
      patient's requirement (the status).
    - `at_risk_without_lost_time` False: a program choice, not a sourced rule. When True, a
      patient whose schedule leaves less than one session of slack (e.g. exactly 9 hours
      scheduled) is at risk even before missing anything; off by default because programs
      often schedule exactly the minimum and the at-risk list would hold nearly everyone.
    """

    adult_minimum_minutes: int = 540
    adolescent_minimum_minutes: int = 360
    per_diem: PerDiemRule = DEFAULT_PER_DIEM
    program_day_minutes: int = PER_DIEM_DAY_MINUTES
    program_min_days: int = PROGRAM_MIN_DAYS
    at_risk_without_lost_time: bool = False


DEFAULT_POLICY = CompliancePolicy()
