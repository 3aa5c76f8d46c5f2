"""Weekly-hours compliance: minutes attended against the week's requirement, per-day billing
eligibility, and an at-risk projection with open seats that would fix it.

Sources: ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1 (hours and the step-down allowance);
common payer practice (3 hours a day and 9 a week for the per diem). Pure Python; times are aware datetimes.
"""

from openiop.domain.compliance.fixes import SeatSuggestion
from openiop.domain.compliance.model import (
    DEFAULT_POLICY,
    Attendance,
    AttendanceStatus,
    ComplianceInputError,
    CompliancePolicy,
    Interval,
    Leave,
    OpenSeat,
    Patient,
    Session,
    StepDown,
)
from openiop.domain.compliance.week import (
    Billing,
    DayAttendance,
    PatientWeek,
    SessionAttendance,
    Status,
    compute_week,
)

__all__ = [
    "DEFAULT_POLICY",
    "Attendance",
    "AttendanceStatus",
    "Billing",
    "ComplianceInputError",
    "CompliancePolicy",
    "DayAttendance",
    "Interval",
    "Leave",
    "OpenSeat",
    "Patient",
    "PatientWeek",
    "SeatSuggestion",
    "Session",
    "SessionAttendance",
    "Status",
    "StepDown",
    "compute_week",
]
