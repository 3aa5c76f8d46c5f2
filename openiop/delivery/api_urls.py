"""API endpoints of the delivery app, mounted under /api/v1/ (staff past TOTP by default)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
