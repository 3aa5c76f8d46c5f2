"""Writes of the FHIR app: registering and revoking system clients, requesting exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application

from openiop.accounts.models import User
from openiop.billing.models import Payer
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.core.tasks import enqueue_on_commit
from openiop.fhir.models import CLIENT_PURPOSES, ExportJob, FhirClient
from openiop.organization.models import Organization, Program

SCOPE_CHOICES = ("system/*.rs",)


@dataclass(frozen=True)
class Registered:
    client: FhirClient
    client_id: str
    client_secret: str  # shown once; only its hash is stored


def _valid_scopes(scopes: str) -> str:
    from django.conf import settings

    scopes_setting: dict[str, str] = settings.OAUTH2_PROVIDER["SCOPES"]  # type: ignore[assignment]
    known = set(scopes_setting)
    items = scopes.split()
    if not items or not set(items) <= known:
        raise ValidationError({"scopes": "Give one or more of: " + ", ".join(sorted(known))})
    return " ".join(dict.fromkeys(items))


@service
def register_client(
    actor: User,
    *,
    name: str,
    recipient_kind: str,
    scopes: str,
    organization: Organization | None = None,
    payer_id: int | None = None,
    signed_in: bool = True,
) -> Registered:
    """Register a system client; returns its client id and the secret, once.

    A health-plan client names its payer (`payer_id`, a payer of the same organization): it
    is the patients' own plan, which their TPO consent covers, only for the patients with a
    coverage of that payer (`openiop.fhir.recipients`)."""
    policy.require(actor, Action.FHIR_CLIENT_MANAGE, signed_in=signed_in)
    if not name.strip():
        raise ValidationError({"name": "Name the client."})
    if recipient_kind not in CLIENT_PURPOSES:
        raise ValidationError(
            {"recipient_kind": "Choose a treating provider, health plan or operations."}
        )
    scope_text = _valid_scopes(scopes)
    org_id = int(organization.pk if organization is not None else actor.organization_id or 0)
    if org_id != actor.organization_id:
        raise policy.refuse(actor, "Clients are registered for your own organization.")
    payer = None
    if recipient_kind == "health_plan":
        payer = (
            Payer.objects.filter(pk=payer_id, organization_id=org_id).first() if payer_id else None
        )
        if payer is None:
            raise ValidationError({"payer": "Choose the payer this health plan client is."})
    elif payer_id:
        raise ValidationError({"payer": "Only a health plan client is linked to a payer."})
    secret = generate_client_secret()
    app = Application(
        name=f"FHIR: {name.strip()}"[:255],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    app.save()
    client = FhirClient.objects.create(
        organization_id=org_id,
        name=name.strip(),
        recipient_kind=recipient_kind,
        payer=payer,
        application=app,
        scopes=scope_text,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=client,
        detail=f"FHIR client registered ({recipient_kind}"
        + (f", payer {payer.pk}" if payer is not None else "")
        + f", scopes {scope_text})",
        organization_id=org_id,
    )
    return Registered(client, app.client_id, secret)


@service
def revoke_client(actor: User, *, client: FhirClient, signed_in: bool = True) -> FhirClient:
    """Revoke a client: no new tokens, and its current tokens stop working at once."""
    policy.require(actor, Action.FHIR_CLIENT_MANAGE, signed_in=signed_in, obj=client)
    if client.organization_id != actor.organization_id:
        raise policy.refuse(actor, "This client belongs to another organization.", obj=client)
    if client.active:
        client.active = False
        client.revoked_at = timezone.now()
        client.save(update_fields=["active", "revoked_at"])
        AccessToken.objects.filter(application_id=client.application_id).delete()
        audit.record(
            actor=actor,
            action=AuditAction.SECURITY,
            obj=client,
            detail="FHIR client revoked",
            organization_id=client.organization_id,
        )
    return client


@service
def export_request(
    *, client: FhirClient, kind: str, group: Program | None, types: list[str], url: str
) -> ExportJob:
    """Record a bulk export request and queue its work."""
    from openiop.fhir import tasks

    job = ExportJob.objects.create(
        client=client,
        kind=kind,
        group=group,
        types=types,
        request_url=url[:500],
        requested_at=timezone.now(),
    )
    audit.record(
        actor=None,
        action=AuditAction.EXPORT,
        obj=job,
        detail=f"bulk export requested by client {client.name[:60]} ({', '.join(types)})",
        organization_id=client.organization_id,
        part2=True,
    )
    enqueue_on_commit(tasks.run_export, job_id=job.pk)
    return job
