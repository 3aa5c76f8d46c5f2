from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """42 CFR Part 2: consents, the admission notice, the one disclosure gate, the accounting
    of disclosures and the breach log."""

    name = "openiop.privacy"
    label = "privacy"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Privacy (42 CFR Part 2)"
