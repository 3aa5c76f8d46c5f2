"""Needs pages (namespace "support")."""

from django.urls import path

from openiop.support.needs import views

urlpatterns = [
    path("patients/<id:pk>/needs/new/", views.need_new, name="need_new"),
    path("needs/<id:pk>/close/", views.need_close, name="need_close"),
    path("needs/<id:pk>/reopen/", views.need_reopen, name="need_reopen"),
]
