"""Authorization pages: the work list of authorizations running out, an authorization with its
forecast, add and change, and the concurrent-review packet (PDF). Billing pages never show
note text."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.accounts.models import User
from openiop.authorizations import selectors, services
from openiop.authorizations.forms import AuthorizationForm, WorkListForm
from openiop.authorizations.models import SERVICE_SUGGESTIONS, Authorization
from openiop.core import access, policy
from openiop.core.forms import render_form, submit
from openiop.core.policy import Action

OBJECT_TYPE = "authorizations.authorization"


def authorization_for(
    user: User, pk: int, *, action: Action, request: HttpRequest | None = None
) -> Authorization:
    """The authorization if its patient is in the user's scope (else an audited 404) and the
    user's role allows ``action`` (else an audited 403)."""
    access.require_verified_staff(user)
    auth = (
        Authorization.objects.filter(pk=pk, organization_id=access.organization_id(user))
        .select_related("payer")
        .first()
    )
    if auth is None:
        raise access.not_found(user, OBJECT_TYPE, pk, request=request)
    auth.patient = access.patient_for(user, auth.patient_id, action=action, request=request)
    return auth


def work_list(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_READ, request=request, object_type=OBJECT_TYPE)
    form = WorkListForm(request.GET or None)
    within = selectors.DEFAULT_WITHIN_DAYS
    if form.is_bound and form.is_valid() and form.cleaned_data["within"]:
        within = form.cleaned_data["within"]
    today = timezone.localdate()
    return render(
        request,
        "authorizations/work_list.html",
        {
            "form": form if form.is_bound else WorkListForm(initial={"within": within}),
            "within": within,
            "rows": selectors.work_list(user, today, within),
            "today": today,
        },
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    auth = authorization_for(user, pk, action=Action.BILLING_READ, request=request)
    today = timezone.localdate()
    return render(
        request,
        "authorizations/detail.html",
        {"a": auth, "f": selectors.forecast_for(auth, today), "today": today},
    )


def _form_page(
    request: HttpRequest, form: AuthorizationForm, auth: Authorization | None
) -> HttpResponse:
    return render_form(
        request,
        "authorizations/form.html",
        {"form": form, "a": auth, "suggestions": SERVICE_SUGGESTIONS},
    )


def add(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_MANAGE, request=request, object_type=OBJECT_TYPE)
    org_id = access.organization_id(user)
    patients = access.patients_visible_to(user)
    if request.method != "POST":
        return _form_page(
            request, AuthorizationForm(organization_id=org_id, patients=patients), None
        )
    form = AuthorizationForm(request.POST, organization_id=org_id, patients=patients)
    saved = None
    if form.is_valid():
        patient = access.patient_for(
            user, form.cleaned_data["patient"].pk, action=Action.BILLING_MANAGE, request=request
        )
        saved = submit(
            form,
            lambda data: services.authorization_add(
                actor=user,
                patient=patient,
                request=request,
                **{k: v for k, v in data.items() if k != "patient"},
            ),
        )
    if saved is not None:
        messages.success(request, "Authorization recorded.")
        return redirect("authorizations:detail", pk=saved.pk)
    return _form_page(request, form, None)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    auth = authorization_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    if request.method != "POST":
        initial = {
            name: getattr(auth, name) for name in AuthorizationForm.base_fields if name != "payer"
        }
        initial["payer"] = auth.payer_id
        form = AuthorizationForm(initial=initial, organization_id=auth.organization_id)
        return _form_page(request, form, auth)
    form = AuthorizationForm(request.POST, organization_id=auth.organization_id)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services.authorization_change(
                actor=user, authorization=auth, request=request, **data
            ),
        )
    if saved is not None:
        messages.success(request, "Authorization changed.")
        return redirect("authorizations:detail", pk=auth.pk)
    return _form_page(request, form, auth)


@require_POST
def review_packet(request: HttpRequest, pk: int) -> HttpResponse:
    """The packet PDF, made by the button on the authorization's page. Making it discloses
    the record to the payer (recorded by the gate), so it is a POST with the CSRF token: no
    other site can make a signed-in browser issue it (a GET answers 405). Without a consent
    covering the payer the gate refuses it (403 with the reason, audited)."""
    user = access.staff(request)
    auth = authorization_for(user, pk, action=Action.BILLING_READ, request=request)
    content = services.review_packet_issue(actor=user, authorization=auth, request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="review-packet-{auth.pk}.pdf"'
    return response
