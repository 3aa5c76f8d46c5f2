"""Public pages of the locator app, mounted under /public/ (no log-in: never PHI out).
The public home is `views.public_home`, served at / to visitors who are not logged in."""

from django.urls import URLPattern, URLResolver, path

from openiop.locator import views

app_name = "locator_public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("locator/", views.search, name="search"),
    path("programs/<id:pk>/", views.program_detail, name="program"),
    path("cost-estimate/", views.cost_estimate, name="cost_estimate"),
    path("referral/", views.referral, name="referral"),
    path("referral/thanks/", views.referral_thanks, name="referral_thanks"),
]
