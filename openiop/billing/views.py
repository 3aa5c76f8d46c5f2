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

from openiop.billing import documents, estimates, selectors, services
from openiop.billing.forms import (
    CertificationForm,
    CoverageForm,
    EstimateForm,
    PeriodForm,
    RemittanceForm,
)
from openiop.billing.models import ClaimStatus, Payer
from openiop.core import access, audit, policy
from openiop.core.forms import render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.domain.billing import good_faith
from openiop.domain.billing.coverage import ELIGIBILITY_MAX_AGE_DAYS
from openiop.patients.models import Patient


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
            "checking": sum(1 for c in claims if c.status == ClaimStatus.CHECKING),
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
            form,
            lambda data: services.build_claims(
                actor=user, request=request, check_in_background=True, **data
            ),
        )
        if result is not None:
            # The files are checked on the task queue: nobody waits here for the check.
            messages.success(
                request,
                f"{result.claims} claims built from {result.charges} charges "
                f"in {len(result.files)} files."
                + (f" {result.drafts} claims need fixing already." if result.drafts else "")
                + (
                    " The files are being checked now; reload this page in a minute to see "
                    "which claims are ready to send."
                    if result.files
                    else ""
                ),
            )
            for held in result.held:
                messages.warning(request, held.message)
            d = form.cleaned_data
            return redirect(
                f"{reverse('billing:claims')}?first_day={d['first_day']}&last_day={d['last_day']}"
            )
    return _claims_page(request, _month(request), build_form=form)


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
        {
            "denials": selectors.denials(user),
            "rejected": selectors.rejected(user),
            "limit": selectors.WORKLIST_LIMIT,
        },
    )


# Estimates before admission and the patient's statement.


def _estimates_page(
    request: HttpRequest, patient: Patient, form: EstimateForm | None = None
) -> HttpResponse:
    user = access.staff(request)
    gfe = estimates.good_faith_applies(patient)
    if form is None:
        code, rate = estimates.default_code_and_rate(estimates.provider_of(patient))
        form = EstimateForm(
            codes=estimates.SERVICE_CODES,
            good_faith=gfe,
            initial={"service_code": code, "daily_rate": rate, "weeks": 6, "days_per_week": 3},
        )
    rows = estimates.estimates_of(patient)
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        obj=patient,
        fields=["cost_estimates"],
        request=request,
        detail="cost estimates",
    )
    return render_form(
        request,
        "billing/estimates.html",
        {
            "patient": patient,
            "good_faith": gfe,
            "estimates": rows,
            "form": form,
            "not_applicable": good_faith.NOT_APPLICABLE,
        },
    )


def estimates_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    if request.method != "POST":
        patient = access.patient_for(user, pk, action=Action.BILLING_READ, request=request)
        return _estimates_page(request, patient)
    patient = access.patient_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    form = EstimateForm(
        request.POST,
        codes=estimates.SERVICE_CODES,
        good_faith=estimates.good_faith_applies(patient),
    )
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: estimates.estimate_add(
                actor=user, patient=patient, request=request, **data
            ),
        )
    if saved is not None:
        messages.success(request, "Estimate saved.")
        return redirect("billing:estimates", pk=patient.pk)
    return _estimates_page(request, patient, form)


def estimate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    row = estimates.estimate_for(user, pk, action=Action.BILLING_READ, request=request)
    content = documents.render_estimate(row)
    audit.record(
        actor=user,
        action=AuditAction.PRINT,
        patient=row.patient,
        obj=row,
        request=request,
        detail="good-faith estimate" if row.good_faith else "cost estimate (insured)",
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="estimate-{row.pk}.pdf"'
    return response


def statement(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.BILLING_READ, request=request)
    today = timezone.localdate()
    content = documents.render_statement(patient, estimates.statement_for(patient), today)
    audit.record(
        actor=user,
        action=AuditAction.PRINT,
        patient=patient,
        obj=patient,
        fields=["claims", "payments"],
        request=request,
        detail="patient statement",
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{patient.pk}.pdf"'
    return response
