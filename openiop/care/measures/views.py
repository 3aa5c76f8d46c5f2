"""Measurement-based care settings pages (``care.settings``): a track's repeated measures and
the organization's reliable-change values.

Tracks are looked up within the user's organization (``access.organization_id``); another
organization's id answers 404 and the attempt is audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.measures import selectors as measures
from openiop.care.measures import services
from openiop.care.measures.forms import MeasureScheduleForm, ReliabilityForm
from openiop.care.models import ReliabilitySetting
from openiop.core import access
from openiop.domain.measures.reliable_change import DEFAULT_RELIABILITY
from openiop.domain.screening import INSTRUMENTS
from openiop.organization.models import Organization, Track


def measure_schedule(request: HttpRequest, track_id: int) -> HttpResponse:
    user = care_access.configurer(request)
    track = care_access.inside(
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
        saved = pages.save(
            form,
            lambda: services.measure_schedule_set(
                actor=user, track=track, items=form.schedule(), request=request
            ),
        )
        if saved is not None:
            messages.success(request, "Measure schedule saved.")
            return redirect("care:settings")
    return pages.render_page(
        request,
        "care/settings_measures.html",
        {"track": track, "form": form},
        invalid=request.method == "POST",
    )


def reliability(request: HttpRequest) -> HttpResponse:
    user = care_access.configurer(request)
    org = Organization.objects.get(pk=access.organization_id(user))
    choices = [(i.id, i.edition) for i in INSTRUMENTS.values() if i.total_range is not None]
    form = ReliabilityForm(request.POST or None, instruments=choices)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved = pages.save(
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
    return pages.render_page(
        request,
        "care/settings_reliability.html",
        {
            "form": form,
            "defaults": DEFAULT_RELIABILITY,
            "own": ReliabilitySetting.objects.filter(organization=org),
        },
        invalid=request.method == "POST",
    )
