"""Public pages of the intake app, mounted under /public/ (no log-in: never PHI out)."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "intake_public"
urlpatterns: list[URLPattern | URLResolver] = []
