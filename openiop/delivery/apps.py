from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "openiop.delivery"
    label = "delivery"
    default_auto_field = "django.db.models.BigAutoField"
