"""Forms of the needs pages: record a need, close it. The rules (no day in the future, one
open need of a kind, a reason when it was not resolved) are the services'."""

from __future__ import annotations

from django import forms

from openiop.support.models import NeedKind, NeedStatus


class DateInput(forms.DateInput):
    input_type = "date"


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of need", choices=[("", "Choose…"), *NeedKind.choices])
    identified_on = forms.DateField(label="Day it was found", widget=DateInput)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the patient needs, in their words if possible.",
    )


CLOSE_CHOICES = [
    (NeedStatus.RESOLVED.value, "Resolved"),
    (NeedStatus.UNRESOLVED.value, "Not resolved"),
    (NeedStatus.DECLINED.value, "The patient declined help"),
]


class NeedCloseForm(forms.Form):
    status = forms.ChoiceField(
        label="How did it end?", choices=CLOSE_CHOICES, widget=forms.RadioSelect
    )
    closed_on = forms.DateField(label="Day", widget=DateInput)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the need was not resolved or help was declined: say why.",
    )
