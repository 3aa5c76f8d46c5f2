"""The portal's home page: the patient's day, or the family member's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openiop.core import policy
from openiop.core.policy import Action
from openiop.portal import access


def home(request: HttpRequest) -> HttpResponse:
    if policy.allows(request.user, Action.PORTAL_FAMILY):
        return redirect("portal:family_home")
    portal = access.me(request)
    return render(request, "portal/home.html", {"portal": portal, "patient": portal.patient})
