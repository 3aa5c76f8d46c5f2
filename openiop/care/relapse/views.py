"""Relapse-response pages: open a response, and the workflow page (safety check, plan
revision, care-team notice, level-of-care review, close).

The patient through ``care.access`` (404, audited), the event inside that patient; writes
need a clinician and go through one service each; invalid input re-renders with status 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.models import RelapseEvent
from openiop.care.relapse import services
from openiop.care.relapse.forms import NotifyForm, PlanStepForm, RelapseOpenForm, SafetyCheckForm
from openiop.care.relapse.selectors import care_team
from openiop.care.taper.forms import AttendanceReportForm


def relapse_new(request: HttpRequest, pk: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    form = RelapseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        event = pages.save(
            form,
            lambda: services.relapse_open(
                actor=user,
                patient=patient,
                source=d["source"],
                occurred_on=d["occurred_on"],
                substances=d["substances"],
                description=d["description"],
                request=request,
            ),
        )
        if event is not None:
            messages.success(request, "Relapse response opened.")
            return redirect("care:relapse", pk=patient.pk, event_id=event.pk)
    return pages.render_page(
        request,
        "care/relapse_new.html",
        {"patient": patient, "form": form},
        invalid=request.method == "POST",
    )


RELAPSE_STEPS = ("safety", "plan", "notify", "review", "close")


def _step_call(
    step: str, form: Any, user: User, event: RelapseEvent, request: HttpRequest
) -> Callable[[], Any]:
    """The service call a workflow step's valid form submits (closing has no form)."""
    d = form.cleaned_data
    calls = {
        "safety": lambda: services.relapse_safety_check(
            actor=user,
            event=event,
            findings=d["findings"],
            notes=d["notes"],
            request=request,
        ),
        "plan": lambda: services.relapse_plan_step(
            actor=user, event=event, revise=d["revise"], note=d["note"], request=request
        ),
        "notify": lambda: services.relapse_notify(
            actor=user,
            event=event,
            recipients=list(d["recipients"]),
            text=d["text"],
            request=request,
        ),
        "review": lambda: services.relapse_review(
            actor=user,
            event=event,
            attendance_reported=form.fraction(),
            request=request,
        ),
    }
    return calls[step]


def relapse(request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
    """The relapse response workflow: safety check, plan revision, care-team notice,
    level-of-care review, then close."""
    user, patient = pages.reader_or_clinician(request, pk)
    event = care_access.inside(
        user,
        request,
        RelapseEvent.objects.filter(patient=patient).select_related(
            "patient", "drug_screen", "recommendation", "plan_revision", "enrollment"
        ),
        event_id,
        "care.relapseevent",
    )
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step and step not in RELAPSE_STEPS:
        raise Http404("Unknown step.")
    data = request.POST if step else None
    staff = care_team(patient)
    review = AttendanceReportForm(data if step == "review" else None, prefix="review")
    forms: dict[str, Any] = {
        "safety": SafetyCheckForm(data if step == "safety" else None, prefix="safety"),
        "plan": PlanStepForm(data if step == "plan" else None, prefix="plan"),
        "notify": NotifyForm(data if step == "notify" else None, prefix="notify", staff=staff),
        "review": review,
    }
    if step:
        form = forms.get(step)
        ok = None
        if step == "close":
            try:
                ok = services.relapse_close(actor=user, event=event, request=request)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("care:relapse", pk=patient.pk, event_id=event.pk)
        elif form is not None and form.is_valid():
            ok = pages.save(form, _step_call(step, form, user, event, request))
        if ok is not None:
            messages.success(request, "Saved.")
            return redirect("care:relapse", pk=patient.pk, event_id=event.pk)
    else:
        care_access.viewed(
            user, patient, request, ["relapse_response"], f"relapse response {event.pk}"
        )
    return pages.render_page(
        request,
        "care/relapse.html",
        {
            "patient": patient,
            "event": event,
            "forms": forms,
            "notified": list(event.notified.all()),
            "can_write": care_access.is_clinician(user),
        },
        invalid=bool(step),
    )
