"""When will a payer authorization run out, and by when must the concurrent review be asked for?

The inputs are what the program knows today: the authorization (units, unit kind, dates), the
units used so far, the patient's scheduled sessions from the published schedule, and the
patient's recent attendance rate.

Counting units (how payers authorize IOP/PHP services: per diem days, per session or per
hour; the authorization letter says which):

- ``days``: one unit per scheduled day with at least one session, however many sessions;
- ``sessions``: one unit per scheduled session;
- ``hours``: the sum of the scheduled sessions' hours.

Only sessions from ``today`` (inclusive: ``used`` counts what was used before today) up to the
authorization end date, and not before its start date, can use units.

The method (program policy, deliberately simple so the basis can be read aloud):

- **expected**: each scheduled unit is used with probability equal to the attendance rate, so
  the expected units used by a day are ``rate x units scheduled up to that day``; the expected
  exhaustion date is the first scheduled day on which that reaches the units left;
- **earliest**: every scheduled session attended (rate 1);
- **latest**: the same at the rate's lower bound, ``rate - 0.1`` clipped at 0
  (``ATTENDANCE_MARGIN``). This is a sensitivity band, not a statistical interval: a recent
  rate over a few weeks is too noisy and too dependent on the week for a binomial interval to
  mean more than that, and one margin is easy to explain to a payer reviewer;
- **unknown rate** (``None``, e.g. a new admission): never read as 0 or 1 by default, but the
  only forecast the schedule supports is every scheduled session attended, so expected =
  earliest, no later bound is given, and the basis says so.

A forecast is a date only where the schedule reaches it: if the units last past the last
scheduled day and the published schedule stops before the authorization end date, the date is
unknown (``None``), not invented by repeating the week.

The review-by date is the constraint (the expected exhaustion date, or the authorization end
date when the units last beyond it or no exhaustion is forecast) less the review lead time in
business days (Monday to Friday; public holidays are not known here), and never before today.
The lead time is program policy (``DEFAULT_REVIEW_LEAD_BUSINESS_DAYS``); a payer's contract
may require more.

Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

DEFAULT_REVIEW_LEAD_BUSINESS_DAYS = 3
"""Program policy: ask for the concurrent review 3 business days before the units run out."""

ATTENDANCE_MARGIN = Decimal("0.1")
"""Program policy: the later end of the range is at the attendance rate less this margin."""

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class UnitKind(StrEnum):
    DAYS = "days"
    SESSIONS = "sessions"
    HOURS = "hours"


class ReviewConstraint(StrEnum):
    """What the review-by date is counted back from."""

    EXHAUSTION = "exhaustion"
    END_DATE = "end_date"


class AuthorizationInputError(ValueError):
    """An input the forecast cannot use (negative units, end before start, rate outside 0..1)."""


def _decimal(name: str, value: Decimal | int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise AuthorizationInputError(f"{name} must be a whole number or a Decimal")
    result = Decimal(value)
    if not result.is_finite() or result < 0:
        raise AuthorizationInputError(f"{name} must be zero or more")
    return result


@dataclass(frozen=True)
class Authorization:
    """A payer's authorization: ``units`` of ``unit`` between ``start`` and ``end`` inclusive."""

    units: Decimal | int
    unit: UnitKind
    start: date
    end: date
    review_lead_business_days: int = DEFAULT_REVIEW_LEAD_BUSINESS_DAYS

    def __post_init__(self) -> None:
        units = _decimal("units", self.units)
        if self.unit is not UnitKind.HOURS and units != units.to_integral_value():
            raise AuthorizationInputError(f"{self.unit} are authorized in whole units")
        if self.end < self.start:
            raise AuthorizationInputError("the end date is before the start date")
        if self.review_lead_business_days < 0:
            raise AuthorizationInputError("the review lead time must be zero or more days")


@dataclass(frozen=True)
class ScheduledSession:
    """One session of the patient's published schedule."""

    day: date
    hours: Decimal | int

    def __post_init__(self) -> None:
        _decimal("hours", self.hours)


