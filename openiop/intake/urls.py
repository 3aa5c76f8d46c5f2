"""Staff pages of the intake app (mounted at /intake/; need a session past TOTP)."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "intake"
urlpatterns: list[URLPattern | URLResolver] = []
