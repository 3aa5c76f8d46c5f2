"""One helper decides between an htmx fragment and the full page (netbox's htmx_partial)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    is_htmx = bool(getattr(request, "htmx", False)) and not getattr(request.htmx, "boosted", False)  # type: ignore[attr-defined]
    return render(request, partial if is_htmx else page, context, status=status)


def reason(text: str, status: int) -> HttpResponse:
    """A refusal for an htmx request that has no fragment to show: a short plain sentence,
    which the browser (core/static/core/app.js) shows next to the element the user used."""
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
