"""Care pages across the sub-areas: the care dashboard, a patient's progress view (the evidence
for each decision on one screen, with links to each sub-area's pages) and the settings index.

The dashboard and settings ask the policy (``care.read``, ``care.settings``); the progress view
gets the patient through ``care.access`` (404 and an audited denial for anyone else's
patient). Views of patient data are audited.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.measures import selectors as measures
from openiop.care.models import MeasureSchedule, TaperSettings
from openiop.care.overview import selectors
from openiop.care.plans.forms import ObjectiveStatusForm
from openiop.care.taper.forms import AttendanceReportForm
from openiop.core import access, audit, htmx, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.organization.models import Program, Track

DASHBOARD_PAGE = 25
# The care page's lists, each paged on its own (`?list=due&page=2`, an htmx fragment).
DASHBOARD_LISTS = ("age_outs", "relapses", "pending", "due")


def _page_number(request: HttpRequest, name: str) -> str | None:
    return request.GET.get("page") if request.GET.get("list") == name else None


def dashboard(request: HttpRequest) -> HttpResponse:
    """The care page: one page of each list with its total; `?list=<name>&page=<n>` pages
    one list (the list alone for htmx, the whole page otherwise). Patients shown are
    audited."""
    user = access.staff(request)
    policy.require(user, Action.CARE_READ, request=request, object_type="care.dashboard")
    which = request.GET.get("list")
    if which is not None and which not in DASHBOARD_LISTS:
        if getattr(request, "htmx", False):
            return htmx.reason("There is no such list on this page.", 400)
        return HttpResponse("There is no such list on this page.", status=400)
    today = timezone.localdate()
    data = selectors.dashboard(user, today=today)
    pages = {
        name: Paginator(getattr(data, name), DASHBOARD_PAGE).get_page(_page_number(request, name))
        for name in DASHBOARD_LISTS
    }
    only = which if which and getattr(request, "htmx", False) else None
    shown_pages = [pages[only]] if only else list(pages.values())
    shown = sorted(
        {
            getattr(row, "patient_id", None) or row.enrollment.patient_id
            for page in shown_pages
            for row in page.object_list
        }
    )
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="care.dashboard",
        fields=["due_measures", "relapse_responses", "taper_recommendations", "age_out"],
        request=request,
        detail=f"care dashboard; shown ids: {','.join(map(str, shown))}"[:500],
        part2=bool(shown),
    )
    context = {
        "data": data,
        "pages": pages,
        "today": today,
        "can_configure": care_access.can_configure(user),
    }
    if only:
        return render(request, f"care/partials/dashboard_{only}.html", context)
    return render(request, "care/dashboard.html", context)


def progress(request: HttpRequest, pk: int) -> HttpResponse:
    user, patient = pages.reader(request, pk)
    today = timezone.localdate()
    data = selectors.progress(patient, today=today)
    care_access.viewed(
        user,
        patient,
        request,
        ["treatment_plan", "measures", "drug_screens", "peer_meetings", "taper", "daily_checkins"],
        "progress view",
    )
    return render(
        request,
        "care/progress.html",
        {
            "patient": patient,
            "data": data,
            "today": today,
            "can_write": care_access.is_clinician(user),
            "recommend_form": AttendanceReportForm(),
            "status_choices": ObjectiveStatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        },
    )


def settings_index(request: HttpRequest) -> HttpResponse:
    user = care_access.configurer(request)
    org = access.organization_id(user)
    programs = Program.objects.filter(site__organization_id=org).select_related("site")
    tracks = Track.objects.filter(program__site__organization_id=org).select_related("program")
    configured = set(
        TaperSettings.objects.filter(program__in=programs).values_list("program_id", flat=True)
    )
    scheduled = set(
        MeasureSchedule.objects.filter(track__in=tracks).values_list("track_id", flat=True)
    )
    return pages.render_page(
        request,
        "care/settings.html",
        {
            "programs": programs,
            "tracks": tracks,
            "configured": configured,
            "scheduled": scheduled,
            "reliability": measures.reliability_for(org),
        },
    )
