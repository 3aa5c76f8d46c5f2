from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "openiop.support"
    label = "support"
    verbose_name = "Support services"
    default_auto_field = "django.db.models.BigAutoField"
