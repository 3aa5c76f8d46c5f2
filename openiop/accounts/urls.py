from django.urls import path

from openiop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/", views.mfa, name="mfa"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("account/", views.account, name="account"),
    path("account/recovery-codes/", views.recovery_codes, name="recovery_codes"),
]
