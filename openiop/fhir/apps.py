from django.apps import AppConfig


class FhirConfig(AppConfig):
    """The FHIR R4 API (US Core profiles), its OAuth 2.0 system clients and bulk export."""

    name = "openiop.fhir"
    label = "fhir"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "FHIR API"
