"""What would close a week's shortfall: suggestions for the people who may change the week.

A POST (it runs what-ifs, so never a GET) from the review page: the week is read with the
scheduling getter asking for the right to change it (another organization: 404; a counselor:
403; both audited), the domain's :func:`advise` runs a fixed number of greedy what-ifs (the
same result on any machine), and the panel is rendered. The advice names no patient, only how
many short patients a change reaches, so showing it reads no patient's record and is not
audited as one. Nothing is changed: the director makes a change in setup and solves again.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from openiop.core import access, htmx
from openiop.core.forms import INVALID
from openiop.domain.scheduling.advise import Advice, advise
from openiop.scheduling import selectors
from openiop.scheduling.models import ScheduleWeek
from openiop.scheduling.permissions import week_for

# What-ifs per request: a count, not a time. Each is one greedy pass (about 0.1 s for 300
# patients), so a request stays within a few seconds on a large week.
WHAT_IFS = 16
SHOWN = 6

KIND_LABELS = {
    "virtual_room": "Video room",
    "room": "Room",
    "counselor_hours": "Counselor hours",
    "new_group": "New group",
}


def _row(r: selectors.Review, a: Advice) -> dict[str, Any]:
    return {
        "rank": a.rank,
        "kind": KIND_LABELS.get(a.kind, a.kind),
        "text": r.humanize(a.description),
        "before": a.shortfall_before,
        "after": a.shortfall_after,
        "helped": a.patients_helped,
        "reaching": a.patients_reaching_minimum,
        "short": a.short_patients,
        "closes": a.shortfall_after == 0,
        "schedule_only": a.kind == "new_group",
    }


def _context(week: ScheduleWeek, r: selectors.Review) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    shortfall = float(r.report.shortfall_hours) if r.report else 0.0
    if r.problem is not None and r.solution is not None and shortfall > 0:
        rows = [_row(r, a) for a in advise(r.problem, r.solution, limit=WHAT_IFS, top=SHOWN)]
    short = (
        len(r.problem.patients) - r.report.patients_meeting_minimum
        if r.problem is not None and r.report is not None
        else 0
    )
    return {
        "week": week,
        "advice": rows,
        "asked": True,
        "shortfall": shortfall,
        "short_patients": short,
    }


@require_POST
def week_advice(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    w = week_for(user, pk, request=request, manage=True)
    r, _ = selectors.review(w, user)
    if r.problem is None or r.solution is None:
        text = "This week has no schedule yet: solve it first, then ask for suggestions."
        if getattr(request, "htmx", False):
            return htmx.reason(text, INVALID)
        return htmx.render_page(
            request,
            "scheduling/advice_page.html",
            "scheduling/partials/advice.html",
            {"week": w, "asked": True, "no_schedule": text},
            status=INVALID,
        )
    return htmx.render_page(
        request,
        "scheduling/advice_page.html",
        "scheduling/partials/advice.html",
        _context(w, r),
    )
