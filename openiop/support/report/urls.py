"""Placeholder: filled by the sub-area."""

urlpatterns: list = []
