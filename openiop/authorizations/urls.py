from django.urls import path

from openiop.authorizations import views

app_name = "authorizations"
urlpatterns = [
    path("", views.work_list, name="work_list"),
    path("add", views.add, name="add"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit", views.edit, name="edit"),
    path("<id:pk>/review-packet.pdf", views.review_packet, name="packet"),
]
