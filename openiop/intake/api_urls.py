"""API endpoints of the intake app, mounted under /api/v1/ (staff past TOTP by default)."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

urlpatterns: list[URLPattern | URLResolver] = []
