"""The outcomes dashboard's inputs and outputs: plain facts the selectors load from the
database, and the figures ``openiop.domain.outcomes.metrics.compute`` derives from them.

Pure Python, no Django. Dates are the site's local calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Stored discharge type values (kept equal to ``care.models.DischargeType``; a test of the
# outcomes app checks it).
COMPLETED = "completed"
STEPPED_DOWN = "stepped_down"
TRANSFERRED_UP = "transferred_up"
AGAINST_ADVICE = "against_advice"
ADMINISTRATIVE = "administrative"
# Stored "other ending" value of a discharge (``intake.state_reporting_choices.OtherEnding``)
# for a patient who died.
DIED = "died"


@dataclass(frozen=True)
class EpisodeFact:
    """One admission (one treatment episode) and how it ended.

    ``ended_on``/``end_kind``: the day and type of the discharge that ended the last open
    track of the admission; ``None`` while any of its tracks is open.
    ``first_session_on``: the first day the patient attended a group session (present,
    late or left early, in person or virtual) on or after admission; ``None`` if never.
    ``other_ending``: why treatment ended where no discharge type says it ("died",
    "incarcerated", "other"), from the discharge that ended the episode; ``None`` if unset.
    ``contacts_after_end``: days of follow-up contacts made after the discharge (alumni
    follow-ups done, peer contacts), any order.
    """

    admission_id: int
    patient_id: int
    program_id: int
    site_id: int
    track_ids: frozenset[int]
    admitted_on: date
    referral_id: int | None = None
    referred_on: date | None = None
    first_session_on: date | None = None
    ended_on: date | None = None
    end_kind: str | None = None
    other_ending: str | None = None
    contacts_after_end: tuple[date, ...] = ()


@dataclass(frozen=True)
class ReferralFact:
    """A referral received (created) on ``received_on``; ``admission_id`` when it led to one."""

    referral_id: int
    program_id: int | None
    site_id: int | None
    received_on: date
    admission_id: int | None = None
    patient_id: int | None = None


@dataclass(frozen=True)
class WeekFact:
    """One patient-week of one episode: the hours required that week (after leave and
    taper) and the hours attended (group sessions, checked-in time as the compliance
    rules count it)."""

    admission_id: int
    patient_id: int
    week_start: date
    required_hours: float
    attended_hours: float


@dataclass(frozen=True)
class ScoreFact:
    """One administration of a repeated measure (PHQ-9, GAD-7) with its total score."""

    patient_id: int
    instrument: str
    on: date
    total: int


@dataclass(frozen=True)
class ScreenFact:
    """One resulted drug screen: ``negative`` when no unexpected substance was found."""

    patient_id: int
    collected_on: date
    negative: bool


@dataclass(frozen=True)
class Facts:
    episodes: tuple[EpisodeFact, ...] = ()
    referrals: tuple[ReferralFact, ...] = ()
    weeks: tuple[WeekFact, ...] = ()
    scores: tuple[ScoreFact, ...] = ()
    screens: tuple[ScreenFact, ...] = ()


@dataclass(frozen=True)
class Point:
    """One bar or point of a chart: a label (a month "2026-11", a discharge type...) and
    its value; ``numerator``/``denominator`` when the value is a share."""

    label: str
    value: float | None
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class Figure:
    """One dashboard figure.

    ``key``: a stable identifier (used in URLs of the patient list, never shown).
    ``value``: a share in [0, 1], a count or a number of days (see ``unit``); ``None``
    when nothing qualifies (shown as "no data", never as 0).
    ``members``: the patient ids behind the figure (the numerator's patients for a share,
    every counted patient for a count), sorted; ``denominator_members`` the patients of
    the denominator for a share.
    ``definition``: one or two plain sentences saying exactly what is counted.
    ``series``: the chart's points (by month, by discharge type, by day N...).
    ``items``: what the figure counts when it is not patients ("treatment stays",
    "drug screens", "referrals"); the patient list says how many patients they are.
    ``mixed_members``: patients counted for one item (a stay) and not for another.
    ``not_listed``: items of the total without a patient record (referrals never admitted).
    """

    key: str
    title: str
    unit: str  # "share", "count" or "days"
    value: float | None
    definition: str
    numerator: int | None = None
    denominator: int | None = None
    members: tuple[int, ...] = ()
    denominator_members: tuple[int, ...] = ()
    series: tuple[Point, ...] = ()
    source: str = ""
    items: str = ""
    mixed_members: tuple[int, ...] = ()
    not_listed: int = 0


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    as_of: date
    figures: tuple[Figure, ...] = field(default_factory=tuple)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)
