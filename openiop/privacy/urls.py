"""Privacy pages (42 CFR Part 2): consents and the admission notice (`urls_consents`), the
accounting of disclosures, the program's disclosure report and the breach log
(`urls_records`)."""

from django.urls import include, path

app_name = "privacy"

urlpatterns = [
    path("", include("openiop.privacy.urls_consents")),
    path("", include("openiop.privacy.urls_records")),
]
