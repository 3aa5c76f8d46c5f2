"""The FHIR R4 API (docs/fhir.md)."""

from django.urls import URLPattern, path
from oauth2_provider.views import TokenView

from openiop.fhir import pages, views

app_name = "fhir"

urlpatterns: list[URLPattern] = [
    path("metadata", views.metadata, name="metadata"),
    path("auth/token", TokenView.as_view(), name="token"),
    path("clients/", pages.client_list, name="clients"),
    path("clients/<id:pk>/revoke", pages.client_revoke, name="client_revoke"),
    path("Patient/$export", views.export_patients, name="export_patients"),
    path("Group/<str:pk>/$export", views.export_group, name="export_group"),
    path("bulkstatus/<str:pk>", views.export_status, name="export_status"),
    path("bulkfiles/<str:pk>", views.export_file, name="export_file"),
    path("<str:rtype_name>", views.search, name="search"),
    path("<str:rtype_name>/_search", views.search_post, name="search_post"),
    path("<str:rtype_name>/<str:pk>", views.read, name="read"),
]
