"""A statement the database cancelled for taking too long answers 503 with a plain reason.

Web processes run with a PostgreSQL `statement_timeout` below the WSGI server's own worker
time-out (`DATABASE_STATEMENT_TIMEOUT_MS`, README), so that a runaway query is stopped by the
database, which then also stops working on it, and the worker answers instead of being killed
mid-request (which leaves the query running and gives the user a bare 500). The user sees why
and what to do; an htmx request shows the same words next to the element used
(`core/static/core/app.js` reads the page's alert); the API answers a problem document
(RFC 9457). Any transaction the statement was in has already been rolled back when the error
reaches this middleware, so nothing was saved half-way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from openiop.core.db import is_statement_timeout

logger = logging.getLogger(__name__)

TITLE = "The database took too long to answer"
DETAIL = (
    "Nothing was changed. Try again in a moment, or narrow the search (a shorter period, "
    "one site or one program)."
)
RETRY_AFTER_SECONDS = 5
JSON_PREFIXES = ("/api/", "/fhir/")


class StatementTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (isinstance(exception, OperationalError) and is_statement_timeout(exception)):
            return None
        # The route only (never a query string or a body), like the access log.
        logger.warning("statement timeout: %s %s answered 503", request.method, request.path)
        response: HttpResponse
        if request.path.startswith(JSON_PREFIXES):
            response = JsonResponse(
                {"type": "about:blank", "title": TITLE, "status": 503, "detail": DETAIL},
                status=503,
                content_type="application/problem+json",
            )
        else:
            html = render_to_string("core/slow_database.html", {"title": TITLE, "detail": DETAIL})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
