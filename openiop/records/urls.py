from django.urls import path

from openiop.records import views

app_name = "records"

urlpatterns = [
    path("patients/<id:pk>/", views.index, name="index"),
    path("patients/<id:pk>/<slug:kind>/", views.document, name="document"),
    path("patients/<id:pk>/<slug:kind>/<id:obj>/", views.document, name="document_of"),
]
