"""Discharge pages: discharge an enrolment (every track, or this track only), the patient's
discharges with their alumni follow-ups (record one as reached), and the review of an
adolescent track once the patient has turned 18.

The patient through ``care.access`` (404, audited), the enrolment or follow-up inside that
patient; writes need a clinician and go through one service each; invalid input re-renders
with status 422.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.discharge import selectors, services
from openiop.care.discharge.forms import AgeOutReviewForm, DischargeForm, FollowUpForm
from openiop.care.models import AlumniFollowUp, Discharge, DischargeScope
from openiop.domain import ageout
from openiop.intake import state_reporting_choices as sc
from openiop.intake.models import StateReportingDetails
from openiop.patients.models import Enrollment, Patient


def _enrollment(
    user: User, request: HttpRequest, patient: Patient, enrollment_id: int
) -> Enrollment:
    """One of the patient's enrolments, inside the clinician's scope (audited 404 otherwise)."""
    return care_access.inside(
        user,
        request,
        Enrollment.objects.filter(patient=patient).select_related("patient", "track"),
        enrollment_id,
        "patients.enrollment",
    )


def discharge(request: HttpRequest, pk: int, enrollment_id: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    enrollment = _enrollment(user, request, patient, enrollment_id)
    others = selectors.other_open_tracks(enrollment)
    form = DischargeForm(request.POST or None, substances=_admission_substances(enrollment))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = pages.save(
            form,
            lambda: services.discharge_record(
                actor=user,
                enrollment=enrollment,
                kind=d["kind"],
                scope=d["scope"],
                discharged_on=d["discharged_on"],
                summary=d["summary"],
                crisis_plan=d["crisis_plan"],
                next_provider=d["next_provider"],
                peer_groups=d["peer_groups"],
                medications=d["medications"],
                follow_up_dates=form.follow_ups(),
                state_details=form.state_details(),
                request=request,
            ),
        )
        if done is not None:
            died = d.get("other_ending") == sc.OtherEnding.DIED
            messages.success(request, _discharged_message(enrollment, others, d["scope"], died))
            return redirect(pages.progress_url(patient))
    if request.method == "GET":
        care_access.viewed(user, patient, request, ["enrollments"], "discharge form")
    return pages.render_page(
        request,
        "care/discharge.html",
        {
            "patient": patient,
            "enrollment": enrollment,
            "form": form,
            "others": others,
            "other_names": ", ".join(e.track.name for e in others),
        },
        invalid=request.method == "POST",
    )


def _admission_substances(enrollment: Enrollment) -> list[str]:
    """The substances recorded at the admission that opened this enrolment, if any."""
    details = (
        StateReportingDetails.objects.filter(admission__enrollments=enrollment)
        .order_by("-admission__starts_on", "-pk")
        .values_list("substance_1", "substance_2", "substance_3")
        .first()
    )
    return list(details) if details else []


def _discharged_message(
    enrollment: Enrollment, others: list[Enrollment], scope: str, died: bool = False
) -> str:
    track = enrollment.track.name
    follow_ups = (
        "No alumni follow-up is scheduled after a death: the follow-up dates were dropped."
        if died
        else "Alumni follow-ups are scheduled."
    )
    if scope == DischargeScope.THIS_TRACK and others:
        names = ", ".join(e.track.name for e in others)
        verb = "continues" if len(others) == 1 else "continue"
        return (
            f"Discharged from {track} only. {names} {verb}. Coming groups of this track are "
            f"cancelled. {follow_ups}"
        )
    if others:
        names = ", ".join([track, *(e.track.name for e in others)])
        return (
            f"Treatment here has ended: discharged from every track ({names}). "
            f"Coming group sessions are cancelled. {follow_ups}"
        )
    return f"Discharged from {track}. Coming group sessions are cancelled. {follow_ups}"


def age_out_review(request: HttpRequest, pk: int, enrollment_id: int) -> HttpResponse:
    """Review an adolescent track for a patient who has turned 18; nothing moves."""
    user, patient = pages.clinician(request, pk)
    enrollment = _enrollment(user, request, patient, enrollment_id)
    form = AgeOutReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = pages.save(
            form,
            lambda: services.age_out_review_record(
                actor=user, enrollment=enrollment, note=form.cleaned_data["note"], request=request
            ),
        )
        if done is not None:
            messages.success(request, f"Review recorded. {enrollment.track.name} is unchanged.")
            return redirect("patients:chart", pk=patient.pk)
    if request.method == "GET":
        care_access.viewed(user, patient, request, ["enrollments"], "age-out review form")
    return pages.render_page(
        request,
        "care/age_out_review.html",
        {
            "patient": patient,
            "enrollment": enrollment,
            "adult_on": ageout.adult_on(patient.date_of_birth),
            "form": form,
        },
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
