"""Log-in and MFA forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from openiop.core.policy import is_portal_account


class StaffAuthenticationForm(AuthenticationForm):
    """The staff log-in: a patient or family portal account with the right password is told
    to use the portal's own log-in page (a wrong password gets the usual answer)."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if is_portal_account(user):
            raise forms.ValidationError(
                "This is the staff log-in. Patients and families sign in at /portal/login/.",
                code="portal_account",
            )


class PortalAuthenticationForm(AuthenticationForm):
    """The portal log-in: staff accounts are refused here (they use the staff log-in)."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not is_portal_account(user):
            raise forms.ValidationError(
                "This log-in is for patients and families. Staff sign in at /accounts/login/.",
                code="staff_account",
            )


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return str(self.cleaned_data["token"]).strip().replace(" ", "").lower()
