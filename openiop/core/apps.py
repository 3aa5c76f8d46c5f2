from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openiop.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Before any URL module is loaded (URLs load lazily, after every app is ready).
        from openiop.core import converters

        converters.register()
