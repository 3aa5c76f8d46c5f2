"""Staff pages of the locator app (mounted at /locator/; need a session past TOTP and the
administrator role)."""

from django.urls import URLPattern, URLResolver, path

from openiop.locator import views

app_name = "locator"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.directory, name="directory"),
    path("publish", views.publish, name="publish"),
    path("import", views.import_upload, name="import"),
    path("imports/<id:pk>/", views.import_run, name="import_run"),
    path("programs/<id:pk>/", views.program_settings, name="program"),
]
