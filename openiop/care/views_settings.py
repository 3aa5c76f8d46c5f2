"""Care settings of an organization (administrators and clinical directors): each program's
taper phases and thresholds, each track's repeated measures, reliable-change values.

Programs and tracks are looked up within the user's organization (``access.organization_id``);
another organization's id answers 404 and the attempt is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.accounts.models import User
from openiop.care import measures, services
from openiop.care.forms import PHASE_ROWS, MeasureScheduleForm, ReliabilityForm, TaperSettingsForm
from openiop.care.models import MeasureSchedule, ReliabilitySetting, TaperSettings
from openiop.care.rules.reliable_change import DEFAULT_RELIABILITY
from openiop.care.taper import phases_to_json, policy_from_settings
from openiop.care.views import _inside, _render, _save
from openiop.core import access, policy
from openiop.core.policy import Action
from openiop.domain.screening import INSTRUMENTS
from openiop.organization.models import Organization, Program, Track


def _configurer(request: HttpRequest) -> User:
    user = access.staff(request)
    policy.require(user, Action.CARE_SETTINGS, request=request, object_type="care.settings")
    return user


def index(request: HttpRequest) -> HttpResponse:
    user = _configurer(request)
    org = access.organization_id(user)
    programs = Program.objects.filter(site__organization_id=org).select_related("site")
    tracks = Track.objects.filter(program__site__organization_id=org).select_related("program")
    configured = set(
        TaperSettings.objects.filter(program__in=programs).values_list("program_id", flat=True)
    )
    scheduled = set(
        MeasureSchedule.objects.filter(track__in=tracks).values_list("track_id", flat=True)
    )
    return _render(
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


def taper_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    user = _configurer(request)
    program = _inside(
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
        saved = _save(
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
    return _render(
        request,
        "care/settings_taper.html",
        {"program": program, "form": form, "phase_rows": PHASE_ROWS, "configured": current},
        invalid=request.method == "POST",
    )


def measure_schedule(request: HttpRequest, track_id: int) -> HttpResponse:
    user = _configurer(request)
    track = _inside(
        user,
        request,
        Track.objects.filter(
            program__site__organization_id=access.organization_id(user)
        ).select_related("program__site"),
        track_id,
        "organization.track",
    )
    effective = measures.schedules_for_tracks([(track.pk, track.kind)])[track.pk]
    instruments = [(i.id, i.edition) for i in INSTRUMENTS.values()]
    form = MeasureScheduleForm(
        request.POST or None,
        instruments=instruments,
        initial={s.instrument: s.every_weeks for s in effective},
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.measure_schedule_set(
                actor=user, track=track, items=form.schedule(), request=request
            ),
        )
        if saved is not None:
            messages.success(request, "Measure schedule saved.")
            return redirect("care:settings")
    return _render(
        request,
        "care/settings_measures.html",
        {"track": track, "form": form},
        invalid=request.method == "POST",
    )


def reliability(request: HttpRequest) -> HttpResponse:
    user = _configurer(request)
    org = Organization.objects.get(pk=access.organization_id(user))
    choices = [(i.id, i.edition) for i in INSTRUMENTS.values() if i.total_range is not None]
    form = ReliabilityForm(request.POST or None, instruments=choices)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved = _save(
            form,
            lambda: services.reliability_set(
                actor=user,
                organization=org,
                instrument=d["instrument"],
                sd=d["sd"],
                reliability=d["reliability"],
                source=d["source"],
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, "Reliable-change values saved.")
            return redirect("care:settings")
    return _render(
        request,
        "care/settings_reliability.html",
        {
            "form": form,
            "defaults": DEFAULT_RELIABILITY,
            "own": ReliabilitySetting.objects.filter(organization=org),
        },
        invalid=request.method == "POST",
    )
