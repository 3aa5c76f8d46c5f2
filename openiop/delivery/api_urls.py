"""API endpoints of the delivery app, mounted under /api/v1/ (staff past TOTP by default)."""

from django.urls import URLPattern, URLResolver, path

from openiop.delivery import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("delivery/sessions/<int:pk>/roster", api.RosterAPI.as_view(), name="delivery_roster"),
    path(
        "delivery/sessions/<int:pk>/attendance",
        api.AttendanceAPI.as_view(),
        name="delivery_attendance",
    ),
    path("delivery/sessions/<int:pk>/drop-ins", api.DropInAPI.as_view(), name="delivery_drop_ins"),
    path("delivery/notes/<int:pk>", api.NoteAPI.as_view(), name="delivery_note"),
    path("delivery/patients/<int:pk>/hours", api.HoursAPI.as_view(), name="delivery_hours"),
    path("delivery/patients/<int:pk>/leaves", api.LeaveAPI.as_view(), name="delivery_leaves"),
]
