"""Breach notification deadlines (pure Python, no Django).

Sources (applied to Part 2 records by 42 CFR 2.16(b)):
- 45 CFR 164.404(b): individuals are notified without unreasonable delay and in no case later
  than 60 calendar days after the breach is discovered.
- 45 CFR 164.406(a): prominent media outlets are notified, in the same time limit, when the
  breach involves more than 500 residents of a State or jurisdiction.
- 45 CFR 164.408(b): the Secretary of HHS is notified contemporaneously with the individual
  notice when 500 or more individuals are involved; (c) otherwise the breach goes into the
  annual log, due no later than 60 days after the end of the calendar year in which it was
  discovered (31 December + 60 days: 1 March, or 29 February in a leap year).

Unknown counts are treated as the stricter case (an earlier HHS deadline, media notice
needed) until the count is written down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

NOTIFY_DAYS = 60
LARGE_BREACH = 500  # 164.408(b): "500 or more individuals"
MEDIA_THRESHOLD = 500  # 164.406(a): "more than 500 residents"

INDIVIDUALS = "individuals"
HHS = "hhs"
MEDIA = "media"
LABELS = {
    INDIVIDUALS: "People affected (45 CFR 164.404)",
    HHS: "Secretary of HHS (45 CFR 164.408)",
    MEDIA: "Media in the state (45 CFR 164.406)",
}


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    due: date
    done_on: date | None

    def overdue(self, today: date) -> bool:
        return self.done_on is None and today > self.due

    @property
    def late(self) -> bool:
        return self.done_on is not None and self.done_on > self.due


def individuals_due(discovered_on: date) -> date:
    return discovered_on + timedelta(days=NOTIFY_DAYS)


def annual_log_due(discovered_on: date) -> date:
    """60 days after the end of the calendar year of discovery (164.408(c))."""
    return date(discovered_on.year, 12, 31) + timedelta(days=NOTIFY_DAYS)


def hhs_due(discovered_on: date, people_affected: int | None) -> date:
    if people_affected is None or people_affected >= LARGE_BREACH:
        return individuals_due(discovered_on)
    return annual_log_due(discovered_on)


def media_needed(people_affected: int | None, largest_state_count: int | None) -> bool:
    if largest_state_count is not None:
        return largest_state_count > MEDIA_THRESHOLD
    return people_affected is None or people_affected > MEDIA_THRESHOLD


def deadlines(
    *,
    discovered_on: date,
    people_affected: int | None,
    largest_state_count: int | None,
    outcome: str,
    individuals_notified_on: date | None = None,
    hhs_notified_on: date | None = None,
    media_notified_on: date | None = None,
) -> list[Deadline]:
    """The notices this entry needs, with their due dates. None after a "low probability"
    assessment (164.402(2): no breach); while undecided, the clock of a breach is running."""
    if outcome == "low":
        return []
    due = individuals_due(discovered_on)
    out = [
        Deadline(INDIVIDUALS, LABELS[INDIVIDUALS], due, individuals_notified_on),
        Deadline(HHS, LABELS[HHS], hhs_due(discovered_on, people_affected), hhs_notified_on),
    ]
    if media_needed(people_affected, largest_state_count):
        out.append(Deadline(MEDIA, LABELS[MEDIA], due, media_notified_on))
    return out


def next_deadline(items: list[Deadline]) -> Deadline | None:
    """The earliest notice still to be made."""
    pending = [d for d in items if d.done_on is None]
    return min(pending, key=lambda d: d.due) if pending else None


def overdue(items: list[Deadline], today: date) -> list[Deadline]:
    return [d for d in items if d.overdue(today)]


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
