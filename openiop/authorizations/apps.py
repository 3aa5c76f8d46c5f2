from django.apps import AppConfig


class AuthorizationsConfig(AppConfig):
    name = "openiop.authorizations"
    label = "authorizations"
    default_auto_field = "django.db.models.BigAutoField"
