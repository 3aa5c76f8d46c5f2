from django.apps import AppConfig


class LocatorConfig(AppConfig):
    name = "openiop.locator"
    label = "locator"
    default_auto_field = "django.db.models.BigAutoField"
