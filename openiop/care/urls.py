"""Staff pages of the care app (mounted at /care/; need a session past TOTP).

URLs carry internal ids only, never names or other PHI."""

from django.urls import URLPattern, URLResolver, path

from openiop.care.community import views as community
from openiop.care.discharge import views as discharge
from openiop.care.measures import views as measures
from openiop.care.overview import views as overview
from openiop.care.plans import views as plans
from openiop.care.relapse import views as relapse
from openiop.care.screens import views as screens
from openiop.care.taper import views as taper

app_name = "care"
P = "patients/<id:pk>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", overview.dashboard, name="dashboard"),
    path(P + "progress/", overview.progress, name="progress"),
    path(P + "plans/new/", plans.plan_create, name="plan_create"),
    path(P + "plans/<id:plan_id>/", plans.plan_edit, name="plan"),
    path(
        P + "objectives/<id:objective_id>/status/", plans.objective_status, name="objective_status"
    ),
    path(
        P + "objectives/<id:objective_id>/progress/",
        plans.objective_progress,
        name="objective_progress",
    ),
    path(P + "screens/", screens.screens, name="screens"),
    path(P + "screens/<id:screen_id>/result/", screens.screen_result, name="screen_result"),
    path(P + "relapse/new/", relapse.relapse_new, name="relapse_new"),
    path(P + "relapse/<id:event_id>/", relapse.relapse, name="relapse"),
    path(P + "community/", community.community, name="community"),
    path(
        P + "enrollments/<id:enrollment_id>/recommend/",
        taper.taper_recommend,
        name="taper_recommend",
    ),
    path(P + "taper/<id:rec_id>/approve/", taper.taper_approve, name="taper_approve"),
    path(P + "taper/<id:rec_id>/decline/", taper.taper_decline, name="taper_decline"),
    path(P + "enrollments/<id:enrollment_id>/discharge/", discharge.discharge, name="discharge"),
    path(P + "follow-ups/", discharge.follow_ups, name="follow_ups"),
    path(
        P + "enrollments/<id:enrollment_id>/age-out/",
        discharge.age_out_review,
        name="age_out_review",
    ),
    path("settings/", overview.settings_index, name="settings"),
    path(
        "settings/programs/<id:program_id>/taper/",
        taper.taper_settings,
        name="settings_taper",
    ),
    path(
        "settings/tracks/<id:track_id>/measures/",
        measures.measure_schedule,
        name="settings_measures",
    ),
    path("settings/reliability/", measures.reliability, name="settings_reliability"),
]
