"""Every refusal is audited: a sweep over every staff route of the site, as every role and as
users of another site and another organization, with real and unknown ids, GET and POST.

Whatever the route answers, a 403 or a 404 must leave at least one `denied` event naming the
user in the audit trail (45 CFR 164.312(b)); and no answer is ever a 500.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login

# Public pages, log-in and MFA, the admin site and the schema answer refusals of their own kind.
SKIPPED_PREFIXES = ("/public/", "/accounts/", "/admin/", "/healthz", "/static/", "/api/v1/schema")
SLUG_VALUES = {
    "tab": "notes",
    "kind": "sites",
    "instrument": "phq9",
    "action": "check-in",
    "token": "x" * 32,
}


def _staff_routes() -> list[str]:
    routes: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for entry in patterns:
            if not isinstance(entry.pattern, RoutePattern):
                continue
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif not route.startswith(SKIPPED_PREFIXES):
                routes.append(route)

    walk(get_resolver().url_patterns, "/")
    return sorted(set(routes))


ROUTES = _staff_routes()


def _fill(route: str, ident: int) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        if converter in ("id", "int"):
            return str(ident)
        return SLUG_VALUES.get(name, "x")

    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: value(m) if m.group(1) else "x", route)


PERSONAS = [
    "admin_a",
    "director_a",
    "counselor_a1",
    "counselor_a2",
    "intake_a1",
    "billing_a1",
    "frontdesk_a1",
    "peer_a1",
    "counselor_b1",
    "director_b",
]


def test_the_sweep_covers_the_site() -> None:
    assert len(ROUTES) > 80


@pytest.mark.parametrize("who", PERSONAS)
def test_every_refusal_on_every_route_is_audited(client: Client, world: World, who: str) -> None:
    user = getattr(world, who)
    login(client, user)
    unaudited: list[str] = []
    errors: list[str] = []
    for route in ROUTES:
        for ident in (world.patient_a1.pk, 10**9):
            url = _fill(route, ident)
            for method in ("get", "post"):
                before = AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()
                response: Any = getattr(client, method)(url)
                if response.status_code >= 500:
                    errors.append(f"{method.upper()} {url} -> {response.status_code}")
                if response.status_code in (403, 404):
                    after = AuditEvent.objects.filter(
                        action="denied", user_id_value=user.pk
                    ).count()
                    if after == before:
                        unaudited.append(f"{method.upper()} {url} -> {response.status_code}")
    assert errors == []
    assert unaudited == [], "\n".join(unaudited)
