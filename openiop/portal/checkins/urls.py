"""URLs of this part of the portal: daily check-in, due questionnaires, progress."""

from __future__ import annotations

from django.urls import URLPattern, path

from openiop.portal.checkins import views

urlpatterns: list[URLPattern] = [
    path("daily/", views.daily, name="daily"),
    path("questionnaires/<str:instrument>/", views.measure, name="measure"),
    path("progress/", views.progress, name="progress"),
]
