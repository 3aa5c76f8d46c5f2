from django.urls import path

from openiop.organization import views

app_name = "organization"
urlpatterns = [
    path("", views.setup_home, name="setup"),
    path("staff/new/", views.staff_edit, name="staff_new"),
    path("staff/<id:pk>/", views.staff_edit, name="staff_edit"),
    path("rooms/<id:pk>/hours/", views.room_hours, name="room_hours"),
    path("<slug:kind>/new/", views.setup_edit, name="new"),
    path("<slug:kind>/<id:pk>/", views.setup_edit, name="edit"),
]
