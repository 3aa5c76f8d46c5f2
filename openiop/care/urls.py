"""Staff pages of the care app (mounted at /care/; need a session past TOTP).

URLs carry internal ids only, never names or other PHI."""

from django.urls import URLPattern, URLResolver, path

from openiop.care import views, views_settings

app_name = "care"
P = "patients/<id:pk>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path(P + "progress/", views.progress, name="progress"),
    path(P + "plans/new/", views.plan_create, name="plan_create"),
    path(P + "plans/<id:plan_id>/", views.plan_edit, name="plan"),
    path(
        P + "objectives/<id:objective_id>/status/", views.objective_status, name="objective_status"
    ),
    path(
        P + "objectives/<id:objective_id>/progress/",
        views.objective_progress,
        name="objective_progress",
    ),
    path(P + "screens/", views.screens, name="screens"),
    path(P + "screens/<id:screen_id>/result/", views.screen_result, name="screen_result"),
    path(P + "relapse/new/", views.relapse_new, name="relapse_new"),
    path(P + "relapse/<id:event_id>/", views.relapse, name="relapse"),
    path(P + "community/", views.community, name="community"),
    path(
        P + "enrollments/<id:enrollment_id>/recommend/",
        views.taper_recommend,
        name="taper_recommend",
    ),
    path(P + "taper/<id:rec_id>/approve/", views.taper_approve, name="taper_approve"),
    path(P + "taper/<id:rec_id>/decline/", views.taper_decline, name="taper_decline"),
    path(P + "enrollments/<id:enrollment_id>/discharge/", views.discharge, name="discharge"),
    path(P + "follow-ups/", views.follow_ups, name="follow_ups"),
    path("settings/", views_settings.index, name="settings"),
    path(
        "settings/programs/<id:program_id>/taper/",
        views_settings.taper_settings,
        name="settings_taper",
    ),
    path(
        "settings/tracks/<id:track_id>/measures/",
        views_settings.measure_schedule,
        name="settings_measures",
    ),
    path("settings/reliability/", views_settings.reliability, name="settings_reliability"),
]
