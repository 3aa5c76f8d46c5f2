"""API endpoints of the scheduling app, mounted under /api/v1/ (staff past TOTP by default)."""

from django.urls import URLPattern, URLResolver, path

from openiop.scheduling import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("schedule/weeks/", api.WeekListCreateAPI.as_view(), name="schedule_weeks"),
    path("schedule/weeks/<id:pk>/", api.WeekDetailAPI.as_view(), name="schedule_week"),
    path("schedule/weeks/<id:pk>/moves", api.WeekMoveAPI.as_view(), name="schedule_week_move"),
    path(
        "schedule/weeks/<id:pk>/publish",
        api.WeekPublishAPI.as_view(),
        name="schedule_week_publish",
    ),
]
