"""Staff pages of the scheduling app (mounted at /schedule/; need a session past TOTP)."""

from django.urls import URLPattern, URLResolver, path

from openiop.scheduling import views, views_advice

app_name = "scheduling"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("build/", views.build, name="build"),
    path("weeks/<id:pk>/", views.week, name="week"),
    path("weeks/<id:pk>/cell/", views.week_cell, name="week_cell"),
    path("weeks/<id:pk>/group/", views.week_group, name="week_group"),
    path("weeks/<id:pk>/list/", views.week_grid_list, name="week_grid_list"),
    path("weeks/<id:pk>/counselors/", views.week_counselors, name="week_counselors"),
    path("weeks/<id:pk>/patients/", views.week_patients, name="week_patients"),
    path("weeks/<id:pk>/progress/", views.week_progress, name="week_progress"),
    path("weeks/<id:pk>/solve/", views.week_solve, name="week_solve"),
    path("weeks/<id:pk>/move/", views.week_move, name="week_move"),
    path("weeks/<id:pk>/publish/", views.week_publish, name="week_publish"),
    path("weeks/<id:pk>/resolve/", views.week_resolve, name="week_resolve"),
    path("weeks/<id:pk>/advice/", views_advice.week_advice, name="week_advice"),
    path("calendar/", views.calendars, name="calendars"),
    path("patients/<id:pk>/calendar/", views.patient_calendar, name="patient_calendar"),
    path("patients/<id:pk>/telehealth/", views.patient_telehealth, name="patient_telehealth"),
]
