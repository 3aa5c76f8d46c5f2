"""The installable app: manifest, service worker at the portal's scope, offline page. All
three are public and hold no patient data; the worker stores only static files and the
offline page."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from openiop.core.testing import World, login
from openiop.portal.tests.helpers import make_portal_account, portal_login

pytestmark = pytest.mark.django_db


def _precache(source: str) -> list[str]:
    match = re.search(r"var PRECACHE = (\[.*?\]);", source)
    assert match is not None
    return list(json.loads(match.group(1)))


def test_the_manifest_is_served_to_anyone_as_a_web_app_manifest() -> None:
    response = Client().get("/portal/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    body = json.loads(response.content)
    assert body["name"] == "My program" and body["start_url"] == "/portal/"
    assert body["display"] == "standalone" and body["theme_color"] == "#1f4e79"
    assert body["scope"] == "/portal/"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        assert icon["src"].startswith("/static/portal/icon-")


def test_the_service_worker_is_served_at_the_portal_scope_without_caching() -> None:
    response = Client().get("/portal/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/portal/"
    assert response["Cache-Control"] in ("no-cache", "no-store")
    source = response.content.decode()
    assert "__PRECACHE__" not in source and "__VERSION__" not in source
    # Only the offline page and static files are stored on the phone.
    precache = _precache(source)
    assert "/portal/offline/" in precache
    assert all(url == "/portal/offline/" or url.startswith("/static/") for url in precache)
    # Nothing fetched is ever put into the cache: no cache.put anywhere, navigations are
    # network-only with the offline page as the fallback.
    assert "cache.put" not in source and ".put(" not in source
    assert 'request.mode === "navigate"' in source
    assert "caches.match(OFFLINE_URL" in source
    assert "showNotification" in source and "notificationclick" in source


def test_the_offline_page_is_public_and_names_no_one(world: World) -> None:
    response = Client().get("/portal/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your information is not stored on this phone." in html
    # Even for a signed-in patient the page is the same (it is stored on the phone).
    account = make_portal_account(world.patient_a1)
    signed_in = portal_login(Client(), account).get("/portal/offline/").content.decode()
    for text in (world.patient_a1.first_name, world.patient_a1.last_name, "csrfmiddlewaretoken"):
        assert text not in signed_in
    assert "Sign out" not in signed_in


def test_the_app_files_are_served_to_staff_too(world: World) -> None:
    client = login(Client(), world.counselor_a1)
    assert client.get("/portal/manifest.webmanifest").status_code == 200
    assert client.get("/portal/sw.js").status_code == 200


def test_the_csp_allows_the_worker_and_the_manifest() -> None:
    csp = Client().get("/portal/offline/").headers.get("Content-Security-Policy", "")
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp


def test_the_app_files_refuse_other_methods() -> None:
    assert Client().post("/portal/manifest.webmanifest").status_code in (403, 405)
