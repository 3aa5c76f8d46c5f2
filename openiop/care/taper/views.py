"""Tapering pages: ask for a recommendation, approve or decline it (from the progress view),
and a program's taper settings (phases and thresholds; ``care.settings``).

The patient through ``care.access`` (404, audited), the enrolment or recommendation inside
that patient; a program inside the user's organization; writes go through one service each;
invalid input re-renders with status 422.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.models import TaperRecommendation, TaperSettings
from openiop.care.taper import services
from openiop.care.taper.forms import (
    PHASE_ROWS,
    AttendanceReportForm,
    DeclineForm,
    TaperSettingsForm,
)
from openiop.care.taper.inputs import phases_to_json, policy_from_settings
from openiop.core import access
from openiop.organization.models import Program
from openiop.patients.models import Enrollment, Patient


@require_POST
def taper_recommend(request: HttpRequest, pk: int, enrollment_id: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    enrollment = care_access.inside(
        user,
        request,
        Enrollment.objects.filter(patient=patient).select_related("patient", "track"),
        enrollment_id,
        "patients.enrollment",
    )
    form = AttendanceReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Attendance must be a whole percentage from 0 to 100.")
        return redirect(pages.progress_url(patient) + "#taper")
    try:
        services.taper_recommend(
            actor=user, enrollment=enrollment, attendance_reported=form.fraction(), request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Recommendation ready for review.")
    return redirect(pages.progress_url(patient) + "#taper")


def _recommendation(
    user: User, request: HttpRequest, patient: Patient, rec_id: int
) -> TaperRecommendation:
    return care_access.inside(
        user,
        request,
        TaperRecommendation.objects.filter(patient=patient).select_related("patient", "enrollment"),
        rec_id,
        "care.taperrecommendation",
    )


@require_POST
def taper_approve(request: HttpRequest, pk: int, rec_id: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    rec = _recommendation(user, request, patient, rec_id)
    try:
        rec = services.taper_approve(actor=user, recommendation=rec, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if rec.outside_iop:
            messages.success(
                request,
                f"Approved: {rec.target_phase_label}. Record the move as a discharge or transfer.",
            )
        else:
            messages.success(
                request,
                f"Approved: {rec.target_phase_label}, {rec.weekly_hours} hours a week from the next "
                "schedule.",
            )
    return redirect(pages.progress_url(patient) + "#taper")


def taper_decline(request: HttpRequest, pk: int, rec_id: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    rec = _recommendation(user, request, patient, rec_id)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = pages.save(
            form,
            lambda: services.taper_decline(
                actor=user, recommendation=rec, reason=form.cleaned_data["reason"], request=request
            ),
        )
        if done is not None:
            messages.success(request, "Declined; the reason is kept with the recommendation.")
            return redirect(pages.progress_url(patient) + "#taper")
    if request.method == "GET":
        care_access.viewed(user, patient, request, ["taper"], f"taper recommendation {rec.pk}")
    return pages.render_page(
        request,
        "care/decline.html",
        {"patient": patient, "rec": rec, "form": form},
        invalid=request.method == "POST",
    )


def taper_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    user = care_access.configurer(request)
    program = care_access.inside(
        user,
        request,
        Program.objects.filter(site__organization_id=access.organization_id(user)).select_related(
            "site"
        ),
        program_id,
        "organization.program",
    )
    current = TaperSettings.objects.filter(program=program).first()
    policy = policy_from_settings(current)
    labels = {p.id: p.label for p in policy.phases}
    initial: dict[str, Any] = {
        "min_weeks_without_use": policy.min_weeks_without_use,
        "screen_window_weeks": policy.screen_window_weeks,
        "relapse_window_weeks": policy.relapse_window_weeks,
        "min_objectives_met": policy.min_objectives_met,
        "min_peer_meetings_per_week": policy.min_peer_meetings_per_week,
        "min_sober_supports": policy.min_sober_supports,
        "min_attendance_for_step_down": policy.min_attendance_for_step_down,
        "require_measures": policy.require_measures,
        "lookback_weeks": policy.lookback_weeks,
        "attendance_window_weeks": policy.attendance_window_weeks,
    }
    for p in phases_to_json(policy.phases):
        if p["id"] in PHASE_ROWS:
            initial[f"{p['id']}:hours"] = p["hours_per_week"]
            initial[f"{p['id']}:days"] = p["days_per_week"]
            initial[f"{p['id']}:min_weeks"] = p["min_weeks"]
            if p["id"] == "step-down":
                initial["step-down:max_weeks"] = p["max_weeks"]
    form = TaperSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = pages.save(
            form,
            lambda: services.taper_settings_set(
                actor=user,
                program=program,
                phases=form.phases(labels),
                thresholds=form.thresholds(),
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, "Taper settings saved.")
            return redirect("care:settings")
    return pages.render_page(
        request,
        "care/settings_taper.html",
        {"program": program, "form": form, "phase_rows": PHASE_ROWS, "configured": current},
        invalid=request.method == "POST",
    )
