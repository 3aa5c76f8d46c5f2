"""API endpoints of the intake app, mounted under /api/v1/ (staff past TOTP by default)."""

from django.urls import URLPattern, URLResolver, path

from openiop.intake import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("screenings/score", api.ScreeningScoreAPI.as_view(), name="screenings_score"),
]
