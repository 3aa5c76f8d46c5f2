"""The portal's bottom navigation, by the signed-in account's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from openiop.core import policy
from openiop.core.policy import Action

PATIENT_NAV = (
    ("portal:home", "Home"),
    ("portal:week", "My week"),
    ("portal:checkin", "Check in"),
    ("portal:daily", "Daily"),
    ("portal:progress", "Progress"),
    ("portal:consents", "Consents"),
)
FAMILY_NAV = (
    ("portal:family_home", "Home"),
    ("portal:family_education", "Learn"),
)


def portal_nav(request: HttpRequest) -> dict[str, Any]:
    if not request.path.startswith("/portal/"):
        return {}
    user = getattr(request, "user", None)
    items: tuple[tuple[str, str], ...]
    if policy.allows(user, Action.PORTAL_SELF):
        items = PATIENT_NAV
    elif policy.allows(user, Action.PORTAL_FAMILY):
        items = FAMILY_NAV
    else:
        return {"portal_page": True}
    nav = []
    for name, label in items:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        current = request.path == url or (url != "/portal/" and request.path.startswith(url))
        nav.append({"url": url, "label": label, "current": current})
    return {"portal_nav": nav, "portal_page": True}
