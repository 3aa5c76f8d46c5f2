"""The portal's home page: the patient's day, or the family member's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from openiop.core import policy
from openiop.core.policy import Action
from openiop.portal import access
from openiop.portal.checkins.selectors import today_status
from openiop.portal.week.selectors import today_sessions


def home(request: HttpRequest) -> HttpResponse:
    if policy.allows(request.user, Action.PORTAL_FAMILY):
        return redirect("portal:family_home")
    portal = access.me(request)
    now = timezone.now()
    checked_in_today, due = today_status(portal, now)
    access.viewed(request, portal, ["schedule", "attendance", "measures_due"], "home")
    return render(
        request,
        "portal/home.html",
        {
            "portal": portal,
            "today": today_sessions(portal, now),
            "daily_done": checked_in_today,
            "due": due,
        },
    )
