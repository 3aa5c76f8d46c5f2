"""Billing pages: the home (held-charges worklist, charges of a period, generation) and a
patient's coverage. Billing pages never show note text."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.billing import selectors, services
from openiop.billing.forms import CertificationForm, CoverageForm, PeriodForm
from openiop.billing.models import Payer
from openiop.core import access, policy
from openiop.core.forms import render_form, submit
from openiop.core.policy import Action
from openiop.domain.billing.coverage import ELIGIBILITY_MAX_AGE_DAYS


def _period(request: HttpRequest) -> PeriodForm:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form
    return PeriodForm({"first_day": today - timedelta(days=13), "last_day": today})


def home(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_READ, request=request, object_type="billing.charge")
    period = _period(request)
    period.is_valid()
    first, last = period.cleaned_data["first_day"], period.cleaned_data["last_day"]
    if last < first:
        first, last = last, first
    return render(
        request,
        "billing/home.html",
        {
            "period": period,
            "first": first,
            "last": last,
            "held": selectors.held_charges(user),
            "charges": selectors.charges_between(user, first, last),
            "payers": Payer.objects.filter(organization_id=access.organization_id(user)),
            "limit": selectors.WORKLIST_LIMIT,
        },
    )


@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_MANAGE, request=request, object_type="billing.charge")
    form = PeriodForm(request.POST)
    if form.is_valid():
        result = submit(
            form, lambda data: services.generate_charges(actor=user, request=request, **data)
        )
        if result is not None:
            messages.success(
                request,
                f"Charges generated: {result.created} new, {result.changed} changed, "
                f"{result.held} held.",
            )
            d = form.cleaned_data
            return redirect(
                f"{reverse('billing:home')}?first_day={d['first_day']}&last_day={d['last_day']}"
            )
    return render_form(request, "billing/generate.html", {"form": form})


def _coverage_page(
    request: HttpRequest,
    patient_pk: int,
    coverage_form: CoverageForm | None = None,
    cert_form: CertificationForm | None = None,
) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, patient_pk, action=Action.BILLING_READ, request=request)
    rows, certs = selectors.coverage_rows(patient)
    return render_form(
        request,
        "billing/coverage.html",
        {
            "patient": patient,
            "rows": rows,
            "certifications": certs,
            "today": timezone.localdate(),
            "coverage_form": coverage_form or CoverageForm(organization_id=patient.organization_id),
            "cert_form": cert_form or CertificationForm(),
            "max_age": ELIGIBILITY_MAX_AGE_DAYS,
        },
    )


def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    return _coverage_page(request, pk)


@require_POST
def coverage_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    form = CoverageForm(request.POST, organization_id=patient.organization_id)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services.coverage_add(
                actor=user, patient=patient, request=request, **data
            ),
        )
    if saved is not None:
        messages.success(request, "Coverage added.")
        return redirect("billing:coverage", pk=patient.pk)
    return _coverage_page(request, patient.pk, coverage_form=form)


@require_POST
def certification_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    form = CertificationForm(request.POST)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services.certification_add(
                actor=user, patient=patient, request=request, **data
            ),
        )
    if saved is not None:
        messages.success(request, "Certification recorded.")
        return redirect("billing:coverage", pk=patient.pk)
    return _coverage_page(request, patient.pk, cert_form=form)
