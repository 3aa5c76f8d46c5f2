"""The partner's signed link (no log-in): /public/partner-referrals/<id>/<token>/."""

from django.urls import path

from openiop.support.referrals import partner_link_views

app_name = "support_public"

urlpatterns = [
    path(
        "partner-referrals/<id:pk>/<str:token>/",
        partner_link_views.partner_referral,
        name="partner_link",
    ),
]
