"""Weekly-hours compliance: minutes attended against the week's requirement, per-day billing
eligibility, and an at-risk projection with open seats that would fix it.

Sources: ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1 (hours and the step-down allowance;
one requirement per patient across tracks and the prorated admission week are program policy);
the HCPCS H0015 and S9480 descriptors (a per-diem day is a day with at least 3 hours attended;
a payer's own rule may add the weekly minimum: `PerDiemRule`). Pure Python; times are aware
datetimes.
"""

from openiop.domain.compliance.combined import (
    AvailabilityCheck,
    WeeklyRequirement,
    admission_minimum_minutes,
    availability_check,
    available_group_minutes,
    is_adolescent,
    population_minimum_minutes,
    requirement_label,
    weekly_requirement,
)
from openiop.domain.compliance.fixes import SeatSuggestion
from openiop.domain.compliance.model import (
    DEFAULT_PER_DIEM,
    DEFAULT_POLICY,
    H0015_DESCRIPTOR,
    HCPCS_SOURCE,
    PAYER_WEEK_MINUTES,
    PER_DIEM_DAY_MINUTES,
    PROGRAM_MIN_DAYS,
    S9480_DESCRIPTOR,
    Attendance,
    AttendanceStatus,
    ComplianceInputError,
    CompliancePolicy,
    Interval,
    Leave,
    OpenSeat,
    Patient,
    PerDiemBasis,
    PerDiemRule,
    Session,
    StepDown,
    TrackEnrolment,
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
    "DEFAULT_PER_DIEM",
    "DEFAULT_POLICY",
    "H0015_DESCRIPTOR",
    "HCPCS_SOURCE",
    "PAYER_WEEK_MINUTES",
    "PER_DIEM_DAY_MINUTES",
    "PROGRAM_MIN_DAYS",
    "S9480_DESCRIPTOR",
    "Attendance",
    "AttendanceStatus",
    "AvailabilityCheck",
    "Billing",
    "ComplianceInputError",
    "CompliancePolicy",
    "DayAttendance",
    "Interval",
    "Leave",
    "OpenSeat",
    "Patient",
    "PatientWeek",
    "PerDiemBasis",
    "PerDiemRule",
    "SeatSuggestion",
    "Session",
    "SessionAttendance",
    "Status",
    "StepDown",
    "TrackEnrolment",
    "WeeklyRequirement",
    "admission_minimum_minutes",
    "availability_check",
    "available_group_minutes",
    "compute_week",
    "is_adolescent",
    "population_minimum_minutes",
    "requirement_label",
    "weekly_requirement",
]
