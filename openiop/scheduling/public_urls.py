"""Public pages of the scheduling app, mounted under /public/ (no log-in: never PHI out)."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "scheduling_public"
urlpatterns: list[URLPattern | URLResolver] = []
