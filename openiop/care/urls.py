"""Staff pages of the care app (mounted at /care/; need a session past TOTP)."""

from django.urls import URLPattern, URLResolver

app_name = "care"
urlpatterns: list[URLPattern | URLResolver] = []
