"""The outcomes dashboard at /outcomes/ and the patients behind each figure."""

from django.urls import path

from openiop.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:key>/patients/", views.figure_patients, name="patients"),
    path("<slug:key>/patients.csv", views.figure_patients_csv, name="patients_csv"),
]
