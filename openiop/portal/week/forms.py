"""Forms of "My week" and self check-in."""

from __future__ import annotations

from django import forms

from openiop.portal.week.services import REASON_MAX


class AbsenceForm(forms.Form):
    reason = forms.CharField(
        label="Anything the care team should know (optional)",
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"At most {REASON_MAX} characters, please."},
        max_length=REASON_MAX,
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Session code shown in the room",
        max_length=20,
        error_messages={
            "required": "Type the code shown in the room.",
            "max_length": "A session code is 6 letters and numbers.",
        },
    )
