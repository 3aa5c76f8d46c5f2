"""Peer support pages (namespace "support")."""

from django.urls import path

from openiop.support.peer import views

urlpatterns = [
    path("patients/<id:pk>/peer-contacts/", views.peer_contacts, name="peer_contacts"),
    path("peer-contacts/", views.my_peer_contacts, name="my_peer_contacts"),
    path("alumni/", views.alumni_events, name="alumni_events"),
    path("alumni/<id:pk>/", views.alumni_event, name="alumni_event"),
    path(
        "alumni/attendance/<id:pk>/remove/",
        views.alumni_attendance_remove,
        name="alumni_attendance_remove",
    ),
]
