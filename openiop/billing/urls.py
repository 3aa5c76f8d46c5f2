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
