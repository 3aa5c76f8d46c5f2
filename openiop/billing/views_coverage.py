"""Editing a coverage, and building the claim to a secondary payer from a paid claim."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from openiop.billing import selectors, services
from openiop.billing.forms import CoverageEditForm
from openiop.billing.models import Coverage
from openiop.billing.secondary import build_secondary_claim
from openiop.core import access
from openiop.core.forms import render_form, submit
from openiop.core.policy import Action


def _coverage_for(request: HttpRequest, pk: int) -> Coverage:
    """The coverage if its patient is in the user's scope (else an audited 404), then the role
    (else an audited 403)."""
    user = access.staff(request)
    coverage = Coverage.objects.select_related("payer").filter(pk=pk).first()
    if coverage is None:
        raise access.not_found(user, "billing.coverage", pk, request=request)
    coverage.patient = access.patient_for(
        user, coverage.patient_id, action=Action.BILLING_MANAGE, request=request
    )
    return coverage


@require_http_methods(["GET", "POST"])
def coverage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    coverage = _coverage_for(request, pk)
    if request.method == "POST":
        form = CoverageEditForm(request.POST)
        saved = None
        if form.is_valid():
            saved = submit(
                form,
                lambda data: services.coverage_edit(
                    actor=user, coverage=coverage, request=request, **data
                ),
            )
        if saved is not None:
            messages.success(request, "Coverage changed.")
            return redirect("billing:coverage", pk=coverage.patient_id)
    else:
        form = CoverageEditForm(
            initial={
                "member_id": coverage.member_id,
                "relationship": coverage.relationship,
                "subscriber_last_name": coverage.subscriber_last_name,
                "subscriber_first_name": coverage.subscriber_first_name,
                "eligibility_checked_on": coverage.eligibility_checked_on,
                "guarantor_name": coverage.guarantor_name,
            }
        )
    return render_form(
        request,
        "billing/coverage_edit.html",
        {"coverage": coverage, "patient": coverage.patient, "form": form},
    )


@require_POST
def secondary_build(request: HttpRequest, pk: int) -> HttpResponse:
    """Build the claim to the secondary payer; a refusal is shown on the claim page."""
    user = access.staff(request)
    claim = selectors.claim_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    try:
        built = build_secondary_claim(actor=user, claim_id=claim.pk, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("billing:claim", pk=claim.pk)
    if built.status == "ready":
        messages.success(request, "The claim to the secondary payer is built and ready to send.")
    else:
        messages.warning(
            request, "The claim to the secondary payer is built; fix its problems before sending."
        )
    return redirect("billing:claim", pk=built.pk)
