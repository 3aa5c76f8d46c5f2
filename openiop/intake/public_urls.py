"""Public pages of the intake app, mounted under /public/ (no log-in: never PHI out)."""

from django.urls import URLPattern, URLResolver, path

from openiop.intake import public_views

app_name = "intake_public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("self-check/", public_views.self_check, name="self_check"),
]
