"""Needs pages: record a need, close it, reopen it (undo a close).

Thin views: the patient or the need through the typed getters (scope first: 404, then the
role's `support.write`: 403; both audited), one service per write, invalid input re-rendered
with status 422 and the errors beside the fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.core import access, audit
from openiop.core.forms import render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.support.access import need_for
from openiop.support.needs import services
from openiop.support.needs.forms import NeedCloseForm, NeedForm


def _support_tab(patient_pk: int) -> HttpResponse:
    return redirect("patients:chart_tab", pk=patient_pk, tab="support")


def need_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.SUPPORT_WRITE, request=request)
    form = NeedForm(request.POST or None, initial={"identified_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        need = submit(
            form,
            lambda data: services.need_record(
                actor=user,
                patient=patient,
                kind=data["kind"],
                note=data["note"],
                identified_on=data["identified_on"],
                request=request,
            ),
        )
        if need is not None:
            messages.success(request, f"{need.get_kind_display()} need recorded.")
            return _support_tab(patient.pk)
    if request.method != "POST":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=["demographics"],
            request=request,
            detail="new social need: form shown",
        )
    return render_form(request, "support/needs/new.html", {"form": form, "patient": patient})


def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    need = need_for(user, pk, action=Action.SUPPORT_WRITE, request=request)
    form = NeedCloseForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        closed = submit(
            form,
            lambda data: services.need_close(
                actor=user,
                need=need,
                status=data["status"],
                note=data["note"],
                closed_on=data["closed_on"],
                request=request,
            ),
        )
        if closed is not None:
            messages.success(request, f"{closed.get_kind_display()} need closed.")
            return _support_tab(need.patient.pk)
    elif request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=need.patient,
            obj=need,
            fields=["kind", "note", "status"],
            request=request,
            detail="social need: close form",
        )
    return render_form(
        request,
        "support/needs/close.html",
        {"form": form, "need": need, "patient": need.patient},
    )


@require_POST
def need_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    need = need_for(user, pk, action=Action.SUPPORT_WRITE, request=request)
    try:
        services.need_reopen(actor=user, need=need, request=request)
    except ValidationError as exc:
        return render_form(
            request,
            "support/needs/reopen_refused.html",
            {"need": need, "patient": need.patient, "errors": exc.messages},
        )
    messages.success(request, f"{need.get_kind_display()} need reopened.")
    return _support_tab(need.patient.pk)
