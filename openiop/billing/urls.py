from django.urls import path

from openiop.billing import views, views_claims, views_coverage
from openiop.billing import views_setup as setup_views
from openiop.billing.views_payments import payment_void, payments_page

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
    path("claims/<id:pk>", views_claims.claim_detail, name="claim"),
    path("claims/<id:pk>/appeal", views_claims.claim_appeal, name="claim_appeal"),
    path("claims/<id:pk>/withdraw", views_claims.claim_withdraw, name="claim_withdraw"),
    path("claims/<id:pk>/answer", views_claims.claim_answer, name="claim_answer"),
    path("files", views_claims.claim_files, name="files"),
    path("files/<id:pk>/download", views_claims.file_download, name="file_download"),
    path("files/<id:pk>/sent", views_claims.file_sent, name="file_sent"),
    path("acknowledgments", views_claims.acknowledgments, name="acknowledgments"),
    path("remittances", views.remittance, name="remittance"),
    path("denials", views.denials, name="denials"),
    path("patients/<id:pk>/estimates", views.estimates_page, name="estimates"),
    path("estimates/<id:pk>/pdf", views.estimate_pdf, name="estimate_pdf"),
    path("patients/<id:pk>/statement", views.statement, name="statement"),
]
urlpatterns += [
    path("patients/<id:pk>/payments", payments_page, name="payments"),
    path("payments/<id:pk>/void", payment_void, name="payment_void"),
]
urlpatterns += [
    path("setup/payers", setup_views.payers, name="setup_payers"),
    path("setup/payers/add", setup_views.payer_add, name="setup_payer_add"),
    path("setup/payers/<id:pk>", setup_views.payer_edit, name="setup_payer_edit"),
    path("setup/provider", setup_views.provider, name="setup_provider"),
    path("setup/fees", setup_views.fees, name="setup_fees"),
    path("setup/programs", setup_views.programs, name="setup_programs"),
]
urlpatterns += [
    path("coverages/<id:pk>/edit", views_coverage.coverage_edit, name="coverage_edit"),
    path("claims/<id:pk>/secondary", views_coverage.secondary_build, name="secondary_build"),
]
