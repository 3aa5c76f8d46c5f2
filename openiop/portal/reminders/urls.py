"""URLs of this part of the portal: reminders, and the installable app (manifest, service
worker at the portal's scope, offline page; these three are public)."""

from __future__ import annotations

from django.urls import URLPattern, path

from openiop.portal.reminders import views

urlpatterns: list[URLPattern] = [
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
    path("offline/", views.offline, name="offline"),
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/push/", views.push_subscribe, name="push_subscribe"),
    path("reminders/push/off/", views.push_unsubscribe, name="push_unsubscribe"),
]
