"""Home page and health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from openiop.core import access, dashboard


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        from openiop.locator.views import public_home

        return public_home(request)
    user = access.staff(request)
    return render(request, "core/home.html", {"counts": dashboard.dashboard(request, user)})
