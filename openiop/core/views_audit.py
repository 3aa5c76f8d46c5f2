"""Audit report page and CSV export (45 CFR 170.315(d)(3)); exporting is itself audited."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from openiop.core import access, audit, csvstream, policy
from openiop.core.forms import AuditFilterForm
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.selectors import audit_events

CSV_COLUMNS = [
    "seq",
    "occurred_at",
    "username",
    "user_id_value",
    "patient_id_value",
    "action",
    "object_type",
    "object_id",
    "fields",
    "client_ip",
    "break_glass",
    "part2",
    "detail",
    "hash",
]


def audit_report(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = access.staff(request)
    policy.require(user, Action.AUDIT_READ, request=request, object_type="core.auditevent")
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        d = form.cleaned_data
        filters = {
            "username": d.get("username") or "",
            "patient_id": d.get("patient"),
            "action": d.get("action") or "",
            "start": d.get("start"),
            "end": d.get("end"),
            "break_glass_only": bool(d.get("break_glass_only")),
            "sort": d.get("sort") or "-seq",
        }
    elif form.is_bound:
        return render(request, "core/audit_report.html", {"form": form, "page": None}, status=400)
    org_id = user.organization_id
    events = audit_events(organization_id=org_id, **filters)
    if request.GET.get("format") == "csv":
        audit.record(
            actor=user,
            action=AuditAction.EXPORT,
            object_type="core.auditevent",
            request=request,
            detail=f"audit report CSV export, filters {sorted(k for k, v in filters.items() if v)}",
            part2=False,
        )
        return csvstream.response(
            CSV_COLUMNS,
            (
                [
                    getattr(e, c) if c != "occurred_at" else e.occurred_at.isoformat()
                    for c in CSV_COLUMNS
                ]
                for e in events.iterator(2000)
            ),
            filename="openiop-audit.csv",
        )
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "core/audit_report.html", {"form": form, "page": page, "query": query.urlencode()}
    )
