from django.urls import path

from openiop.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("register/", views.patient_register, name="register"),
    path("emergency-access/", views.break_glass, name="break_glass"),
    path("<id:pk>/", views.patient_chart, name="chart"),
    path("<id:pk>/edit/", views.patient_edit, name="edit"),
    path("<id:pk>/contacts/add/", views.contact_add, name="contact_add"),
    path("<id:pk>/<slug:tab>/", views.patient_chart, name="chart_tab"),
]
