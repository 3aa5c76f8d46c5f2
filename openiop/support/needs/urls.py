"""Placeholder: filled by the needs pages."""

urlpatterns: list = []
