"""The community-support page: peer meetings of recent weeks, record a week, the patient's
supports.

The patient through ``care.access`` (404, audited); writes need a clinician and go through
one service each; invalid input re-renders with status 422.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.community import services
from openiop.care.community.forms import PeerMeetingsForm, SupportForm
from openiop.care.community.selectors import meeting_weeks
from openiop.care.models import SupportProfile


def community(request: HttpRequest, pk: int) -> HttpResponse:
    user, patient = pages.reader_or_clinician(request, pk)
    profile = SupportProfile.objects.filter(patient=patient).first()
    action = request.POST.get("form", "") if request.method == "POST" else ""
    if action not in ("", "meetings", "support"):
        raise Http404("Unknown form.")
    meetings = PeerMeetingsForm(request.POST if action == "meetings" else None, prefix="meetings")
    initial = (
        {f: getattr(profile, f) for f in services.SUPPORT_FIELDS} if profile is not None else None
    )
    support = SupportForm(
        request.POST if action == "support" else None, prefix="support", initial=initial
    )
    saved = None
    if action == "meetings" and meetings.is_valid():
        saved = pages.save(
            meetings,
            lambda: services.peer_meetings_record(
                actor=user,
                patient=patient,
                week_start=meetings.cleaned_data["week_start"],
                counts=meetings.counts(),
                request=request,
            ),
        )
    elif action == "support" and support.is_valid():
        saved = pages.save(
            support,
            lambda: services.support_profile_set(
                actor=user,
                patient=patient,
                data={k: support.cleaned_data[k] for k in services.SUPPORT_FIELDS},
                request=request,
            ),
        )
    if saved is not None:
        messages.success(
            request, "Meetings recorded." if action == "meetings" else "Supports saved."
        )
        return redirect("care:community", pk=patient.pk)
    if not action:
        care_access.viewed(
            user, patient, request, ["peer_meetings", "supports"], "community support"
        )
    data = meeting_weeks(patient, today=timezone.localdate())
    return pages.render_page(
        request,
        "care/community.html",
        {
            "patient": patient,
            "meetings": meetings,
            "support": support,
            "data": data,
            "can_write": care_access.is_clinician(user),
        },
        invalid=bool(action),
    )
