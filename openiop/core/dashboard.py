"""The staff home page's counts. Each count is read through the same selector as the page it
links to (so the two always agree and are scoped to the user's sites and programs), and only
when the policy allows that page's read; a count the user may not read is None and not shown.
A fixed number of queries whatever the amount of data (tested)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from openiop.core import policy
from openiop.core.policy import Action

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User

_URGENT_SAFETY = "_openiop_urgent_safety_tasks"


@dataclass(frozen=True)
class Dashboard:
    today: date
    patients: int
    sessions_today: int | None
    unsigned_notes: int | None
    urgent_safety_tasks: int | None
    at_risk_this_week: int | None


def urgent_safety_tasks(request: HttpRequest, user: User) -> int | None:
    """Open urgent safety tasks the user may read (the Safety tasks page's rows), once per
    request: the navigation and the home page share it. None for roles that may not read
    safety tasks."""
    if not policy.allows(user, Action.SAFETY_TASK_READ):
        return None
    cached: int | None = getattr(request, _URGENT_SAFETY, None)
    if cached is None:
        from openiop.intake.selectors import urgent_safety_task_count

        cached = urgent_safety_task_count(user)
        setattr(request, _URGENT_SAFETY, cached)
    return cached


def dashboard(request: HttpRequest, user: User) -> Dashboard:
    from openiop.delivery import selectors as delivery_selectors
    from openiop.delivery import weekly
    from openiop.delivery.hours import monday_of
    from openiop.patients.selectors import patient_count_for

    attendance = policy.allows(user, Action.ATTENDANCE_READ)
    today = timezone.localdate()
    sessions_today = at_risk = None
    if attendance:
        # The Today and This week pages' own day, week and rows.
        today = timezone.localdate(timezone=delivery_selectors.user_zone(user))
        sessions_today = len(delivery_selectors.sessions_on(user, today))
        at_risk = weekly.at_risk_count(user, monday_of(today), as_of=timezone.now())
    return Dashboard(
        today=today,
        patients=patient_count_for(user),
        sessions_today=sessions_today,
        unsigned_notes=delivery_selectors.unsigned_notes_count(user)
        if policy.allows(user, Action.NOTE_READ)
        else None,
        urgent_safety_tasks=urgent_safety_tasks(request, user),
        at_risk_this_week=at_risk,
    )
