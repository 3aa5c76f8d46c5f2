"""URLs of this part of the portal."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
