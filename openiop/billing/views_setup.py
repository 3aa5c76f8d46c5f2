"""Billing setup pages: payers, the billing provider, the fee schedule, the programs' billing
policy. Billing staff and the administrator change them (`Action.BILLING_MANAGE`); those who may read billing see them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.billing import setup
from openiop.billing.forms_setup import FeesForm, PayerForm, ProgramBillingForm, ProviderForm
from openiop.billing.models import Payer
from openiop.core import access, policy
from openiop.core.forms import render_form, submit
from openiop.core.policy import Action


def payers(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_READ, request=request, object_type="billing.payer")
    return render_form(request, "billing/setup_payers.html", {"rows": setup.payer_rows(user)})


def _payer_page(
    request: HttpRequest, form: PayerForm, payer: Payer | None, in_use: bool
) -> HttpResponse:
    return render_form(
        request,
        "billing/setup_payer_form.html",
        {"form": form, "payer": payer, "in_use": in_use},
    )


def payer_add(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_MANAGE, request=request, object_type="billing.payer")
    if request.method != "POST":
        form = PayerForm(initial={"claim_type": "institutional", "place_of_service": "57"})
        form.initial.update({"revenue_h0015": "0906", "revenue_s9480": "0905"})
        return _payer_page(request, form, None, False)
    form = PayerForm(request.POST)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda _: setup.payer_add(actor=user, request=request, **form.service_data()),
        )
    if saved is not None:
        messages.success(request, f"Payer {saved.name} added.")
        return redirect("billing:setup_payers")
    return _payer_page(request, form, None, False)


def payer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    payer = setup.payer_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    in_use = setup.payer_in_use(payer)
    if request.method != "POST":
        return _payer_page(request, PayerForm(initial=PayerForm.initial_of(payer)), payer, in_use)
    form = PayerForm(request.POST)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda _: setup.payer_change(
                actor=user, payer=payer, request=request, **form.service_data()
            ),
        )
    if saved is not None:
        messages.success(request, f"Payer {saved.name} saved.")
        return redirect("billing:setup_payers")
    return _payer_page(request, form, payer, in_use)


def provider(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    if request.method != "POST":
        policy.require(
            user, Action.BILLING_READ, request=request, object_type="billing.billingprovider"
        )
        row = setup.provider_of(user)
        form = ProviderForm(
            initial=ProviderForm.initial_of(row) if row else {"facility_type": "13"}
        )
        return render_form(request, "billing/setup_provider.html", {"provider": row, "form": form})
    policy.require(
        user, Action.BILLING_MANAGE, request=request, object_type="billing.billingprovider"
    )
    form = ProviderForm(request.POST)
    saved = None
    if form.is_valid():
        saved = submit(form, lambda data: setup.provider_save(actor=user, request=request, **data))
    if saved is not None:
        messages.success(request, "Billing provider saved.")
        return redirect("billing:setup_provider")
    return render_form(
        request, "billing/setup_provider.html", {"provider": setup.provider_of(user), "form": form}
    )


def fees(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    codes = setup.fee_codes(user) if policy.allows(user, Action.BILLING_READ) else []
    if request.method != "POST":
        policy.require(
            user, Action.BILLING_READ, request=request, object_type="billing.billingprovider"
        )
        row = setup.provider_of(user)
        form = FeesForm(codes=codes, initial=FeesForm.initial_of(row))
        return render_form(request, "billing/setup_fees.html", {"provider": row, "form": form})
    policy.require(
        user, Action.BILLING_MANAGE, request=request, object_type="billing.billingprovider"
    )
    form = FeesForm(request.POST, codes=codes)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda _: setup.fees_save(actor=user, fees=form.service_data(), request=request),
        )
    if saved is not None:
        messages.success(request, "Fee schedule saved.")
        return redirect("billing:setup_fees")
    return render_form(
        request, "billing/setup_fees.html", {"provider": setup.provider_of(user), "form": form}
    )


def programs(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    if request.method != "POST":
        policy.require(
            user, Action.BILLING_READ, request=request, object_type="billing.programbilling"
        )
        form = ProgramBillingForm(programs=setup.program_rows(user))
        return render_form(request, "billing/setup_programs.html", {"form": form})
    policy.require(
        user, Action.BILLING_MANAGE, request=request, object_type="billing.programbilling"
    )
    form = ProgramBillingForm(request.POST, programs=setup.program_rows(user))
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda _: setup.program_billing_save(
                actor=user, places=form.service_data(), request=request
            ),
        )
    if saved is not None:
        messages.success(request, "Program billing saved.")
        return redirect("billing:setup_programs")
    return render_form(request, "billing/setup_programs.html", {"form": form})
