"""The administrator's page of FHIR system clients: list, register (the secret is shown
once), revoke."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from openiop.billing.models import Payer
from openiop.core import access, policy
from openiop.core.policy import Action
from openiop.fhir import services
from openiop.fhir.models import CLIENT_KIND_CHOICES, FhirClient


@require_http_methods(["GET", "POST"])
def client_list(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.FHIR_CLIENT_MANAGE, request=request)
    created = None
    errors: dict[str, str] = {}
    status = 200
    org_id = access.organization_id(user)
    if request.method == "POST":
        payer_text = request.POST.get("payer", "")
        try:
            if payer_text and not (payer_text.isascii() and payer_text.isdigit()):
                raise ValidationError({"payer": "Choose a payer from the list."})
            created = services.register_client(
                user,
                name=request.POST.get("name", ""),
                recipient_kind=request.POST.get("recipient_kind", ""),
                scopes=request.POST.get("scopes", "system/*.rs"),
                payer_id=int(payer_text[:19]) if payer_text else None,
            )
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            status = 422
    clients = FhirClient.objects.filter(organization_id=org_id).select_related(
        "application", "payer"
    )
    payers = Payer.objects.filter(organization_id=org_id).order_by("name", "pk")
    return render(
        request,
        "fhir/clients.html",
        {
            "clients": clients,
            "created": created,
            "errors": errors,
            "kinds": CLIENT_KIND_CHOICES,
            "payers": payers,
        },
        status=status,
    )


@require_POST
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.FHIR_CLIENT_MANAGE, request=request)
    client = FhirClient.objects.filter(pk=pk, organization_id=access.organization_id(user)).first()
    if client is None:
        raise access.not_found(user, "fhir.fhirclient", pk, request=request)
    services.revoke_client(user, client=client)
    return redirect("fhir:clients")
