"""Public pages of the locator app, mounted under /public/ (no log-in: never PHI out)."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "locator_public"
urlpatterns: list[URLPattern | URLResolver] = []
