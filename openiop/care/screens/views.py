"""Drug-screen pages: the patient's screens and prescriptions (order a screen, record a
prescription) and a screen's result; an unexpected positive leads to the relapse response.

The patient through ``care.access`` (404, audited), the screen inside that patient; writes
need a clinician and go through one service each; invalid input re-renders with status 422.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.models import DrugScreen, Prescription, ScreenStatus
from openiop.care.screens import services
from openiop.care.screens.forms import PrescriptionForm, ScreenOrderForm, ScreenResultForm


def screens(request: HttpRequest, pk: int) -> HttpResponse:
    """Drug screens and prescriptions: order a screen, record a prescription."""
    user, patient = pages.reader_or_clinician(request, pk)
    action = request.POST.get("form", "") if request.method == "POST" else ""
    order = ScreenOrderForm(request.POST if action == "order" else None, prefix="order")
    rx = PrescriptionForm(request.POST if action == "rx" else None, prefix="rx")
    if action == "order" and order.is_valid():
        d = order.cleaned_data
        screen = pages.save(
            order,
            lambda: services.drug_screen_order(
                actor=user,
                patient=patient,
                method=d["method"],
                specimen=d["specimen"],
                panel=d["panel"],
                observed=d["observed"],
                request=request,
            ),
        )
        if screen is not None:
            messages.success(request, "Drug screen ordered.")
            return redirect("care:screens", pk=patient.pk)
    elif action == "rx" and rx.is_valid():
        d = rx.cleaned_data
        done = pages.save(
            rx,
            lambda: services.prescription_add(
                actor=user,
                patient=patient,
                medication=d["medication"],
                substance_class=d["substance_class"],
                prescriber=d["prescriber"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                request=request,
            ),
        )
        if done is not None:
            messages.success(request, "Prescription recorded: screens will show it as expected.")
            return redirect("care:screens", pk=patient.pk)
    elif action not in ("", "order", "rx"):
        raise Http404("Unknown form.")
    if not action:
        care_access.viewed(
            user, patient, request, ["drug_screens", "prescriptions"], "drug screens"
        )
    return pages.render_page(
        request,
        "care/screens.html",
        {
            "patient": patient,
            "screens": DrugScreen.objects.filter(patient=patient).prefetch_related("results")[:50],
            "prescriptions": Prescription.objects.filter(patient=patient),
            "order": order,
            "rx": rx,
            "can_write": care_access.is_clinician(user),
        },
        invalid=bool(action),
    )


def screen_result(request: HttpRequest, pk: int, screen_id: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    screen = care_access.inside(
        user,
        request,
        DrugScreen.objects.filter(patient=patient, status=ScreenStatus.ORDERED).select_related(
            "patient"
        ),
        screen_id,
        "care.drugscreen",
    )
    form = ScreenResultForm(request.POST or None, panel=list(screen.panel))
    if request.method == "POST" and form.is_valid():
        done = pages.save(
            form,
            lambda: services.drug_screen_record_result(
                actor=user,
                screen=screen,
                collected_on=form.cleaned_data["collected_on"],
                results=form.results(),
                request=request,
            ),
        )
        if done is not None:
            _, event = done
            if event is not None:
                messages.warning(
                    request,
                    "The screen shows use that no prescription explains. A relapse response is "
                    "open: start with a supportive conversation and the safety check.",
                )
                return redirect("care:relapse", pk=patient.pk, event_id=event.pk)
            messages.success(request, "Result recorded.")
            return redirect("care:screens", pk=patient.pk)
    if request.method == "GET":
        care_access.viewed(user, patient, request, ["drug_screens"], f"drug screen {screen.pk}")
    return pages.render_page(
        request,
        "care/screen_result.html",
        {"patient": patient, "screen": screen, "form": form},
        invalid=request.method == "POST",
    )
