"""Patient pages: list and search, registration, chart with tabs, emergency access.

Search runs as POST so that names and dates of birth never appear in URLs or server logs
(ASVS 14.2.1).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.forms import render_form, submit
from openiop.core.htmx import render_page
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.organization.selectors import programs_for_user, sites_for_user
from openiop.patients import selectors, services
from openiop.patients.forms import (
    BreakGlassForm,
    ContactForm,
    PatientForm,
    RegisterForm,
    SearchForm,
)
from openiop.patients.models import Patient

PATIENT_LIST_FIELDS = ["first_name", "last_name", "date_of_birth", "mrn", "site"]


def _audit_list(request: HttpRequest, patients: list[Patient], detail: str) -> None:
    audit.record(
        actor=access.staff(request),
        action=AuditAction.QUERY,
        object_type="patients.patient",
        fields=PATIENT_LIST_FIELDS,
        request=request,
        detail=f"{detail}; shown ids: {','.join(str(p.pk) for p in patients)}"[:500],
        part2=bool(patients),
    )


def patient_list(request: HttpRequest) -> HttpResponse:
    """The user's patients a page at a time in name order (keyset pages: no total is
    counted), or the search: names that start as typed, then, when none do or when asked,
    similar names. The page cursor is a signed patient id, in the query string of the list
    and in the body of the search."""
    user = access.staff(request)
    form = SearchForm(request.POST or None)
    searched = request.method == "POST"
    cursor = (request.POST if searched else request.GET).get("cursor", "")
    page: selectors.Page | None = None
    similar = False
    try:
        if searched and form.is_valid():
            text = form.cleaned_data.get("text", "")
            dob = form.cleaned_data.get("date_of_birth")
            names = any(not word.isdigit() for word in text.split())
            similar = names and bool(form.cleaned_data.get("similar"))
            if not similar:
                page = selectors.keyset_page(
                    selectors.patient_search(user, text=text, date_of_birth=dob),
                    scope=access.patients_visible_to(user),
                    cursor=cursor,
                )
                # Nothing starts like that: offer close spellings on the first page.
                similar = names and not page.patients and not cursor
            patients = (
                selectors.patient_similar(user, text=text, date_of_birth=dob)
                if similar
                else page.patients
                if page
                else []
            )
            _audit_list(request, patients, "search, similar names" if similar else "search")
        elif searched:
            patients = []  # invalid search: show the errors, no results
        else:
            page = selectors.keyset_page(
                selectors.patient_list(user), scope=access.patients_visible_to(user), cursor=cursor
            )
            patients = page.patients
            _audit_list(request, patients, "list")
    except selectors.CursorError as exc:
        refused = {"form": form, "patients": [], "searched": searched, "page_error": str(exc)}
        return render_page(
            request, "patients/list.html", "patients/partials/results.html", refused, status=400
        )
    context: dict[str, Any] = {
        "form": form,
        "patients": patients,
        "page": page,
        "searched": searched,
        "similar": similar and searched,
        "asked_similar": searched and form.is_valid() and form.cleaned_data.get("similar"),
        "similar_available": selectors.similar_search_available(),
        "first_page": not cursor,
    }
    return render_page(request, "patients/list.html", "patients/partials/results.html", context)


def patient_register(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.PATIENT_WRITE, request=request, object_type="patients.patient")
    sites = sites_for_user(user)
    form = RegisterForm(
        request.POST or None,
        sites=sites,
        programs=programs_for_user(user),
    )
    duplicates: list[Patient] = []
    hidden_duplicates = 0
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = list(
            selectors.possible_duplicates(
                organization_id=access.organization_id(user),
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
            )
        )
        visible_ids = set(
            access.patients_visible_to(user)
            .filter(pk__in=[p.pk for p in found])
            .values_list("pk", flat=True)
        )
        duplicates = [p for p in found if p.pk in visible_ids]
        hidden_duplicates = len(found) - len(duplicates)
        if found and not data.get("confirm_not_duplicate"):
            messages.warning(
                request, "A patient with this name and date of birth is already registered."
            )
        else:
            patient = submit(
                form,
                lambda data: services.patient_register(
                    actor=user,
                    site=data["site"],
                    program=data.get("program"),
                    data={k: data[k] for k in services.PATIENT_FIELDS},
                    emergency_contact={
                        "name": data.get("ec_name", ""),
                        "relationship": data.get("ec_relationship") or "Emergency contact",
                        "phone": data.get("ec_phone", ""),
                    },
                    request=request,
                ),
            )
            if patient is not None:
                messages.success(request, f"Registered {patient.full_name} (record {patient.mrn}).")
                return redirect("patients:chart", pk=patient.pk)
    return render_form(
        request,
        "patients/register.html",
        {"form": form, "duplicates": duplicates, "hidden_duplicates": hidden_duplicates},
    )


CHART_TABS = [
    ("overview", "Overview"),
    ("contacts", "Contacts"),
    ("intake", "Intake"),
    ("schedule", "Schedule"),
    ("attendance", "Attendance"),
    ("notes", "Notes"),
    ("appointments", "Appointments"),
    ("plan", "Plan"),
    ("support", "Support"),
]
# What each tab shows, as the access policy names it: a tab the user's role may not read is
# neither listed nor opened (minimum necessary, 45 CFR 164.502(b)).
TAB_ACTIONS = {
    "overview": Action.PATIENT_READ,
    "contacts": Action.PATIENT_READ,
    "intake": Action.SCREENING_READ,
    "schedule": Action.SCHEDULE_READ,
    "attendance": Action.ATTENDANCE_READ,
    "notes": Action.NOTE_READ,
    "appointments": Action.SCHEDULE_READ,
    "plan": Action.CARE_READ,
    "support": Action.SUPPORT_READ,
}
# Each app fills its chart tab with a module `<app>/chart.py` defining
# `tab(request, user, patient) -> (template_name, context)`; the patient has already been
# authorized and the view audited. Imported on use: those apps import this one.
CHART_TAB_PROVIDERS = {
    "intake": "openiop.intake.chart",
    "schedule": "openiop.scheduling.chart",
    "attendance": "openiop.delivery.chart",
    "notes": "openiop.delivery.chart_notes",
    "appointments": "openiop.appointments.chart",
    "plan": "openiop.care.chart",
    "support": "openiop.support.chart",
}


def patient_chart(request: HttpRequest, pk: int, tab: str = "overview") -> HttpResponse:
    user = access.staff(request)
    if tab not in dict(CHART_TABS):
        tab = "overview"
    patient = access.patient_for(user, pk, action=TAB_ACTIONS[tab], request=request)
    contacts = list(patient.contacts.all()) if tab in ("overview", "contacts") else []
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        obj=patient,
        fields=["demographics", "contacts"] if tab in ("overview", "contacts") else [tab],
        request=request,
        detail=f"chart tab {tab}",
    )
    today = timezone.localdate()
    grant = (
        access.active_break_glass(user, patient.pk)
        if getattr(request, "break_glass_active", False)
        else None
    )
    context = {
        "patient": patient,
        "tab": tab,
        "tabs": [(k, label) for k, label in CHART_TABS if policy.allows(user, TAB_ACTIONS[k])],
        "contacts": contacts,
        "grant": grant,
        "age": patient.age_on(today),
        "age_out": selectors.age_out_flags([patient.pk], today=today),
        "can_review_age_out": policy.allows(user, Action.CARE_WRITE),
        "can_write": access.can_write_patients(user),
        "contact_form": ContactForm() if tab == "contacts" else None,
        "tab_template": None,
    }
    if tab in CHART_TAB_PROVIDERS:
        provider = importlib.import_module(CHART_TAB_PROVIDERS[tab])
        template, extra = provider.tab(request, user, patient)
        context.update(extra)
        context["tab_template"] = template
    return render(request, "patients/chart.html", context)


def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, write=True, request=request)
    form = PatientForm(request.POST or None, instance=Patient.objects.get(pk=patient.pk))
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.patient_update(
                actor=user,
                patient=patient,
                data={k: data[k] for k in services.PATIENT_FIELDS},
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, "Saved.")
            return redirect("patients:chart", pk=patient.pk)
    elif request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=list(services.PATIENT_FIELDS),
            request=request,
            detail="edit form",
        )
    return render_form(request, "patients/edit.html", {"form": form, "patient": patient})


def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, write=True, request=request)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = submit(
            form,
            lambda data: services.contact_add(
                actor=user, patient=patient, data=data, request=request
            ),
        )
        if contact is not None:
            messages.success(request, "Contact added.")
            return redirect("patients:chart_tab", pk=patient.pk, tab="contacts")
    return render_form(request, "patients/contact_form.html", {"form": form, "patient": patient})


def break_glass(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    if not user.can_break_glass:
        raise policy.refuse(
            user,
            "You are not in the emergency-access group.",
            request=request,
            object_type="core.breakglassgrant",
            detail="emergency access refused: not in the emergency-access group",
        )
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        grant = submit(
            form,
            lambda data: services.break_glass_start(
                actor=user,
                mrn=data["mrn"],
                reason=data["reason"],
                hours=data["hours"],
                request=request,
            ),
        )
        if grant is not None:
            return redirect("patients:chart", pk=grant.patient_id)
    return render_form(request, "patients/break_glass.html", {"form": form})
