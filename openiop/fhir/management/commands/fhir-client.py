"""`openiop fhir-client add --name ... --kind health_plan --payer <id> --org ...` and
`revoke --id ...`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openiop.accounts.models import User
from openiop.core.policy import Action, roles_for
from openiop.fhir import services
from openiop.fhir.models import FhirClient
from openiop.organization.models import Organization


class Command(BaseCommand):
    help = "Register or revoke a FHIR system client (prints the secret once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add")
        add.add_argument("--name", required=True)
        add.add_argument("--kind", required=True, help="treating_provider, health_plan, operations")
        add.add_argument("--org", required=True, help="Organization name or id")
        add.add_argument("--scopes", default="system/*.rs")
        add.add_argument(
            "--payer", type=int, default=None, help="Payer id (required for health_plan)"
        )
        add.add_argument("--as", dest="username", default="", help="Administrator username")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("--id", type=int, required=True)
        revoke.add_argument("--as", dest="username", default="")

    def _admin(self, org_id: int, username: str) -> User:
        admins = User.objects.filter(
            organization_id=org_id, role__in=roles_for(Action.FHIR_CLIENT_MANAGE), is_active=True
        )
        if username:
            admins = admins.filter(username=username)
        admin = admins.order_by("pk").first()
        if admin is None:
            raise CommandError("No active administrator of that organization.")
        return admin

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "revoke":
            client = FhirClient.objects.filter(pk=opts["id"]).first()
            if client is None:
                raise CommandError("No such client.")
            admin = self._admin(client.organization_id, opts["username"])
            services.revoke_client(admin, client=client, signed_in=False)
            self.stdout.write(f"client {client.pk} revoked")
            return
        key = opts["org"]
        org = Organization.objects.filter(name=key).first()
        if org is None and key.isdigit():
            org = Organization.objects.filter(pk=int(key)).first()
        if org is None:
            raise CommandError("No such organization.")
        admin = self._admin(org.pk, opts["username"])
        try:
            made = services.register_client(
                admin,
                name=opts["name"],
                recipient_kind=opts["kind"],
                scopes=opts["scopes"],
                organization=org,
                payer_id=opts["payer"],
                signed_in=False,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"client_id: {made.client_id}")
        self.stdout.write(f"client_secret: {made.client_secret}")
        self.stdout.write("The secret is stored hashed; it is not shown again.")
