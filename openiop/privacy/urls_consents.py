"""Consents, the admission notice and emergency disclosures (42 CFR 2.31, 2.22, 2.51)."""

from django.urls import path

from openiop.privacy import views_consents as views

urlpatterns = [
    path("patients/<id:pk>/consents/", views.consents, name="consents"),
    path("patients/<id:pk>/consents/new/", views.consent_new, name="consent_new"),
    path("patients/<id:pk>/notice/", views.notice, name="notice"),
    path("patients/<id:pk>/emergency-disclosure/", views.emergency, name="emergency"),
    path("consents/<id:pk>/", views.consent, name="consent"),
    path("consents/<id:pk>/replace/", views.consent_replace, name="consent_replace"),
    path("consents/<id:pk>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("consents/<id:pk>/scan", views.consent_scan, name="consent_scan"),
]
