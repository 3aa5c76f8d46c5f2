"""The support services' program settings page, in the "support"
namespace (``support:settings``)."""

from django.urls import path

from openiop.support import settings_views

urlpatterns = [
    path("programs/<id:pk>/settings/", settings_views.support_settings, name="settings"),
]
