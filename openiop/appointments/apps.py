from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "openiop.appointments"
    label = "appointments"
    verbose_name = "Appointments"
    default_auto_field = "django.db.models.BigAutoField"
