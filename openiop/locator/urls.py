"""Staff pages of the locator app (mounted at /locator/; need a session past TOTP)."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "locator"
urlpatterns: list[URLPattern | URLResolver] = []
