"""Template context: which navigation entries the current user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openiop.core import access


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    verified = access.is_verified_staff(user)
    return {
        "nav": {
            "verified": verified,
            "setup": verified and access.can_setup(user),
            "audit": verified and access.can_read_audit(user),
            "break_glass": verified and bool(getattr(user, "can_break_glass", False)),
        }
    }
