"""Session and response security applied to every request.

- `SessionTimeoutMiddleware`: idle time-out (default 15 min) and absolute time-out (12 h);
  the server-side session is flushed, so the old cookie is worthless (45 CFR 170.315(d)(5),
  ASVS 7.3.1/7.3.2).
- `LoginRequiredMiddleware` (default deny): every path needs a staff user who has passed
  TOTP, except the public prefixes below and the home page `/` for visitors who are not
  logged in (it shows them the public front door); API paths answer JSON 401/403 instead of
  redirects.
- `NoStoreMiddleware`: `Cache-Control: no-store` on every dynamic response (ASVS 14.3.2,
  170.315(d)(7): nothing with patient data stays in the browser cache).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from openiop.core.policy import is_portal_account

Handler = Callable[[HttpRequest], HttpResponse]

PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/static/",
    "/healthz",
    "/public/",
    "/api/v1/public/",
    "/api/v1/locator/",
    "/favicon.ico",
)
# The FHIR API authenticates its own requests (OAuth bearer tokens of system clients, or a
# verified staff session) and answers 401 itself, as FHIR clients expect; its client
# registration pages stay behind the staff session like every other page.
FHIR_PREFIX = "/fhir/"
FHIR_SESSION_PREFIXES = ("/fhir/clients/",)
PUBLIC_HOME = "/"  # exactly this path, for anonymous visitors only
MFA_PREFIXES = ("/accounts/mfa/",)
# The patient and family portal: its own log-in, invitation and app-shell paths are open; a
# portal account reaches nothing outside `/portal/` (staff pages answer it with a redirect to
# the portal, the API with 403), and passes the portal's own second-factor step.
PORTAL_PREFIX = "/portal/"
PORTAL_PUBLIC = (
    "/portal/login/",
    "/portal/welcome/",
    "/portal/manifest.webmanifest",
    "/portal/sw.js",
    "/portal/offline/",
)
PORTAL_MFA_PREFIXES = ("/portal/mfa/", "/portal/logout/")
ACTIVITY_RESOLUTION = 30  # seconds


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.get("_openiop_started", now)
            last = session.get("_openiop_last", now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - last > idle or now - started > absolute:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"title": "Session expired", "status": 401}, status=401)
                login = "portal:login" if request.path.startswith("/portal/") else "accounts:login"
                return redirect(f"{reverse(login)}?expired=1")
            if "_openiop_started" not in session:
                session["_openiop_started"] = started
            if now - last >= ACTIVITY_RESOLUTION or "_openiop_last" not in session:
                # Writing the session on every request would cost a database write per
                # page; idle time is tracked to the nearest 30 seconds instead.
                session["_openiop_last"] = now
        return self.get_response(request)


class LoginRequiredMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(PUBLIC_PREFIXES) or path.startswith(PORTAL_PUBLIC):
            return self.get_response(request)
        if path.startswith(FHIR_PREFIX) and not path.startswith(FHIR_SESSION_PREFIXES):
            return self.get_response(request)
        user = request.user
        is_api = path.startswith("/api/")
        if not user.is_authenticated:
            if path == PUBLIC_HOME:
                return self.get_response(request)
            if is_api:
                return JsonResponse({"title": "Authentication required", "status": 401}, status=401)
            if path.startswith(PORTAL_PREFIX):
                return redirect(reverse("portal:login"))
            return redirect(reverse("accounts:login"))
        if is_portal_account(user):
            return self._portal(request, path, is_api)
        if path.startswith(MFA_PREFIXES):
            return self.get_response(request)
        if not user.is_verified():
            if is_api:
                return JsonResponse(
                    {"title": "Multi-factor verification required", "status": 403}, status=403
                )
            return redirect(reverse("accounts:mfa"))
        return self.get_response(request)

    def _portal(self, request: HttpRequest, path: str, is_api: bool) -> HttpResponse:
        """A patient or family account: the portal only, after its second factor."""
        if is_api or not path.startswith(PORTAL_PREFIX):
            if is_api:
                return JsonResponse(
                    {"title": "Not available to portal accounts", "status": 403}, status=403
                )
            return redirect(reverse("portal:home"))
        if path.startswith(PORTAL_MFA_PREFIXES):
            return self.get_response(request)
        if not getattr(request.user, "is_verified", lambda: False)():
            return redirect(reverse("portal:mfa"))
        return self.get_response(request)


class NoStoreMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