@dataclass(frozen=True)
class Forecast:
    unit: UnitKind
    units_authorized: Decimal
    units_used: Decimal
    units_left: Decimal
    units_scheduled: Decimal
    """Units the scheduled sessions inside the authorization would use if all were attended."""
    exhausted_on: date | None
    """Expected date the last unit is used; None when not forecast (see ``basis``)."""
    earliest: date | None
    """Every scheduled session attended."""
    latest: date | None
    """At the rate's lower bound; None when the units last beyond the schedule at that rate
    or the rate is unknown."""
    review_by: date
    review_constraint: ReviewConstraint
    outlasts_end: bool | None
    """True when units are expected to be left at the end date; None when the published
    schedule stops before the end date without the units running out (not known yet)."""
    attendance_rate: Decimal | None
    rate_low: Decimal | None
    schedule_through: date | None
    basis: str


def business_days_before(day: date, count: int) -> date:
    """``count`` business days (Monday to Friday) before ``day``; ``day`` itself when 0."""
    result = day
    while count > 0:
        result -= timedelta(days=1)
        if result.weekday() < 5:
            count -= 1
    return result


def _daily_units(
    auth: Authorization, sessions: Iterable[ScheduledSession], first: date
) -> list[tuple[date, Decimal, int]]:
    """(day, units, sessions) for each scheduled day inside the window, in date order."""
    by_day: dict[date, tuple[Decimal, int]] = {}
    for session in sessions:
        if first <= session.day <= auth.end:
            hours, count = by_day.get(session.day, (Decimal(0), 0))
            by_day[session.day] = (hours + Decimal(session.hours), count + 1)
    days = []
    for day in sorted(by_day):
        hours, count = by_day[day]
        if auth.unit is UnitKind.DAYS:
            units = Decimal(1)
        elif auth.unit is UnitKind.SESSIONS:
            units = Decimal(count)
        else:
            units = hours
        days.append((day, units, count))
    return days


def _exhaustion(
    days: Sequence[tuple[date, Decimal, int]], left: Decimal, rate: Decimal
) -> date | None:
    if rate <= 0:
        return None
    total = Decimal(0)
    for day, units, _ in days:
        total += units
        if rate * total >= left:
            return day
    return None


