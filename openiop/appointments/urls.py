"""Staff pages of appointments (mounted at /appointments/; need a session past TOTP).
URLs carry internal ids and dates only, never names."""

from django.urls import URLPattern, URLResolver, path

from openiop.appointments import views

app_name = "appointments"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.day, name="day"),
    path("week/", views.week, name="week"),
    path("week/place/", views.week_place, name="week_place"),
    path("primary-counselors/", views.primary_balance, name="primary_balance"),
    path("setup/", views.setup, name="setup"),
    path("setup/types/new/", views.type_edit, name="type_new"),
    path("setup/types/<id:pk>/", views.type_edit, name="type_edit"),
    path("setup/video/", views.video, name="video"),
    path("patients/<id:pk>/book/", views.book, name="book"),
    path("patients/<id:pk>/primary/", views.primary, name="primary"),
    path("patients/<id:pk>/telehealth/", views.telehealth, name="telehealth"),
    path(
        "patients/<id:pk>/telehealth/revoke/",
        views.telehealth_revoke,
        name="telehealth_revoke",
    ),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/check-in/", views.check_in, name="check_in"),
    path("<id:pk>/check-out/", views.check_out, name="check_out"),
    path("<id:pk>/attendance/", views.attendance_edit, name="attendance"),
    path("<id:pk>/note/", views.note, name="note"),
    path("<id:pk>/move/", views.move, name="move"),
    path("<id:pk>/cancel/", views.cancel, name="cancel"),
]
