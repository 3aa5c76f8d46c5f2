"""Staff pages of the portal at /portal-access/ (namespace `portal_staff`)."""

from __future__ import annotations

from django.urls import include, path

from openiop.portal import views_settings, views_staff

app_name = "portal_staff"

urlpatterns = [
    path("patients/<id:pk>/", views_staff.access_page, name="access"),
    path("patients/<id:pk>/invite/<str:kind>/", views_staff.invite, name="invite"),
    path("patients/<id:pk>/accounts/<id:account_id>/reset/", views_staff.reset, name="reset"),
    path("patients/<id:pk>/accounts/<id:account_id>/end/", views_staff.end, name="end"),
    path("programs/<id:program_id>/settings/", views_settings.portal_settings, name="settings"),
    path("", include("openiop.portal.family.staff_urls")),
]
