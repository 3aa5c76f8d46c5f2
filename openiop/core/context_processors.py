"""Template context: which navigation entries the current user may see, and the count of
open urgent safety tasks beside "Safety tasks"."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from openiop.core import access, dashboard, policy
from openiop.core.policy import Action


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}, "can": policy.Can(None)}
    verified = access.is_verified_staff(user)
    return {
        "can": policy.Can(user),
        "nav": {
            "verified": verified,
            "setup": policy.allows(user, Action.SETUP_MANAGE),
            "audit": policy.allows(user, Action.AUDIT_READ),
            "break_glass": verified and bool(getattr(user, "can_break_glass", False)),
            # Called by the template only where the navigation is drawn (not for htmx
            # fragments): one query, shared with the home page's count.
            "urgent_safety_tasks": partial(dashboard.urgent_safety_tasks, request, user),
        },
    }
