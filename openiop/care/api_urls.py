"""API endpoints of the care app, mounted under /api/v1/ (staff past TOTP by default)."""

from django.urls import URLPattern, URLResolver, path

from openiop.care.community import api as community
from openiop.care.measures import api as measures
from openiop.care.overview import api as overview
from openiop.care.plans import api as plans
from openiop.care.relapse import api as relapse
from openiop.care.screens import api as screens
from openiop.care.taper import api as taper

P = "care/patients/<id:pk>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path(P + "progress", overview.ProgressAPI.as_view(), name="care_progress"),
    path(P + "plans", plans.PlanListAPI.as_view(), name="care_plans"),
    path(
        P + "plans/<id:plan_id>/problems",
        plans.ProblemCreateAPI.as_view(),
        name="care_plan_problems",
    ),
    path(P + "drug-screens", screens.ScreenListCreateAPI.as_view(), name="care_drug_screens"),
    path(
        P + "drug-screens/<id:screen_id>/result",
        screens.ScreenResultAPI.as_view(),
        name="care_drug_screen_result",
    ),
    path(P + "relapse-events", relapse.RelapseCreateAPI.as_view(), name="care_relapse_events"),
    path(P + "peer-meetings", community.MeetingsAPI.as_view(), name="care_peer_meetings"),
    path(
        P + "taper-recommendations",
        taper.RecommendationListCreateAPI.as_view(),
        name="care_taper_recommendations",
    ),
    path(
        P + "taper-recommendations/<id:rec_id>/approve",
        taper.RecommendationApproveAPI.as_view(),
        name="care_taper_approve",
    ),
    path(
        P + "taper-recommendations/<id:rec_id>/decline",
        taper.RecommendationDeclineAPI.as_view(),
        name="care_taper_decline",
    ),
    path("care/measures/due", measures.DueAPI.as_view(), name="care_measures_due"),
]
