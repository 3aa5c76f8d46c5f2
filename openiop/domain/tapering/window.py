"""What the taper engine reads from the past: its look-back windows and the attendance fraction.

Both windows are program policy (OpenIOP defaults; no published source fixes them), set per
program in the taper settings and carried by ``TaperPolicy``:

- ``TaperPolicy.lookback_weeks`` (default ``LOOKBACK_WEEKS`` 26, 4-104): drug screens and
  relapse events older than that (26 weeks is about six months) before the day of the
  recommendation are not read. They bound "weeks without use" (the weeks since the latest
  positive screen or relapse) and the relapse counts. The window is never shorter than the
  program's own settings that look back (``look_back_weeks``), so a program asking for 30
  weeks without use reads 30 weeks.
- ``TaperPolicy.attendance_window_weeks`` (default ``ATTENDANCE_WEEKS`` 4, 1-26): attendance
  is the share of the required hours attended over that many last complete weeks (Monday to
  Sunday) since the enrolment began (``attendance_weeks``).

A week in the attendance window with no attendance record at all counts as missed: the patient
was enrolled and owed their hours, and no record means they were not checked in, not that the
data is missing. Only weeks in which nothing was required (a leave of absence over the whole
week) are left out. ``weekly_attendance`` computes it.

Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from openiop.domain.tapering.model import TaperInputError
from openiop.domain.tapering.policy import ATTENDANCE_WEEKS, LOOKBACK_WEEKS, TaperPolicy

__all__ = [
    "ATTENDANCE_WEEKS",
    "LOOKBACK_WEEKS",
    "AttendanceSummary",
    "WeekAttendance",
    "attendance_weeks",
    "look_back_weeks",
    "weekly_attendance",
]


def look_back_weeks(policy: TaperPolicy) -> int:
    """The weeks of screens and relapse events to read: the program's look-back
    (``lookback_weeks``, 26 by default), or longer when one of its windows reaches further
    back."""
    return max(
        policy.lookback_weeks,
        policy.min_weeks_without_use,
        policy.screen_window_weeks,
        policy.relapse_window_weeks,
    )


def attendance_weeks(policy: TaperPolicy) -> int:
    """The complete weeks of attendance to read (``attendance_window_weeks``, 4 by default)."""
    return policy.attendance_window_weeks


@dataclass(frozen=True)
class WeekAttendance:
    """One complete week of the window: the minutes required and those attended.

    ``attended_minutes`` None: no attendance record at all that week (counted as missed).
    ``required_minutes`` 0: nothing was required (leave over the whole week; left out).
    """

    week_start: date
    required_minutes: int
    attended_minutes: int | None

    def __post_init__(self) -> None:
        if self.required_minutes < 0:
            raise TaperInputError("required minutes must not be negative")
        if self.attended_minutes is not None and self.attended_minutes < 0:
            raise TaperInputError("attended minutes must not be negative")


@dataclass(frozen=True)
class AttendanceSummary:
    """The attendance input of the engine and how it was reached."""

    fraction: float  # attended / required, at most 1
    weeks: int  # weeks counted (something was required)
    weeks_recorded: int  # of them, weeks with at least one attendance record
    weeks_missed: int  # of them, weeks without any record: counted as missed (0 attended)
    attended_minutes: int
    required_minutes: int


def weekly_attendance(weeks: Iterable[WeekAttendance]) -> AttendanceSummary | None:
    """The share of required hours attended over the weeks given; a week without any
    attendance record counts as missed (module docstring). None when nothing was required
    in any of them (no evidence either way)."""
    counted = [w for w in weeks if w.required_minutes > 0]
    if not counted:
        return None
    required = sum(w.required_minutes for w in counted)
    attended = sum(w.attended_minutes or 0 for w in counted)
    missed = sum(1 for w in counted if w.attended_minutes is None)
    return AttendanceSummary(
        fraction=min(1.0, attended / required),
        weeks=len(counted),
        weeks_recorded=len(counted) - missed,
        weeks_missed=missed,
        attended_minutes=attended,
        required_minutes=required,
    )
