"""A patient's payments to the program: the list (voided ones struck through), recording one,
voiding one with a reason, and the balance after them in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.billing import estimates, payments
from openiop.billing.models import PatientPayment, PaymentMethod
from openiop.core import access, audit
from openiop.core.forms import render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.domain.costing.money import usd
from openiop.patients.models import Patient


@dataclass(frozen=True)
class Row:
    payment: PatientPayment
    amount: str  # "$1,234.50"
    errors: list[str]


DATE = forms.DateInput(attrs={"type": "date"})


class PaymentForm(forms.Form):
    amount = forms.CharField(
        label="Amount received ($)",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": "Give the amount received, in dollars and cents."},
    )
    received_on = forms.DateField(
        label="Received on",
        widget=DATE,
        error_messages={
            "required": "Give the day the payment was received.",
            "invalid": "Give the day the payment was received as a date.",
        },
    )
    method = forms.ChoiceField(
        label="Paid by",
        choices=PaymentMethod.choices,
        error_messages={"required": "Choose how the payment was made."},
    )
    reference = forms.CharField(label="Check or receipt number", required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(
        label="Reason for voiding",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": str(payments.REASON_MAX)}),
    )


def _page(
    request: HttpRequest,
    patient: Patient,
    form: PaymentForm | None = None,
    void_errors: dict[int, list[str]] | None = None,
) -> HttpResponse:
    user = access.staff(request)
    statement = estimates.statement_for(patient)
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        obj=patient,
        fields=["payments"],
        request=request,
        detail="patient payments",
    )
    rows = payments.payments_of(patient)
    left = statement.balance
    return render_form(
        request,
        "billing/payments.html",
        {
            "patient": patient,
            "rows": [Row(p, usd(p.amount), (void_errors or {}).get(p.pk, [])) for p in rows],
            "share": usd(left.responsibility),
            "paid": usd(left.paid),
            "in_words": left.in_words("The patient"),
            "form": form or PaymentForm(initial={"received_on": timezone.localdate()}),
        },
    )


def payments_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    if request.method != "POST":
        patient = access.patient_for(user, pk, action=Action.BILLING_READ, request=request)
        return _page(request, patient)
    patient = access.patient_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    form = PaymentForm(request.POST)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: payments.record_payment(
                user,
                patient.pk,
                data["amount"],
                data["received_on"],
                data["method"],
                data["reference"],
                request=request,
            ),
        )
    if saved is not None:
        messages.success(request, "Payment recorded.")
        return redirect("billing:payments", pk=patient.pk)
    return _page(request, patient, form=form)


@require_POST
def payment_void(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    row = payments.payment_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    form = VoidForm(request.POST)
    saved: Any = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: payments.void_payment(user, row.pk, data["reason"], request=request),
        )
    if saved is not None:
        messages.success(request, "Payment voided.")
        return redirect("billing:payments", pk=row.patient_id)
    errors = [str(e) for errs in form.errors.values() for e in errs]
    return _page(request, row.patient, void_errors={row.pk: errors})
