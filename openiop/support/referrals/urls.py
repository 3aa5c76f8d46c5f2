"""Partner directory and referral pages, under /support/ (namespace "support")."""

from django.urls import path

from openiop.support.referrals import views

urlpatterns = [
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_edit, name="partner_new"),
    path("partners/<id:pk>/", views.partner_edit, name="partner_edit"),
    path("needs/<id:pk>/refer/", views.need_refer, name="need_refer"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/<id:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<id:pk>/change/", views.referral_change, name="referral_change"),
    path("referrals/<id:pk>/new-link/", views.referral_new_link, name="referral_new_link"),
]
