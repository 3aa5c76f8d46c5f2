"""Staff pages of the delivery app (mounted at /delivery/; need a session past TOTP)."""

from django.urls import URLPattern, URLResolver

app_name = "delivery"
urlpatterns: list[URLPattern | URLResolver] = []
