"""The patient and family portal at /portal/ (namespace `portal`)."""

from __future__ import annotations

from django.urls import include, path

from openiop.portal import views, views_auth

app_name = "portal"

urlpatterns = [
    path("login/", views_auth.PortalLoginView.as_view(), name="login"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("mfa/", views_auth.mfa, name="mfa"),
    path("mfa/setup/", views_auth.mfa_setup, name="mfa_setup"),
    path("welcome/<str:token>/", views_auth.welcome, name="welcome"),
    path("", views.home, name="home"),
    path("", include("openiop.portal.week.urls")),
    path("", include("openiop.portal.checkins.urls")),
    path("", include("openiop.portal.consents.urls")),
    path("", include("openiop.portal.family.urls")),
    path("", include("openiop.portal.reminders.urls")),
]
