"""The patient's consents in the portal (42 CFR 2.31, 2.25)."""

from __future__ import annotations

from django.urls import URLPattern, path

from openiop.portal.consents import views

urlpatterns: list[URLPattern] = [
    path("consents/", views.consents, name="consents"),
    path("consents/sign/", views.sign, name="consent_sign"),
    path("consents/<id:pk>/revoke/", views.revoke, name="consent_revoke"),
]
