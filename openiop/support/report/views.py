"""The support services report page: needs found, referred and resolved, and what became of
the referrals, by need kind and by partner, for one period and optionally one program.
Counts only; no patient is named. Administrators and clinical directors only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.forms import INVALID
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.domain.support_report import Figures
from openiop.support.models import NeedKind
from openiop.support.report import selectors
from openiop.support.report.forms import ReportFilterForm

FILTERS = ("from", "to", "program")


def _row(label: str, f: Figures) -> dict[str, Any]:
    """A table row: the figures, the rate as a percentage and the median in days."""
    rate = "none found" if f.resolution_rate is None else f"{f.resolution_rate * 100:.0f}%"
    if f.median_days_to_resolution is None:
        median = "none resolved"
    else:
        days = f.median_days_to_resolution
        median = f"{days:g} day{'' if days == 1 else 's'}"
    return {"label": label, "f": f, "rate": rate, "median": median}


def report(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.SUPPORT_REPORT, request=request, object_type="support.need")
    org_id = access.organization_id(user)
    data = {k: request.GET[k] for k in FILTERS if request.GET.get(k)}
    form = ReportFilterForm(data or None, programs=selectors.programs(org_id))
    if form.is_bound and not form.is_valid():
        return render(request, "support/report/report.html", {"form": form}, status=INVALID)
    today = timezone.localdate()
    start, end = form.period(today)
    program = form.cleaned_data.get("program") if form.is_bound else None
    result = selectors.report(
        org_id, start, end, as_of=today, program_id=program.pk if program else None
    )
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="support.need",
        request=request,
        detail=f"support services report {start.isoformat()} to {end.isoformat()}"
        + (f", program {program.pk}" if program else ""),
        part2=False,
    )
    labels = dict(NeedKind.choices)
    order = {value: i for i, value in enumerate(NeedKind.values)}
    by_kind = sorted(result.by_kind, key=lambda g: order.get(g.key, len(order)))
    return render(
        request,
        "support/report/report.html",
        {
            "form": form,
            "report": result,
            "program": program,
            "total": _row("All needs", result.total),
            "by_kind": [_row(labels.get(g.key, g.key), g.figures) for g in by_kind],
            "by_partner": [_row(g.key, g.figures) for g in result.by_partner],
        },
    )
