"""API endpoints of the delivery app, mounted under /api/v1/ (staff past TOTP by default)."""

from django.urls import URLPattern, URLResolver, path

from openiop.delivery import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("delivery/sessions/<id:pk>/roster", api.RosterAPI.as_view(), name="delivery_roster"),
    path(
        "delivery/sessions/<id:pk>/attendance",
        api.AttendanceAPI.as_view(),
        name="delivery_attendance",
    ),
    path("delivery/sessions/<id:pk>/drop-ins", api.DropInAPI.as_view(), name="delivery_drop_ins"),
    path("delivery/notes/<id:pk>", api.NoteAPI.as_view(), name="delivery_note"),
    path("delivery/patients/<id:pk>/hours", api.HoursAPI.as_view(), name="delivery_hours"),
    path("delivery/patients/<id:pk>/leaves", api.LeaveAPI.as_view(), name="delivery_leaves"),
]
