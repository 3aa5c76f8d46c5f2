from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "openiop.records"
    label = "records"
    verbose_name = "Printable records"
    default_auto_field = "django.db.models.BigAutoField"
