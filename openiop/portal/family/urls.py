"""URLs of the family member's portal."""

from __future__ import annotations

from django.urls import URLPattern, path

from openiop.portal.family import views

urlpatterns: list[URLPattern] = [
    path("family/", views.family_home, name="family_home"),
    path("family/learn/", views.family_education, name="family_education"),
]
