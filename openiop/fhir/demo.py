from __future__ import annotations

import random
from datetime import date

from django.db.models import Count

from openiop.accounts.models import User
from openiop.billing.models import Payer
from openiop.core.policy import Action, roles_for
from openiop.fhir import services
from openiop.fhir.models import FhirClient
from openiop.organization.models import Organization

# The first plan of the billing demo that covers patients ("Acme Health Plan (demo)"); the
# client is named after its payer. There is no "Lakeside Community Health Plan" payer in the
# demo, so the client once registered under that name is not made any more.
DEMO_CLIENT_KIND = "health_plan"


def _demo_payer(org: Organization) -> Payer | None:
    return (
        Payer.objects.filter(organization=org, is_medicare=False)
        .annotate(covered=Count("coverage"))
        .filter(covered__gt=0)
        .order_by("name", "pk")
        .first()
        or Payer.objects.filter(organization=org).order_by("name", "pk").first()
    )


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    """One health-plan client, linked to a demo payer with coverages and named after it, with
    every read scope. Its secret is not printed: make a client with a known secret with
    `openiop fhir-client add` (docs/fhir.md)."""
    payer = _demo_payer(org)
    if payer is None:
        return
    if FhirClient.objects.filter(organization=org, payer=payer).exists():
        return
    admin = (
        User.objects.filter(organization=org, role__in=roles_for(Action.FHIR_CLIENT_MANAGE))
        .order_by("pk")
        .first()
    )
    if admin is None:
        return
    services.register_client(
        admin,
        name=payer.name,
        recipient_kind=DEMO_CLIENT_KIND,
        scopes="system/*.rs",
        organization=org,
        payer_id=payer.pk,
        signed_in=False,
    )
