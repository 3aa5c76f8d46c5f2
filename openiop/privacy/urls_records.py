"""The accounting of disclosures, the program's disclosure report and the breach log."""

from django.urls import URLPattern, path

from openiop.privacy import views_records as views

urlpatterns: list[URLPattern] = [
    path("patients/<id:pk>/disclosures/", views.accounting_page, name="accounting"),
    path("patients/<id:pk>/disclosures.pdf", views.accounting_pdf, name="accounting_pdf"),
    path("disclosures/", views.report, name="report"),
    path("disclosures.csv", views.report_csv, name="report_csv"),
    path("breaches/", views.breaches, name="breaches"),
    path("breaches/new/", views.breach_new, name="breach_new"),
    path("breaches/<id:pk>/", views.breach_detail, name="breach"),
]