def _fmt_units(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _amount(value: Decimal, unit: UnitKind) -> str:
    singular = {UnitKind.DAYS: "day", UnitKind.SESSIONS: "session", UnitKind.HOURS: "hour"}
    return f"{_fmt_units(value)} {singular[unit] if value == 1 else unit.value}"


def _fmt_date(day: date, today: date) -> str:
    text = f"{day.day} {MONTH_NAMES[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def _percent(rate: Decimal) -> str:
    return f"{_fmt_units(rate * 100)}%"


def _weekday_pattern(days: Iterable[date]) -> str:
    """'Monday-Friday' for a run of weekdays, else 'Monday, Wednesday and Friday'."""
    weekdays = sorted({day.weekday() for day in days})
    if len(weekdays) >= 3 and weekdays == list(range(weekdays[0], weekdays[-1] + 1)):
        return f"{WEEKDAY_NAMES[weekdays[0]]}-{WEEKDAY_NAMES[weekdays[-1]]}"
    names = [WEEKDAY_NAMES[i] for i in weekdays]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def forecast(
    auth: Authorization,
    used: Decimal | int,
    schedule: Iterable[ScheduledSession],
    attendance_rate: Decimal | float | None,
    today: date,
    *,
    schedule_through: date | None = None,
) -> Forecast:
    """Forecast when ``auth`` runs out (method in the module docstring).

    ``schedule``: the patient's scheduled sessions as published (a step-down is just a new
    schedule). ``schedule_through``: the last day the published schedule covers; by default
    the last scheduled session's day. ``attendance_rate``: 0..1, or None when unknown.
    """
    used_units = _decimal("used", used)
    authorized = Decimal(auth.units)
    rate: Decimal | None = None
    if attendance_rate is not None:
        if isinstance(attendance_rate, bool):
            raise AuthorizationInputError("the attendance rate must be a number from 0 to 1")
        rate = Decimal(str(attendance_rate))
        if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
            raise AuthorizationInputError("the attendance rate must be from 0 to 1")
    rate_low = None if rate is None else max(Decimal(0), rate - ATTENDANCE_MARGIN)

    sessions = list(schedule)
    if schedule_through is None and sessions:
        schedule_through = max(session.day for session in sessions)
    first = max(today, auth.start)
    days = _daily_units(auth, sessions, first)
    scheduled = sum((units for _, units, _ in days), Decimal(0))
    left = max(Decimal(0), authorized - used_units)
    lead = auth.review_lead_business_days

    parts = [f"{_amount(authorized, auth.unit)} authorized, {_fmt_units(used_units)} used"]
    if left <= 0:
        # Used up already: the review is due now.
        parts.append("none left: review now")
        return Forecast(
            unit=auth.unit,
            units_authorized=authorized,
            units_used=used_units,
            units_left=left,
            units_scheduled=scheduled,
            exhausted_on=today,
            earliest=today,
            latest=today,
            review_by=today,
            review_constraint=ReviewConstraint.EXHAUSTION,
            outlasts_end=False,
            attendance_rate=rate,
            rate_low=rate_low,
            schedule_through=schedule_through,
            basis="; ".join(parts) + ".",
        )
    parts[0] += f", {_fmt_units(left)} left"

    earliest = _exhaustion(days, left, Decimal(1))
    expected = earliest if rate is None else _exhaustion(days, left, rate)
    latest = None if rate_low is None else _exhaustion(days, left, rate_low)

    ended = today > auth.end
    covers_end = schedule_through is not None and schedule_through >= auth.end
    outlasts_end: bool | None
    if expected is not None:
        outlasts_end = False
    elif ended or covers_end:
        outlasts_end = True
    else:
        outlasts_end = None

    # What was scheduled and at which rate.
    if ended:
        parts.append(f"the authorization ended on {_fmt_date(auth.end, today)}")
    elif not days:
        parts.append(
            f"no scheduled sessions from {_fmt_date(first, today)} to "
            f"{_fmt_date(auth.end, today)}, so no exhaustion date is forecast"
        )
    else:
        session_count = sum(count for _, _, count in days)
        pattern = _weekday_pattern(day for day, _, _ in days)
        if auth.unit is UnitKind.DAYS:
            what = f"{len(days)} scheduled {pattern} days"
        else:
            what = f"{session_count} scheduled {pattern} sessions"
            if auth.unit is UnitKind.HOURS:
                what += f" ({_fmt_units(scheduled)} hours)"
        what += f" from {_fmt_date(days[0][0], today)} to {_fmt_date(days[-1][0], today)}"
        if rate is None:
            what += (
                " with the attendance rate unknown, so every scheduled session is assumed"
                " attended and no later bound is given"
            )
        else:
            what += f" at {_percent(rate)} attendance"
        parts.append(what)

        # When it runs out.
        if expected is not None:
            text = f"expected to run out on {_fmt_date(expected, today)}"
            if rate is not None:
                later = (
                    f"{_fmt_date(latest, today)} at {_percent(rate_low)}"
                    if latest is not None and rate_low is not None
                    else f"later than the schedule shows at {_percent(rate_low or Decimal(0))}"
                )
                assert earliest is not None
                text += (
                    f" (from {_fmt_date(earliest, today)} if every session is attended to {later})"
                )
            parts.append(text)
        elif outlasts_end:
            parts.append(f"units expected to be left at the end date, {_fmt_date(auth.end, today)}")
        else:
            assert schedule_through is not None
            parts.append(
                f"not expected to run out by {_fmt_date(schedule_through, today)}, where the"
                f" published schedule stops before the end date ({_fmt_date(auth.end, today)});"
                " forecast again when the next week is published"
            )

    if expected is not None:
        constraint = ReviewConstraint.EXHAUSTION
        target = expected
    else:
        constraint = ReviewConstraint.END_DATE
        target = auth.end
    review_by = max(today, business_days_before(target, lead))
    counted_from = (
        "the expected exhaustion"
        if constraint is ReviewConstraint.EXHAUSTION
        else f"the authorization end date, {_fmt_date(auth.end, today)}"
    )
    review = f"review by {_fmt_date(review_by, today)}"
    if target < today:
        review += f" (today: {counted_from} has passed)"
    elif business_days_before(target, lead) < today:
        review += f" (today: {counted_from} is less than {lead} business days away)"
    else:
        review += f", {lead} business days before {counted_from}"
    parts.append(review)

    return Forecast(
        unit=auth.unit,
        units_authorized=authorized,
        units_used=used_units,
        units_left=left,
        units_scheduled=scheduled,
        exhausted_on=expected,
        earliest=earliest,
        latest=latest,
        review_by=review_by,
        review_constraint=constraint,
        outlasts_end=outlasts_end,
        attendance_rate=rate,
        rate_low=rate_low,
        schedule_through=schedule_through,
        basis="; ".join(parts) + ".",
    )
