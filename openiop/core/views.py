"""Home page and health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from openiop.core import access
from openiop.patients.selectors import patient_count_for


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    return render(
        request,
        "core/home.html",
        {"patient_count": patient_count_for(user)},
    )
