"""Staff pages for family events (namespace `portal_staff`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from openiop.portal.family import views_staff

urlpatterns: list[URLPattern] = [
    path(
        "programs/<id:program_id>/family-events/",
        views_staff.family_events,
        name="family_events",
    ),
    path(
        "programs/<id:program_id>/family-events/<id:pk>/cancel/",
        views_staff.family_event_cancel,
        name="family_event_cancel",
    ),
]
