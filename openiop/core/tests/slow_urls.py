"""Test-only routes: a query that outlives the statement time limit, and a quick one."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path


def slow(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("finished")


def quick(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone() or (0,)
    return HttpResponse(f"quick {one}")


def api_slow(request: HttpRequest) -> HttpResponse:
    return slow(request)


urlpatterns = [
    path("slow/", slow),
    path("quick/", quick),
    path("api/v1/slow/", api_slow),
]
