"""URL map. Everything but the public prefixes needs a staff user past TOTP
(core.middleware.LoginRequiredMiddleware)."""

from django.contrib import admin
from django.urls import include, path

from openiop.core import views as core_views
from openiop.core.admin import restrict_admin_to_superusers
from openiop.patients import api as patients_api

restrict_admin_to_superusers(admin.site)

api_v1 = [
    path("patients/", patients_api.PatientListCreateAPI.as_view(), name="patients"),
    path("patients/search", patients_api.PatientSearchAPI.as_view(), name="patients_search"),
    path("patients/<id:pk>/", patients_api.PatientDetailAPI.as_view(), name="patient"),
]

urlpatterns = [
    path("", include("openiop.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("openiop.accounts.urls")),
    path("patients/", include("openiop.patients.urls")),
    path("setup/", include("openiop.organization.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/v1/", include("openiop.intake.api_urls")),
    path("api/v1/", include("openiop.scheduling.api_urls")),
    path("api/v1/", include("openiop.locator.api_urls")),
    path("api/v1/", include("openiop.delivery.api_urls")),
    path("api/v1/", include("openiop.care.api_urls")),
    path("delivery/", include("openiop.delivery.urls")),
    path("appointments/", include("openiop.appointments.urls")),
    path("care/", include("openiop.care.urls")),
    path("billing/", include("openiop.billing.urls")),
    path("authorizations/", include("openiop.authorizations.urls")),
    path("privacy/", include("openiop.privacy.urls")),
    path("fhir/", include("openiop.fhir.urls")),
    path("portal/", include("openiop.portal.urls")),
    path("portal-access/", include("openiop.portal.staff_urls")),
    path("intake/", include("openiop.intake.urls")),
    path("support/", include("openiop.support.urls")),
    path("outcomes/", include("openiop.outcomes.urls")),
    path("records/", include("openiop.records.urls")),
    path("schedule/", include("openiop.scheduling.urls")),
    path("locator/", include("openiop.locator.urls")),
    path("public/", include("openiop.intake.public_urls")),
    path("public/", include("openiop.scheduling.public_urls")),
    path("public/", include("openiop.locator.public_urls")),
    path("public/", include("openiop.delivery.public_urls")),
    path("public/", include("openiop.support.public_urls")),
    path("admin/", admin.site.urls),
]
