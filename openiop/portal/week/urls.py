"""URLs of this part of the portal: My week, the calendar link, "can't make it" and self
check-in."""

from __future__ import annotations

from django.urls import URLPattern, path

from openiop.portal.week import views

urlpatterns: list[URLPattern] = [
    path("week/", views.week, name="week"),
    path("week/calendar/", views.calendar_link, name="calendar_link"),
    path("week/sessions/<id:session_id>/absence/", views.absence, name="absence"),
    path("week/absences/<id:pk>/withdraw/", views.absence_withdraw, name="absence_withdraw"),
    path("check-in/", views.checkin, name="checkin"),
]
