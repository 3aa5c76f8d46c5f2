from django.urls import path

from openiop.core import views, views_audit

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views_audit.audit_report, name="audit_report"),
]
