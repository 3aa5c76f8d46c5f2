from django.urls import path

from openiop.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.home, name="home"),
    path("charges/generate", views.generate, name="generate"),
    path("patients/<id:pk>/coverage", views.coverage, name="coverage"),
    path("patients/<id:pk>/coverage/add", views.coverage_add, name="coverage_add"),
    path("patients/<id:pk>/certifications/add", views.certification_add, name="certification_add"),
]
urlpatterns += [
    path("claims", views.claims, name="claims"),
    path("claims/build", views.claims_build, name="claims_build"),
    path("claims/<id:pk>", views.claim_detail, name="claim"),
    path("remittances", views.remittance, name="remittance"),
    path("denials", views.denials, name="denials"),
    path("patients/<id:pk>/estimates", views.estimates_page, name="estimates"),
    path("estimates/<id:pk>/pdf", views.estimate_pdf, name="estimate_pdf"),
    path("patients/<id:pk>/statement", views.statement, name="statement"),
]
