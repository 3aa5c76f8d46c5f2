"""Staff pages of the scheduling app (mounted at /scheduling/; need a session past TOTP)."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "scheduling"
urlpatterns: list[URLPattern | URLResolver] = []
