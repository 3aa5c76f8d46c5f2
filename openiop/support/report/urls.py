"""The support services report at /support/report/."""

from django.urls import path

from openiop.support.report import views

urlpatterns = [
    path("report/", views.report, name="report"),
]
