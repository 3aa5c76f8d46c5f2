from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openiop.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openiop.accounts import signals  # noqa: F401
