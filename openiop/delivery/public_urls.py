"""Public pages of the delivery app, mounted under /public/ (no log-in: never PHI out)."""

from django.urls import URLPattern, URLResolver, path

from openiop.delivery import views_public

app_name = "delivery_public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("check-in/", views_public.check_in, name="check_in"),
]
