"""API endpoints of the care app, mounted under /api/v1/ (staff past TOTP by default)."""

from django.urls import URLPattern, URLResolver, path

from openiop.care import api

P = "care/patients/<id:pk>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path(P + "progress", api.ProgressAPI.as_view(), name="care_progress"),
    path(P + "plans", api.PlanListAPI.as_view(), name="care_plans"),
    path(P + "drug-screens", api.ScreenListCreateAPI.as_view(), name="care_drug_screens"),
    path(
        P + "drug-screens/<id:screen_id>/result",
        api.ScreenResultAPI.as_view(),
        name="care_drug_screen_result",
    ),
    path(P + "relapse-events", api.RelapseCreateAPI.as_view(), name="care_relapse_events"),
    path(P + "peer-meetings", api.MeetingsAPI.as_view(), name="care_peer_meetings"),
    path(
        P + "taper-recommendations",
        api.RecommendationListCreateAPI.as_view(),
        name="care_taper_recommendations",
    ),
    path(
        P + "taper-recommendations/<id:rec_id>/approve",
        api.RecommendationApproveAPI.as_view(),
        name="care_taper_approve",
    ),
    path(
        P + "taper-recommendations/<id:rec_id>/decline",
        api.RecommendationDeclineAPI.as_view(),
        name="care_taper_decline",
    ),
    path("care/measures/due", api.DueAPI.as_view(), name="care_measures_due"),
]
