"""Support services pages at /support/: one include per sub-area."""

from django.urls import include, path

app_name = "support"

urlpatterns = [
    path("", include("openiop.support.needs.urls")),
    path("", include("openiop.support.referrals.urls")),
    path("", include("openiop.support.peer.urls")),
    path("", include("openiop.support.report.urls")),
    path("", include("openiop.support.settings_urls")),
]
