"""Web Push delivery: the one place that talks to a browser's push service.

A push message is encrypted for the browser (RFC 8291, "aes128gcm") and signed with the
program's VAPID key (RFC 8292) by `pywebpush`; the push service answers 201. A 404 or 410
means the subscription is gone for good (RFC 8030 section 7.3, "Subscription Expiration"):
the caller marks it failed and never uses it again. Any other failure is transient.

The payload is the generic title and body only (never a name, program, group or
instrument): it passes through the browser vendor's push service, outside the program's
control (45 CFR 164.312(e)(1), transmission security; the minimum necessary standard,
45 CFR 164.502(b)).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

logger = logging.getLogger("openiop.portal.reminders")

GONE = (404, 410)
TTL_SECONDS = 3 * 3600  # a reminder older than three hours is no longer useful


@dataclass(frozen=True)
class PushResult:
    ok: bool
    gone: bool = False  # the subscription expired or was withdrawn: stop using it
    status: int | None = None


def configured() -> bool:
    """Whether the program set up its VAPID key pair (environment only)."""
    return bool(
        getattr(settings, "VAPID_PUBLIC_KEY", "") and getattr(settings, "VAPID_PRIVATE_KEY", "")
    )


def public_key() -> str:
    return str(getattr(settings, "VAPID_PUBLIC_KEY", "") or "")


def send(
    *, endpoint: str, p256dh: str, auth: str, title: str, body: str, url: str = "/portal/"
) -> PushResult:
    """Send one notification; never raises for a push service's answer or a network error."""
    from pywebpush import WebPushException, webpush

    data = json.dumps({"title": title, "body": body, "url": url})
    info: dict[str, Any] = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
    try:
        webpush(
            subscription_info=info,
            data=data,
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=TTL_SECONDS,
            timeout=10,
        )
    except WebPushException as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        return PushResult(ok=False, gone=status in GONE, status=status)
    except Exception as exc:  # network error, bad key: logged without the endpoint
        logger.warning("web push failed: %s", type(exc).__name__)
        return PushResult(ok=False)
    return PushResult(ok=True, status=201)
