"""Billing rules: a program's per-diem rule when its payer's rule overrides the HCPCS
H0015/S9480 per-day default (`billing_rules.manage`; programs at the user's sites)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openiop.core import access, policy
from openiop.core.forms import render_form, submit
from openiop.core.policy import Action
from openiop.delivery import services
from openiop.delivery.forms import BillingRuleForm
from openiop.delivery.models import BillingRule
from openiop.domain import compliance as dc
from openiop.organization.models import Program
from openiop.organization.selectors import programs_for_user


def _program(request: HttpRequest, program_id: int) -> Program:
    """The program if it is at one of the user's sites (else an audited 404), then the role
    (else an audited 403)."""
    user = access.staff(request)
    program = programs_for_user(user).filter(pk=program_id).first()
    if program is None:
        raise access.not_found(user, "organization.program", program_id, request=request)
    policy.require(
        user,
        Action.BILLING_RULES_MANAGE,
        request=request,
        object_type="delivery.billingrule",
        object_id=str(program_id),
    )
    return program


def billing_rules(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(
        user, Action.BILLING_RULES_MANAGE, request=request, object_type="delivery.billingrule"
    )
    programs = programs_for_user(user).select_related("billing_rule").order_by("name")
    rows = [(program, getattr(program, "billing_rule", None)) for program in programs]
    return render(
        request,
        "delivery/billing_rules.html",
        {"rows": rows, "default": dc.DEFAULT_PER_DIEM},
    )


def billing_rule_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    user = access.staff(request)
    program = _program(request, program_id)
    current = BillingRule.objects.filter(program=program).first()
    initial = (
        {
            "payer": current.payer,
            "basis": current.basis,
            "day_hours": current.day_hours,
            "week_hours": current.week_hours,
            "min_days": current.min_days,
            "source": current.source,
        }
        if current
        else {}
    )
    form = BillingRuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.billing_rule_set(
                actor=user, program=program, request=request, **data
            ),
        )
        if saved is not None:
            messages.success(request, "Billing rule saved.")
            return redirect("delivery:billing_rules")
    return render_form(
        request,
        "delivery/billing_rule_form.html",
        {"form": form, "program": program, "current": current, "default": dc.DEFAULT_PER_DIEM},
    )
