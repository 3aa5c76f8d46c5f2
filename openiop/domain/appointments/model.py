"""A week's individual appointments to place around published groups: the input and the result.

Times are site-local wall clock: ``day`` 0 is Monday, ``start`` and ``end`` are minutes after
local midnight. Every check of nonsense input raises :class:`ValueError` when the object is
built, naming the offending entry, so the placer and the validator never see a half-valid
problem. ``Slot`` (last week's appointment) is not checked against the staff list: it describes
an earlier week, and a staff member who has since left only means it cannot be kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MINUTES_PER_DAY = 24 * 60

# The kinds of appointment, with the words a clinician reads in explanations.
KIND_NAMES = {
    "individual": "individual counselling",
    "family": "family therapy",
    "medication": "medication management",
    "psychiatric_evaluation": "psychiatric evaluation",
    "case_management": "case management",
}


def kind_name(kind: str) -> str:
    """The plain-English name of an appointment kind (an unknown kind: its words)."""
    return KIND_NAMES.get(kind, kind.replace("_", " "))


def clock(minute: int) -> str:
    """``570`` -> ``09:30``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class Interval:
    """A time range in the week, site-local wall clock; ``end`` is exclusive."""

    day: int  # 0 = Monday ... 6 = Sunday
    start: int  # minutes after local midnight
    end: int  # > start

    def __post_init__(self) -> None:
        if not 0 <= self.day <= 6:
            raise ValueError(f"interval day {self.day}: must be 0 (Monday) to 6 (Sunday)")
        if self.start < 0 or self.end > MINUTES_PER_DAY:
            raise ValueError(
                f"interval {self.start}-{self.end}: times must lie within one day (0-1440 minutes)"
            )
        if self.end <= self.start:
            raise ValueError(f"interval {self.start}-{self.end}: end must be after start")

    def overlaps(self, other: Interval) -> bool:
        """Same day and ranges that intersect (touching ends do not overlap)."""
        return self.day == other.day and self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        """``other`` lies wholly inside this interval (same day)."""
        return self.day == other.day and self.start <= other.start and other.end <= self.end

    def describe(self) -> str:
        """``Tue 09:00-10:00``."""
        return f"{DAY_NAMES[self.day]} {clock(self.start)}-{clock(self.end)}"


@dataclass(frozen=True)
class Staff:
    """A staff member who delivers appointments."""

    id: str  # e.g. "c12"
    windows: tuple[Interval, ...]  # weekly availability; an appointment lies inside ONE window
    busy: tuple[Interval, ...] = ()  # groups they lead, appointments already booked by hand
    credentials: frozenset[str] = frozenset()  # e.g. {"counselor"}, {"prescriber"}, both


@dataclass(frozen=True)
class PatientTimes:
    """When a patient can come, and what they already have this week."""

    id: str  # e.g. "p7"
    free: tuple[Interval, ...] | None  # None = free at any time inside the problem's day hours
    busy: tuple[Interval, ...] = ()  # their groups and appointments already booked


@dataclass(frozen=True)
class Slot:
    """Where an appointment was last week."""

    day: int
    start: int
    staff: str


@dataclass(frozen=True)
class Due:
    """One appointment a patient is due this week."""

    id: str  # e.g. "p7-individual"
    patient: str
    kind: (
        str  # "individual" | "family" | "medication" | "psychiatric_evaluation" | "case_management"
    )
    minutes: int
    credential: str  # the credential the staff member must hold, e.g. "counselor" or "prescriber"
    staff: tuple[str, ...]  # who may deliver it, in order of preference (primary counselor first)
    previous: Slot | None = None  # last week's slot: keep it when possible
    family: tuple[Interval, ...] | None = None  # the family's available times; None: no constraint

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise ValueError(f"due {self.id}: minutes must be positive, not {self.minutes}")
        if self.minutes > MINUTES_PER_DAY:
            raise ValueError(f"due {self.id}: {self.minutes} minutes do not fit in a day")
        twice = sorted(s for s, n in Counter(self.staff).items() if n > 1)
        if twice:
            raise ValueError(f"due {self.id}: staff listed twice: {', '.join(twice)}")


@dataclass(frozen=True)
class PlacementProblem:
    """The dues of one week, the staff who may deliver them and the patients' times."""

    dues: tuple[Due, ...]
    staff: tuple[Staff, ...]
    patients: tuple[PatientTimes, ...]
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    day_start: int = 8 * 60  # earliest start, minutes
    day_end: int = 21 * 60  # latest end
    step: int = 30  # candidate starts every `step` minutes (aligned to day_start)
    gap: int = 0  # minutes a patient needs between two of their events (0: back to back)
    staff_by_id: dict[str, Staff] = field(init=False, repr=False, compare=False)
    patient_by_id: dict[str, PatientTimes] = field(init=False, repr=False, compare=False)
    due_by_id: dict[str, Due] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.step <= 0:
            problems.append(f"step must be positive, not {self.step}")
        if self.gap < 0:
            problems.append(f"gap must not be negative, not {self.gap}")
        if not 0 <= self.day_start < self.day_end <= MINUTES_PER_DAY:
            problems.append(
                f"day hours {self.day_start}-{self.day_end}: need 0 <= day_start < day_end <= 1440"
            )
        problems += [
            f"day {d}: must be 0 (Monday) to 6 (Sunday)" for d in self.days if not 0 <= d <= 6
        ]
        for what, ids in (
            ("due", [d.id for d in self.dues]),
            ("staff", [s.id for s in self.staff]),
            ("patient", [p.id for p in self.patients]),
        ):
            problems += [
                f"{what} id {i!r} is used {n} times" for i, n in Counter(ids).items() if n > 1
            ]
        staff_ids = {s.id for s in self.staff}
        patient_ids = {p.id for p in self.patients}
        for d in self.dues:
            if d.patient not in patient_ids:
                problems.append(f"due {d.id}: unknown patient {d.patient!r}")
            problems += [f"due {d.id}: unknown staff {s!r}" for s in d.staff if s not in staff_ids]
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "staff_by_id", {s.id: s for s in self.staff})
        object.__setattr__(self, "patient_by_id", {p.id: p for p in self.patients})
        object.__setattr__(self, "due_by_id", {d.id: d for d in self.dues})


@dataclass(frozen=True)
class Placement:
    """A due placed: who delivers it, and when."""

    due: str
    staff: str
    day: int
    start: int
    end: int

    @property
    def interval(self) -> Interval:
        return Interval(self.day, self.start, self.end)


@dataclass(frozen=True)
class Unplaced:
    """A due that could not be placed, and why, in words for a clinician."""

    due: str
    patient: str
    kind: str
    code: str  # "no_staff" | "no_common_time" | "taken"
    reason: str


@dataclass(frozen=True)
class PlacementResult:
    """Placements and explanations; ``stats``: status, seconds, candidates, kept, fallback."""

    placed: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]
    stats: dict[str, object]
