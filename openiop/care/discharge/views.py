"""Discharge pages: discharge an enrolment, and the patient's discharges with their alumni
follow-ups (record one as reached).

The patient through ``care.access`` (404, audited), the enrolment or follow-up inside that
patient; writes need a clinician and go through one service each; invalid input re-renders
with status 422.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.discharge import services
from openiop.care.discharge.forms import DischargeForm, FollowUpForm
from openiop.care.models import AlumniFollowUp, Discharge
from openiop.patients.models import Enrollment


def discharge(request: HttpRequest, pk: int, enrollment_id: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    enrollment = care_access.inside(
        user,
        request,
        Enrollment.objects.filter(patient=patient).select_related("patient", "track"),
        enrollment_id,
        "patients.enrollment",
    )
    form = DischargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = pages.save(
            form,
            lambda: services.discharge_record(
                actor=user,
                enrollment=enrollment,
                kind=d["kind"],
                discharged_on=d["discharged_on"],
                summary=d["summary"],
                crisis_plan=d["crisis_plan"],
                next_provider=d["next_provider"],
                peer_groups=d["peer_groups"],
                medications=d["medications"],
                follow_up_dates=form.follow_ups(),
                request=request,
            ),
        )
        if done is not None:
            messages.success(request, "Discharged. Alumni follow-ups are scheduled.")
            return redirect(pages.progress_url(patient))
    if request.method == "GET":
        care_access.viewed(user, patient, request, ["enrollments"], "discharge form")
    return pages.render_page(
        request,
        "care/discharge.html",
        {"patient": patient, "enrollment": enrollment, "form": form},
        invalid=request.method == "POST",
    )


def follow_ups(request: HttpRequest, pk: int) -> HttpResponse:
    """Discharges of this patient and their alumni follow-ups; record one as done."""
    user, patient = pages.reader_or_clinician(request, pk)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST":
        raw = request.POST.get("follow_up", "")
        follow_up = care_access.inside(
            user,
            request,
            AlumniFollowUp.objects.filter(patient=patient).select_related("patient"),
            int(raw) if raw.isdigit() else 0,
            "care.alumnifollowup",
        )
        if form.is_valid() and pages.save(
            form,
            lambda: services.follow_up_complete(
                actor=user,
                follow_up=follow_up,
                done_on=form.cleaned_data["done_on"],
                outcome=form.cleaned_data["outcome"],
                request=request,
            ),
        ):
            messages.success(request, "Follow-up recorded.")
            return redirect("care:follow_ups", pk=patient.pk)
    else:
        care_access.viewed(user, patient, request, ["discharge", "follow_ups"], "discharges")
    return pages.render_page(
        request,
        "care/follow_ups.html",
        {
            "patient": patient,
            "discharges": Discharge.objects.filter(patient=patient)
            .prefetch_related("follow_ups")
            .select_related("enrollment__track"),
            "form": form,
            "can_write": care_access.is_clinician(user),
        },
        invalid=request.method == "POST",
    )
