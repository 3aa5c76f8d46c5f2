"""Portal forms: accepting an invitation; staff inviting a patient or family member."""

from __future__ import annotations

from typing import Any

from django import forms

from openiop.portal.models import InvitationChannel


class AcceptForm(forms.Form):
    username = forms.CharField(
        label="Choose a user name",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label="Choose a password (12 characters or more)",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Type the password again",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    email = forms.EmailField(
        label="E-mail for reminders (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Reminders never say anything about your health or treatment.",
    )

    def __init__(self, *args: Any, new_account: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not new_account:
            del self.fields["username"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords are not the same.")
        return data


class InviteForm(forms.Form):
    channel = forms.ChoiceField(
        label="Send the link by", choices=InvitationChannel.choices, widget=forms.RadioSelect
    )
    send_to = forms.CharField(
        label="E-mail address or phone number",
        max_length=254,
        required=False,
        help_text="By e-mail, OpenIOP sends the link. By text message, you send the link shown "
        "on the next page from the program's phone; OpenIOP does not send text messages yet.",
    )
    consent = forms.TypedChoiceField(
        label="Under the consent", coerce=int, required=False, choices=()
    )


class PortalSettingsForm(forms.Form):
    pick_from_list = forms.BooleanField(
        label="Patients may check in by picking the session from today's list",
        required=False,
        help_text="Off: patients type the code shown in the room, which shows they are there. "
        "Attendance feeds weekly hours and billing.",
    )
    session_reminder_hours = forms.IntegerField(
        label="Session reminder: hours before the start",
        min_value=1,
        max_value=48,
        error_messages={
            "min_value": "Choose between 1 and 48 hours before the session.",
            "max_value": "Choose between 1 and 48 hours before the session.",
            "required": "Say how many hours before a session its reminder goes.",
            "invalid": "Enter a whole number of hours.",
        },
    )
