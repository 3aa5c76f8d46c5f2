"""Billing pages: the home (held-charges worklist, charges of a period, generation) and a
patient's coverage. Billing pages never show note text."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.billing import selectors, services
from openiop.billing.forms import CertificationForm, CoverageForm, PeriodForm, RemittanceForm
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


def _claims_page(
    request: HttpRequest, period: PeriodForm, build_form: PeriodForm | None = None
) -> HttpResponse:
    user = access.staff(request)
    period.is_valid()
    first, last = period.cleaned_data["first_day"], period.cleaned_data["last_day"]
    if last < first:
        first, last = last, first
    claims = selectors.claims_between(user, first, last)
    return render_form(
        request,
        "billing/claims.html",
        {
            "period": period,
            "first": first,
            "last": last,
            "claims": claims,
            "total": sum((c.total for c in claims), Decimal("0")),
            "build_form": build_form,
        },
    )


def _month(request: HttpRequest) -> PeriodForm:
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form
    today = timezone.localdate()
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return PeriodForm({"first_day": start, "last_day": today.replace(day=1) - timedelta(days=1)})


def claims(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_READ, request=request, object_type="billing.claim")
    return _claims_page(request, _month(request))


@require_POST
def claims_build(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_MANAGE, request=request, object_type="billing.claim")
    form = PeriodForm(request.POST)
    if form.is_valid():
        result = submit(
            form, lambda data: services.build_claims(actor=user, request=request, **data)
        )
        if result is not None:
            drafts = sum(1 for f in result.files if f.status != "ready")
            messages.success(
                request,
                f"{result.claims} claims built from {result.charges} charges "
                f"in {len(result.files)} files"
                + (f"; {drafts} files need fixing." if drafts else "."),
            )
            d = form.cleaned_data
            return redirect(
                f"{reverse('billing:claims')}?first_day={d['first_day']}&last_day={d['last_day']}"
            )
    return _claims_page(request, _month(request), build_form=form)


def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    claim = selectors.claim_for(user, pk, action=Action.BILLING_READ, request=request)
    return render(
        request,
        "billing/claim.html",
        {
            "claim": claim,
            "charges": list(claim.charges.order_by("service_date", "id")),
            "payments": selectors.claim_payments(claim),
        },
    )


def remittance(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    if request.method != "POST":
        policy.require(user, Action.BILLING_READ, request=request, object_type="billing.remittance")
        return render(request, "billing/remittance.html", {"form": RemittanceForm()})
    policy.require(user, Action.BILLING_MANAGE, request=request, object_type="billing.remittance")
    form = RemittanceForm(request.POST, request.FILES)
    if form.is_valid():
        posted = submit(
            form,
            lambda data: services.post_remittance(actor=user, text=data["file"], request=request),
        )
        if posted is not None:
            messages.success(
                request,
                f"Payment {posted.trace_number} posted: {posted.payments.count()} claims.",
            )
            return redirect("billing:denials")
    return render_form(request, "billing/remittance.html", {"form": form})


def denials(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_READ, request=request, object_type="billing.claim")
    return render(
        request,
        "billing/denials.html",
        {"denials": selectors.denials(user), "limit": selectors.WORKLIST_LIMIT},
    )
