"""Reminders (e-mail and phone notifications) and the installable app: the web app manifest,
the service worker served at the portal's scope, and the offline page.

Nothing about a patient is ever stored in the browser: the service worker caches only the
offline page and static files, never a portal page or an answer of the server (45 CFR
164.312(a)(2)(iv) and (e)(1); a phone is lost or shared more often than a server).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openiop.accounts.models import User
from openiop.portal import access
from openiop.portal.models import PushSubscription
from openiop.portal.reminders import selectors, services

THEME = "#1f4e79"
BODY_MAX = 4096  # a PushSubscription's JSON is a few hundred bytes
SW_SOURCE = Path(__file__).resolve().parent.parent / "static" / "portal" / "sw.js"
PRECACHE_TOKEN = '["__PRECACHE__"]'  # noqa: S105 - a placeholder in sw.js, not a secret
STATIC_PRECACHE = ("core/app.css", "portal/portal.css", "portal/portal.js", "portal/icon-192.png")


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address for reminders",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "wide"}),
        help_text="Leave it empty to stop e-mail reminders. "
        "Reminders never say anything about your health or treatment.",
        error_messages={"invalid": "Enter a valid e-mail address, like name@example.org."},
    )


# --- the installable app (public: no account, no data) ---------------------------------------


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest (W3C Web Application Manifest): installs the portal's pages."""
    body = {
        "id": "/portal/",
        "name": "My program",
        "short_name": "My program",
        "description": "Your schedule, check-ins and reminders.",
        "start_url": "/portal/",
        "scope": "/portal/",
        "display": "standalone",
        "theme_color": THEME,
        "background_color": "#ffffff",
        "icons": [
            {"src": static("portal/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("portal/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("portal/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return HttpResponse(json.dumps(body, indent=1), content_type="application/manifest+json")


def precache_urls() -> list[str]:
    """What the service worker stores: the offline page and static files, nothing else."""
    return [reverse("portal:offline"), *(static(p) for p in STATIC_PRECACHE)]


@cache
def _sw_template() -> str:
    return SW_SOURCE.read_text(encoding="utf-8")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker from the portal's path, so that its scope is /portal/; the list of
    files it stores is filled in here (static addresses may carry a version)."""
    urls = precache_urls()
    version = hashlib.sha256(
        (json.dumps(urls) + _sw_template()).encode(), usedforsecurity=False
    ).hexdigest()[:12]
    source = (
        _sw_template().replace(PRECACHE_TOKEN, json.dumps(urls)).replace("__VERSION__", version)
    )
    response = HttpResponse(source, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/portal/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker when there is no network; holds no account or patient
    detail (it is stored on the phone)."""
    return render(request, "portal/offline.html")


# --- reminders (patient accounts) -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def reminders(request: HttpRequest) -> HttpResponse:
    portal = access.me(request)
    if request.method != "POST":
        access.viewed(request, portal, ["contact"], "reminder settings")
    form = EmailForm(request.POST or None, initial={"email": portal.user.email})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                email = services.reminder_email_set(
                    actor=_actor(request),
                    account=portal,
                    email=form.cleaned_data["email"] or "",
                    request=request,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error("email" if field == "email" else None, errors)
            else:
                messages.success(
                    request,
                    "E-mail reminders are on." if email else "E-mail reminders are off.",
                )
                return redirect("portal:reminders")
        status = 422
    return render(
        request,
        "portal/reminders/reminders.html",
        {"portal": portal, "form": form, "state": selectors.state(portal)},
        status=status,
    )


def _actor(request: HttpRequest) -> User:
    """The signed-in user as the request carries it (verified by the second factor)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json_body(request: HttpRequest) -> Any:
    if len(request.body) > BODY_MAX:
        raise ValidationError("The request is too large.")
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError("The request is not valid JSON.") from exc


@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """This browser's push subscription (JSON from PushSubscription.toJSON())."""
    portal = access.me(request)
    try:
        subscription = services.parse_subscription(_json_body(request))
        services.push_subscribe(
            actor=_actor(request), account=portal, subscription=subscription, request=request
        )
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    return JsonResponse({"ok": True, "message": "Phone notifications are on."}, status=201)


@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    """Turn off this browser's notifications (JSON {"endpoint": ...}), or, from the page's
    form without JavaScript, every browser's."""
    portal = access.me(request)
    is_json = request.content_type == "application/json"
    subscription: PushSubscription | None = None
    if is_json:
        try:
            data = _json_body(request)
        except ValidationError as exc:
            return _bad(" ".join(exc.messages))
        endpoint = data.get("endpoint") if isinstance(data, dict) else None
        if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1000:
            return _bad("The request names no push address.")
        subscription = PushSubscription.objects.filter(endpoint=endpoint).first()
        if subscription is None:
            return JsonResponse({"ok": True, "message": "Phone notifications are off."})
        if subscription.account_id != portal.pk:
            raise access.not_found(request, portal, "portal.pushsubscription", subscription.pk)
    services.push_unsubscribe(
        actor=_actor(request), account=portal, subscription=subscription, request=request
    )
    if is_json:
        return JsonResponse({"ok": True, "message": "Phone notifications are off."})
    messages.success(request, "Phone notifications are off on all your devices.")
    return redirect("portal:reminders")
