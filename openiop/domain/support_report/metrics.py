"""Support services figures: how many social needs were found, referred to a partner and
resolved, how long resolving took, and what happened to the referrals (closed-loop referral
measures in the spirit of the CMS Accountable Health Communities model's navigation track:
screened, referred, connected, resolved).

Definitions (written under the report's tables too):

- The period selects needs by the day they were found (``identified_on`` in [start, end],
  both days included); every referral of those needs counts, whenever it was sent.
- *Needs found*: needs identified in the period. Per partner: the needs referred to it.
- *Needs referred*: needs with at least one referral (any status).
- *Needs resolved*: needs closed as resolved (closed not resolved, or help declined by the
  patient, do not count). Per partner: only the resolved needs whose referral to that
  partner was closed with the need resolved; a need the partner declined and another
  partner resolved counts for the other partner only.
- *Resolution rate*: needs resolved / needs found; ``None`` when no need was found.
- *Median days to resolution*: the median of (day closed - day found) over the needs
  counted as resolved (per partner, those it resolved); the mean of the two middle values
  when their number is even; ``None`` when no need was resolved.
- Referrals: *sent* every referral; *accepted* those the partner accepted (or delivered the
  service, which implies it); *declined* those declined, whether the partner declined
  through its link or staff recorded the partner's refusal; *delivered* those whose
  service was delivered; *closed resolved* those closed with the need resolved.
- *Overdue* as of a day: a referral sent by then, still open that day (not declined, closed
  or withdrawn by then) whose follow-up day is before it.

Pure Python, no Django: the selectors turn the rows into the facts below.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The stored values of the need and referral statuses (kept equal to the models' choices,
# which a test of the support app checks).
NEED_RESOLVED = "resolved"
SENT = "sent"
RECEIVED = "received"
ACCEPTED = "accepted"
DECLINED = "declined"
DELIVERED = "delivered"
CLOSED = "closed"
WITHDRAWN = "withdrawn"
OUTCOME_RESOLVED = "resolved"
FINISHED = frozenset({DECLINED, CLOSED, WITHDRAWN})


class PeriodError(ValueError):
    """The period's end is before its start."""


@dataclass(frozen=True)
class NeedFact:
    id: int
    kind: str
    status: str
    identified_on: date
    closed_on: date | None = None


@dataclass(frozen=True)
class ReferralFact:
    """One referral. `reached`: every status the referral has had (from its events, with the
    current one); `closed_on`: the day it was declined, closed or withdrawn (None while open)."""

    need_id: int
    partner: str
    status: str
    sent_on: date
    follow_up_on: date
    outcome: str = ""
    closed_on: date | None = None
    reached: frozenset[str] = field(default_factory=frozenset)

    def has_reached(self, status: str) -> bool:
        return status == self.status or status in self.reached

    def overdue_on(self, day: date) -> bool:
        if self.sent_on > day or self.follow_up_on >= day:
            return False
        if self.status in FINISHED:
            return self.closed_on is not None and self.closed_on > day
        return True


@dataclass(frozen=True)
class Figures:
    needs_found: int
    needs_referred: int
    needs_resolved: int
    resolution_rate: float | None
    median_days_to_resolution: float | None
    referrals_sent: int
    referrals_accepted: int
    referrals_declined: int
    referrals_delivered: int
    referrals_closed_resolved: int
    referrals_overdue: int


@dataclass(frozen=True)
class Group:
    key: str  # a need kind, or a partner's name
    figures: Figures


@dataclass(frozen=True)
class SupportReport:
    start: date
    end: date
    as_of: date
    total: Figures
    by_kind: tuple[Group, ...]
    by_partner: tuple[Group, ...]


def _resolved(need: NeedFact, credited: frozenset[int] | None) -> bool:
    """A resolved need, and (when `credited` is given) one of those credited to the group."""
    return need.status == NEED_RESOLVED and (credited is None or need.id in credited)


def median_days(needs: Iterable[NeedFact], credited: frozenset[int] | None = None) -> float | None:
    """Median days from found to resolved over the resolved needs (only those in `credited`
    when given); None when there are none."""
    days = [
        (n.closed_on - n.identified_on).days
        for n in needs
        if _resolved(n, credited) and n.closed_on is not None
    ]
    if not days:
        return None
    return float(statistics.median(days))


def closed_resolved(referral: ReferralFact) -> bool:
    return referral.status == CLOSED and referral.outcome == OUTCOME_RESOLVED


