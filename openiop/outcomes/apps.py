from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "openiop.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
    default_auto_field = "django.db.models.BigAutoField"
