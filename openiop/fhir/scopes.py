"""OAuth scopes (SMART App Launch v2 system scopes) and the client-credentials validator.

A client may ask only for the scopes it was registered with; only active FHIR clients with
the client-credentials grant get tokens."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes


def _client_scopes(application: Any) -> list[str]:
    client = getattr(application, "fhir_client", None) if application is not None else None
    if client is None or not client.active:
        return []
    return list(client.scope_list)


class ClientScopes(SettingsScopes):  # type: ignore[misc]
    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return _client_scopes(application)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return _client_scopes(application)


class ClientCredentialsValidator(OAuth2Validator):  # type: ignore[misc]
    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kw: Any
    ) -> bool:
        if grant_type != "client_credentials" or not _client_scopes(request.client):
            return False
        return bool(
            super().validate_grant_type(client_id, grant_type, client, request, *args, **kw)
        )


def grants(scopes: list[str] | str, resource_type: str, interaction: str) -> bool:
    """Whether `scopes` allow `interaction` ("r" read, "s" search) on `resource_type`."""
    items = scopes.split() if isinstance(scopes, str) else scopes
    for scope in items:
        if not scope.startswith("system/") or "." not in scope:
            continue
        rtype, _, perms = scope[len("system/") :].partition(".")
        if rtype not in ("*", resource_type):
            continue
        if perms == "read" or (set(perms) <= set("cruds") and interaction in perms):
            return True
    return False
