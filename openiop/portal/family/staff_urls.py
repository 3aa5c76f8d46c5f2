"""Staff pages for family events (namespace `portal_staff`)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