def figures(
    needs: Sequence[NeedFact],
    referrals: Sequence[ReferralFact],
    as_of: date,
    credited: frozenset[int] | None = None,
) -> Figures:
    """The figures of one group: `needs` and the `referrals` that belong to the group.
    `credited`: when given, the ids of the needs the group may count as resolved (a
    partner's: those whose referral to it was closed resolved); else every resolved need."""
    referred = {r.need_id for r in referrals}
    found = len(needs)
    resolved = sum(1 for n in needs if _resolved(n, credited))
    return Figures(
        needs_found=found,
        needs_referred=sum(1 for n in needs if n.id in referred),
        needs_resolved=resolved,
        resolution_rate=round(resolved / found, 4) if found else None,
        median_days_to_resolution=median_days(needs, credited),
        referrals_sent=len(referrals),
        referrals_accepted=sum(
            1 for r in referrals if r.has_reached(ACCEPTED) or r.has_reached(DELIVERED)
        ),
        referrals_declined=sum(1 for r in referrals if r.has_reached(DECLINED)),
        referrals_delivered=sum(1 for r in referrals if r.has_reached(DELIVERED)),
        referrals_closed_resolved=sum(1 for r in referrals if closed_resolved(r)),
        referrals_overdue=sum(1 for r in referrals if r.overdue_on(as_of)),
    )


def in_period(needs: Iterable[NeedFact], start: date, end: date) -> list[NeedFact]:
    """The needs found between `start` and `end`, both days included."""
    if end < start:
        raise PeriodError("The end of the period is before its start.")
    return [n for n in needs if start <= n.identified_on <= end]


def compute(
    needs: Iterable[NeedFact],
    referrals: Iterable[ReferralFact],
    *,
    start: date,
    end: date,
    as_of: date,
) -> SupportReport:
    """The report of the needs found in [start, end] and their referrals, overdue counted as
    of `as_of`. Groups are in key order; a partner appears when it has a referral of a need
    of the period."""
    chosen = in_period(needs, start, end)
    ids = {n.id for n in chosen}
    refs = [r for r in referrals if r.need_id in ids]
    kinds: dict[str, list[NeedFact]] = {}
    for n in chosen:
        kinds.setdefault(n.kind, []).append(n)
    need_by_id = {n.id: n for n in chosen}
    refs_by_kind: dict[str, list[ReferralFact]] = {}
    for r in refs:
        refs_by_kind.setdefault(need_by_id[r.need_id].kind, []).append(r)
    by_kind = tuple(
        Group(kind, figures(group, refs_by_kind.get(kind, []), as_of))
        for kind, group in sorted(kinds.items())
    )
    partners: dict[str, list[ReferralFact]] = {}
    for r in refs:
        partners.setdefault(r.partner, []).append(r)
    # A partner is credited only with the needs its own referral closed as resolved, not
    # with a need another partner resolved after it declined or did not help.
    by_partner = tuple(
        Group(
            partner,
            figures(
                [need_by_id[i] for i in sorted({r.need_id for r in group})],
                group,
                as_of,
                credited=frozenset(r.need_id for r in group if closed_resolved(r)),
            ),
        )
        for partner, group in sorted(partners.items())
    )
    return SupportReport(
        start=start,
        end=end,
        as_of=as_of,
        total=figures(chosen, refs, as_of),
        by_kind=by_kind,
        by_partner=by_partner,
    )


def figures_json(f: Figures) -> dict[str, Any]:
    return {
        "needs_found": f.needs_found,
        "needs_referred": f.needs_referred,
        "needs_resolved": f.needs_resolved,
        "resolution_rate": f.resolution_rate,
        "median_days_to_resolution": f.median_days_to_resolution,
        "referrals_sent": f.referrals_sent,
        "referrals_accepted": f.referrals_accepted,
        "referrals_declined": f.referrals_declined,
        "referrals_delivered": f.referrals_delivered,
        "referrals_closed_resolved": f.referrals_closed_resolved,
        "referrals_overdue": f.referrals_overdue,
    }


def to_json(report: SupportReport) -> dict[str, Any]:
    """The report as JSON-ready values (dates as YYYY-MM-DD)."""
    return {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "as_of": report.as_of.isoformat(),
        "total": figures_json(report.total),
        "by_kind": [{"kind": g.key, **figures_json(g.figures)} for g in report.by_kind],
        "by_partner": [{"partner": g.key, **figures_json(g.figures)} for g in report.by_partner],
    }
