"""The address of the client that sent a request: the one key for every rate limit (log-in
lock-out, phone check-in, public locator search, referral requests and API) and the address
written in the audit trail.

Without a proxy (`BEHIND_TLS_PROXY` off) it is the connection's address, REMOTE_ADDR, and
`X-Forwarded-For` is ignored: any client can send that header, so trusting it would let one
client spread its attempts over invented addresses, or lock out someone else's.

Behind the TLS proxy (`BEHIND_TLS_PROXY` on), REMOTE_ADDR is the proxy's address, the same for
every client. Each proxy appends the address it received the connection from to
`X-Forwarded-For`, so with `TRUSTED_PROXY_HOPS` proxies in front of the application the client
is the entry that many places from the right; anything further left was written by the client
and cannot be trusted. A missing, short or malformed header falls back to REMOTE_ADDR.
(MDN, "X-Forwarded-For", section "Selecting an IP address".)
"""

from __future__ import annotations

import ipaddress
from typing import Any, Protocol

from django.conf import settings

MAX_LENGTH = 45  # the longest textual IPv6 address (with an embedded IPv4 part)


class HasMeta(Protocol):
    """A Django request or a DRF request (which passes META through)."""

    @property
    def META(self) -> dict[str, Any]: ...


def _parse(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HasMeta) -> str:
    """The client's address as text ("" when the server gives none)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))[:MAX_LENGTH]
    if not getattr(settings, "BEHIND_TLS_PROXY", False):
        return remote
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 1))
    entries = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    if hops < 1 or len(entries) < hops:
        return remote
    return _parse(entries[-hops]) or remote
