"""Plumbing every care page shares: who is asking (reader or clinician), running a service
behind a form (its ``ValidationError`` shown on the form), rendering with status 422 when the
input was invalid, and the date widget of the care forms.

Authorization itself is ``care.access``; each sub-area's ``views.py`` uses these helpers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.core.forms import submit
from openiop.patients.models import Patient

INVALID = 422


def reader(request: HttpRequest, pk: int) -> tuple[User, Patient]:
    """A read page: the patient must be visible (`care.read`; else 404 or 403, audited)."""
    return care_access.care_patient(request, pk)


def clinician(request: HttpRequest, pk: int) -> tuple[User, Patient]:
    """A write page: the patient must be visible and the user a clinician (else 403, audited)."""
    return care_access.care_patient(request, pk, clinician=True)


def reader_or_clinician(request: HttpRequest, pk: int) -> tuple[User, Patient]:
    """A page that shows on GET and writes on POST: a clinician for the POST."""
    if request.method == "POST":
        return clinician(request, pk)
    return reader(request, pk)


def progress_url(patient: Patient) -> str:
    return reverse("care:progress", args=[patient.pk])


def save(form: BaseForm, call: Any) -> Any:
    """Run a service; show its ValidationError on the form. Returns the result or None
    (the shared form-view helper, `core.forms.submit`)."""
    return submit(form, lambda _data: call())


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], invalid: bool = False
) -> HttpResponse:
    return render(request, template, context, status=INVALID if invalid else 200)


class DateInput(forms.DateInput):
    input_type = "date"


def local_today() -> date:
    return timezone.localdate()
